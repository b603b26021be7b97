/**
 * The device authorization endpoint (`/oauth2/v2.0/devicecode`), the verification page (`/devicelogin`), and the
 * approval used by the admin API. The page only explains how to approve for now; a later sign-in UI replaces it.
 */
import { AADSTS } from '../aad-errors.js';
import { tenantDisplayName } from '../client-auth.js';
import type { EmulatorContext } from '../context.js';
import { checkAppForAuthority, requireTenant, requiredParam } from '../grants/session.js';
import { escapeHtml, htmlResponse, jsonResponse, page } from '../http.js';
import { param, type Route } from '../router.js';
import { parseUserScopes } from '../scopes.js';

/**
 * Approves a pending device code for `username`. Throws RangeError naming the argument when the code is unknown,
 * expired or no longer pending, or the user cannot sign in to the code's tenant.
 */
export function approveDeviceCode(ctx: EmulatorContext, userCode: string, username: string): void {
  const record = ctx.stores.deviceCodeByUserCode(userCode);
  if (record === undefined) throw new RangeError(`userCode: no device code with user code ${userCode}`);
  if (record.status !== 'pending') throw new RangeError(`userCode: device code ${userCode} is already ${record.status}`);
  if (ctx.now() > record.expiresAt) throw new RangeError(`userCode: device code ${userCode} has expired`);
  const user = ctx.directory.user(username);
  if (user === undefined) throw new RangeError(`username: no configured user ${username}`);
  if (record.tenantId !== undefined && ctx.directory.membership(user, record.tenantId) === undefined) {
    throw new RangeError(`username: ${username} is not a member or guest of tenant ${record.tenantId}`);
  }
  record.status = 'approved';
  record.username = user.username;
  record.authTime = ctx.now();
}

/** Declines a pending device code (the user pressed "Cancel"); the next poll gets access_denied. */
export function denyDeviceCode(ctx: EmulatorContext, userCode: string): void {
  const record = ctx.stores.deviceCodeByUserCode(userCode);
  if (record === undefined) throw new RangeError(`userCode: no device code with user code ${userCode}`);
  if (record.status !== 'pending') throw new RangeError(`userCode: device code ${userCode} is already ${record.status}`);
  record.status = 'denied';
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
  {
    methods: ['GET'],
    pattern: /^\/devicelogin$/,
    endpoint: 'devicelogin',
    handle: (ctx, req) => {
      const code = req.url.searchParams.get('otc') ?? req.url.searchParams.get('user_code') ?? 'USERCODE';
      const body =
        '<p>This emulator has no interactive device sign-in page yet. Approve the code through the admin API:</p>' +
        `<pre>curl --cacert CA.pem -X POST ${escapeHtml(ctx.baseUrl)}/_emulator/device/approve \\\n` +
        `  -H 'content-type: application/json' \\\n  -d '{"user_code":"${escapeHtml(code)}","username":"user@contoso.onmicrosoft.com"}'</pre>` +
        '<p>or call <code>emulator.approveDeviceCode(userCode, username)</code> in-process.</p>';
      return htmlResponse(200, page('Enter code', body));
    },
  },
];
