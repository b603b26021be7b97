/**
 * The device authorization endpoint (`/oauth2/v2.0/devicecode`) and the verification page (`/devicelogin`): enter
 * the user code (prefilled from `?otc=`, as a `verification_uri_complete` would), then the sign-in pages (account,
 * password, consent), then "you may close this window". Approval without a browser is in device-approval.ts.
 */
import { AADSTS } from '../aad-errors.js';
import { tenantDisplayName } from '../client-auth.js';
import type { EmulatorContext } from '../context.js';
import { checkAppForAuthority, requireTenant, requiredParam } from '../grants/session.js';
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from '../http.js';
import { param, type Route } from '../router.js';
import { parseUserScopes } from '../scopes.js';
import { advance } from '../sign-in-flow.js';
import { deviceCodePage, signInProblemPage } from '../sign-in-pages.js';

import { approveDeviceCode } from '../device-approval.js';

export { approveDeviceCode, denyDeviceCode } from '../device-approval.js';

/** The code entry page, with a session (and its cookie) for the CSRF token. */
function codeEntry(ctx: EmulatorContext, req: EmulatorRequest): EmulatorResponse {
  const now = ctx.now();
  const existing = ctx.signIn.session(req.headers.cookie, now);
  const session = existing ?? ctx.signIn.newSession(now);
  const otc = req.url.searchParams.get('otc') ?? undefined;
  const res = deviceCodePage({ csrf: session.csrf }, { code: otc, confirm: otc !== undefined });
  if (existing === undefined) res.headers['set-cookie'] = ctx.signIn.setCookie(session);
  return res;
}

/** The entered code: starts a sign-in for the code's app, or shows the form again with what went wrong. */
function codeEntered(ctx: EmulatorContext, req: EmulatorRequest): EmulatorResponse {
  const now = ctx.now();
  const session = ctx.signIn.session(req.headers.cookie, now);
  if (session === undefined) {
    return signInProblemPage(400, 'Your sign-in session has expired, or this browser does not keep cookies. Open the sign-in page again.');
  }
  if (!ctx.signIn.csrfMatches(session, req.form.get('csrf'))) {
    return signInProblemPage(403, 'This request could not be verified. Open the sign-in page again.');
  }
  const entered = (req.form.get('otc') ?? '').trim();
  const record = entered === '' ? undefined : ctx.stores.deviceCodeByUserCode(entered);
  const again = (error: string): EmulatorResponse => deviceCodePage({ csrf: session.csrf }, { code: entered === '' ? undefined : entered, error });
  if (record === undefined) return again("That code didn't work. Check the code and try again.");
  if (now > record.expiresAt) return again('That code has expired. Go back to your app or device to get a new one.');
  if (record.status !== 'pending') return again('That code was already used. Go back to your app or device to get a new one.');
  const app = ctx.directory.app(record.clientId);
  const tenant = record.tenantId === undefined ? undefined : ctx.directory.resolveTenant(record.tenantId);
  if (app === undefined) return again("That code didn't work. Check the code and try again.");
  const interaction = ctx.signIn.start(
    {
      sessionId: session.id,
      app,
      tenant: tenant ?? { kind: 'common', segment: 'common' },
      scope: record.scope,
      loginHint: undefined,
      forceLogin: false,
      forceConsent: false,
      // A device code can be phished; Entra always shows whose account will be used.
      pickAccount: true,
      target: { kind: 'device', userCode: record.userCode },
    },
    now,
  );
  return advance(ctx, req, session, interaction);
}

/**
 * With `autoApprove` (`msal-ts emulator --auto-approve USER`), a new code is approved as that user at once, so the
 * client's first poll gets tokens: scripts need no page and no admin call. A tenant the user cannot sign in to
 * leaves the code pending, to be approved as usual.
 */
function autoApprove(ctx: EmulatorContext, userCode: string, tenantId: string | undefined): void {
  const username = ctx.directory.config.autoApprove;
  if (username === undefined) return;
  const user = ctx.directory.user(username);
  if (user === undefined || (tenantId !== undefined && ctx.directory.membership(user, tenantId) === undefined)) return;
  approveDeviceCode(ctx, userCode, user.username);
}

/** The device code routes. */
export const deviceAuthorizationRoutes: Route[] = [
  {
    methods: ['POST'],
    pattern: /^\/(?<tenant>[^/]+)\/oauth2\/(?:v2\.0\/)?devicecode$/,
    endpoint: 'devicecode',
    handle: (ctx, req, p) => {
      const tenant = requireTenant(ctx, param(p, 'tenant'));
      const clientId = requiredParam(req.form, 'client_id');
      const app = ctx.directory.app(clientId);
      if (app === undefined || (tenant.kind === 'tenant' && !ctx.directory.appUsableIn(app, tenant.tenant.id))) {
        throw AADSTS.unknownClient(clientId, tenantDisplayName(tenant));
      }
      if (app.kind === 'public' && !app.allowPublicClientFlows) throw AADSTS.publicFlowsDisabled();
      checkAppForAuthority(app, tenant);
      const scope = requiredParam(req.form, 'scope');
      parseUserScopes(ctx.directory, app, scope, tenantDisplayName(tenant));
      const now = ctx.now();
      const record = ctx.stores.addDeviceCode(
        {
          clientId: app.clientId,
          tenantId: tenant.kind === 'tenant' ? tenant.tenant.id : undefined,
          scope,
          expiresAt: now + ctx.lifetimes.deviceCode,
          interval: ctx.lifetimes.deviceCodeInterval,
          lastPollAt: undefined,
          status: 'pending',
          username: undefined,
          authTime: undefined,
        },
        now,
      );
      autoApprove(ctx, record.userCode, record.tenantId);
      const verificationUri = `${ctx.baseUrl}/devicelogin`;
      return jsonResponse(200, {
        user_code: record.userCode,
        device_code: record.deviceCode,
        verification_uri: verificationUri,
        expires_in: ctx.lifetimes.deviceCode,
        interval: record.interval,
        message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${record.userCode} to authenticate.`,
      });
    },
  },
  { methods: ['GET'], pattern: /^\/devicelogin$/, endpoint: 'devicelogin', handle: codeEntry },
  { methods: ['POST'], pattern: /^\/devicelogin$/, endpoint: 'devicelogin', handle: codeEntered },
];
