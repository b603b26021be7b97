/**
 * The end of an authorize request: issuing the authorization code for the signed-in user and sending it (or an
 * error) back to the app's redirect URI in the requested response mode. Shared by the no-UI mode and the sign-in pages.
 */
import { AadFailure } from './aad-errors.js';
import type { EmulatorApp, EmulatorUser } from './config.js';
import type { EmulatorContext } from './context.js';
import type { TenantRef } from './directory.js';
import { userSession } from './grants/session.js';
import { escapeHtml, htmlResponse, redirectResponse, type EmulatorRequest, type EmulatorResponse } from './http.js';
import { randomGuid } from './ids.js';
import type { AuthorizeTarget } from './sign-in-state.js';
import { clientInfo } from './tokens.js';

/** Sends `values` back to the app at `redirectUri` with the requested response mode. */
export function respondToApp(redirectUri: string, mode: AuthorizeTarget['mode'], values: Record<string, string>): EmulatorResponse {
  if (mode === 'form_post') {
    const inputs = Object.entries(values)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('');
    return htmlResponse(
      200,
      '<!doctype html><html><head><title>Working...</title></head><body onload="document.forms[0].submit()">' +
        `<form method="POST" action="${escapeHtml(redirectUri)}">${inputs}<noscript><p>Script is disabled. Click Submit to continue.</p>` +
        '<input type="submit" value="Submit"></noscript></form></body></html>',
    );
  }
  const url = new URL(redirectUri);
  const params = new URLSearchParams(values);
  if (mode === 'fragment') url.hash = params.toString();
  else for (const [k, v] of params) url.searchParams.append(k, v);
  return redirectResponse(url.toString());
}

/** The error fields Entra sends back to the app, with the state. */
export function errorValues(failure: AadFailure, req: EmulatorRequest, state: string | undefined): Record<string, string> {
  const values: Record<string, string> = {
    error: failure.spec.error,
    error_description: `AADSTS${failure.spec.code}: ${failure.spec.message}\r\nTrace ID: ${req.traceId}\r\nCorrelation ID: ${req.correlationId}`,
    error_uri: `https://login.microsoftonline.com/error?code=${failure.spec.code}`,
  };
  if (state !== undefined) values.state = state;
  return values;
}

/** Sends an AadFailure back to the app. */
export function failToApp(target: AuthorizeTarget, failure: AadFailure, req: EmulatorRequest): EmulatorResponse {
  return respondToApp(target.redirectUri, target.mode, errorValues(failure, req, target.state));
}

/**
 * Issues a code for `user` signed in at `authTime` and redirects to the app; a user who cannot sign in to the tenant
 * gets Entra's error at the redirect URI.
 */
export function finishAuthorize(
  ctx: EmulatorContext,
  req: EmulatorRequest,
  grant: { app: EmulatorApp; tenant: TenantRef; scope: string; target: AuthorizeTarget; user: EmulatorUser; authTime: number },
): EmulatorResponse {
  const { app, tenant, scope, target, user, authTime } = grant;
  try {
    const session = userSession(ctx, app, user, tenant, { authTime, amr: ['pwd'] });
    const now = ctx.now();
    const code = ctx.stores.addCode(
      {
        clientId: app.clientId,
        redirectUri: target.redirectUri,
        scope,
        username: user.username,
        tenantId: session.membership.tenantId,
        nonce: target.nonce,
        codeChallenge: target.codeChallenge,
        codeChallengeMethod: target.codeChallengeMethod,
        authTime,
        expiresAt: now + ctx.lifetimes.authorizationCode,
        redeemed: false,
      },
      now,
    );
    const values: Record<string, string> = { code };
    if (target.wantsClientInfo) values.client_info = clientInfo(user);
    if (target.state !== undefined) values.state = target.state;
    values.session_state = randomGuid();
    return respondToApp(target.redirectUri, target.mode, values);
  } catch (err) {
    if (err instanceof AadFailure) return failToApp(target, err, req);
    throw err;
  }
}
