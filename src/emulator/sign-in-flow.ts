/**
 * The interactive sign-in as a small state machine over an {@link Interaction}: who signs in (password form, or the
 * browser session's user for single sign-on, or the account picker), whether the user may use the tenant, consent,
 * and the end (a code redirected to the app, or an approved device code).
 */
import { AadFailure, AADSTS } from './aad-errors.js';
import { finishAuthorize, failToApp } from './authorize-response.js';
import { tenantDisplayName } from './client-auth.js';
import type { EmulatorApp, EmulatorUser } from './config.js';
import type { EmulatorContext } from './context.js';
import type { TenantRef } from './directory.js';
import { approveDeviceCode, denyDeviceCode } from './device-approval.js';
import { userSession } from './grants/session.js';
import type { EmulatorRequest, EmulatorResponse } from './http.js';
import { parseUserScopes } from './scopes.js';
import { accountPage, consentPage, deviceDonePage, passwordPage, signInProblemPage, type ConsentItem } from './sign-in-pages.js';
import type { BrowserSession, Interaction } from './sign-in-state.js';

const OIDC_LABELS: Readonly<Record<string, string>> = {
  openid: 'Sign you in',
  profile: 'View your basic profile',
  email: 'View your email address',
  offline_access: 'Maintain access to data you have given it access to',
  address: 'View your address',
  phone: 'View your phone number',
};

/** What the user consents to for this interaction's scopes; keys are what {@link SignInState} remembers. */
export function consentItems(ctx: EmulatorContext, request: { app: EmulatorApp; tenant: TenantRef; scope: string }): ConsentItem[] {
  const scopes = parseUserScopes(ctx.directory, request.app, request.scope, tenantDisplayName(request.tenant));
  const items: ConsentItem[] = scopes.permissions.map((p) => ({
    key: `${scopes.resource.appId}:${p.toLowerCase()}`,
    label: `${scopes.resource.displayName}: ${p}`,
  }));
  for (const s of scopes.oidc) items.push({ key: `oidc:${s}`, label: OIDC_LABELS[s] ?? s });
  return items;
}

/** The password form again, with a message; the interaction forgets its user. */
export function retryPassword(session: BrowserSession, interaction: Interaction, username: string | undefined, error: string): EmulatorResponse {
  interaction.username = undefined;
  interaction.authTime = undefined;
  return passwordPage({ flow: interaction.id, csrf: session.csrf }, { appName: interaction.app.displayName, username, error });
}

function finish(ctx: EmulatorContext, req: EmulatorRequest, interaction: Interaction, user: EmulatorUser, authTime: number): EmulatorResponse {
  ctx.signIn.end(interaction);
  const { target } = interaction;
  if (target.kind === 'authorize') {
    return finishAuthorize(ctx, req, { app: interaction.app, tenant: interaction.tenant, scope: interaction.scope, target: target.authorize, user, authTime });
  }
  try {
    approveDeviceCode(ctx, target.userCode, user.username, authTime);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return signInProblemPage(400, 'This code has expired or was already used. Start over on your device to get a new code.');
  }
  return deviceDonePage(interaction.app.displayName, true);
}

/**
 * Moves `interaction` on: shows the page it needs next, or finishes it.
 *
 * @returns The next page, the redirect to the app, or the device code's end page.
 */
export function advance(ctx: EmulatorContext, req: EmulatorRequest, session: BrowserSession, interaction: Interaction): EmulatorResponse {
  const form = { flow: interaction.id, csrf: session.csrf };
  const appName = interaction.app.displayName;
  if (interaction.username === undefined) {
    const current = session.username;
    const hint = interaction.loginHint;
    const hintNamesOther = hint !== undefined && current !== undefined && hint.toLowerCase() !== current.toLowerCase();
    if (current === undefined || interaction.forceLogin || hintNamesOther) {
      // After "Use another account" the form starts empty; after prompt=login it names who is re-entering a password.
      return passwordPage(form, { appName, username: hint ?? (interaction.pickAccount ? undefined : current) });
    }
    if (interaction.pickAccount) return accountPage(form, { appName, username: current });
    interaction.username = current;
    interaction.authTime = session.authTime;
  }
  const user = ctx.directory.user(interaction.username);
  if (user === undefined) return retryPassword(session, interaction, undefined, 'AADSTS50034: This account no longer exists. Sign in with another account.');
  const authTime = interaction.authTime ?? ctx.now();
  try {
    // Checked before consent, so a user outside the tenant hears it here rather than after accepting.
    userSession(ctx, interaction.app, user, interaction.tenant, { authTime, amr: ['pwd'] });
  } catch (err) {
    if (!(err instanceof AadFailure)) throw err;
    return retryPassword(session, interaction, user.username, `AADSTS${err.spec.code}: ${err.spec.message.replace('{EUII Hidden}', user.username)}`);
  }
  const items = consentItems(ctx, interaction);
  const consentKnown = ctx.signIn.hasConsent(
    user.username,
    interaction.app.clientId,
    items.map((i) => i.key),
  );
  if (!interaction.consented && (interaction.forceConsent || !consentKnown)) {
    return consentPage(form, { appName, username: user.username, items });
  }
  return finish(ctx, req, interaction, user, authTime);
}

/** The user accepted or cancelled on the consent page. */
export function answerConsent(
  ctx: EmulatorContext,
  req: EmulatorRequest,
  session: BrowserSession,
  interaction: Interaction,
  accepted: boolean,
): EmulatorResponse {
  const username = interaction.username;
  if (username === undefined) return advance(ctx, req, session, interaction);
  if (accepted) {
    ctx.signIn.grantConsent(
      username,
      interaction.app.clientId,
      consentItems(ctx, interaction).map((i) => i.key),
    );
    interaction.consented = true;
    return advance(ctx, req, session, interaction);
  }
  ctx.signIn.end(interaction);
  const { target } = interaction;
  if (target.kind === 'authorize') return failToApp(target.authorize, AADSTS.consentDeclined(), req);
  try {
    denyDeviceCode(ctx, target.userCode);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
  }
  return deviceDonePage(interaction.app.displayName, false);
}
