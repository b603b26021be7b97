/**
 * `grant_type=urn:ietf:params:oauth:grant-type:device_code` (and the short `device_code` msal-node sends): polling
 * for a device code, with authorization_pending, slow_down, expired_token and access_denied.
 */
import { AADSTS } from '../aad-errors.js';
import { authenticateClient, tenantDisplayName } from '../client-auth.js';
import { parseUserScopes } from '../scopes.js';
import { userTokenResponse } from '../tokens.js';
import type { GrantHandler } from './grant.js';
import { userSession } from './session.js';

/** Device code grant handler. */
export const deviceCodeGrant: GrantHandler = (ctx, req, tenant) => {
  const { app, acr } = authenticateClient(ctx, req, tenant, false);
  const deviceCode = req.form.get('device_code') ?? req.form.get('code');
  if (deviceCode === null || deviceCode === '') throw AADSTS.missingParameter('device_code');
  const record = ctx.stores.deviceCodes.get(deviceCode);
  if (record === undefined) throw AADSTS.malformedGrant();
  if (record.clientId !== app.clientId) throw AADSTS.grantForOtherClient();
  const now = ctx.now();
  if (now > record.expiresAt) throw AADSTS.deviceCodeExpired();
  switch (record.status) {
    case 'denied':
      throw AADSTS.deviceCodeDenied();
    case 'redeemed':
      throw AADSTS.codeRedeemed();
    case 'pending': {
      const last = record.lastPollAt;
      record.lastPollAt = now;
      // Timers fire a little early; only polling clearly faster than the interval is told to slow down.
      if (last !== undefined && now - last < record.interval - Math.min(1, record.interval / 2)) throw AADSTS.slowDown();
      throw AADSTS.authorizationPending();
    }
    case 'approved':
      break;
  }
  const user = record.username === undefined ? undefined : ctx.directory.user(record.username);
  if (user === undefined) throw AADSTS.deviceCodeDenied();
  record.status = 'redeemed';
  const session = userSession(ctx, app, user, tenant, { authTime: record.authTime, amr: ['pwd'], preferredTenantId: record.tenantId });
  const scopes = parseUserScopes(ctx.directory, app, req.form.get('scope') ?? record.scope, tenantDisplayName(tenant));
  return userTokenResponse(ctx, { app, session, scopes, acr, nonce: undefined, wantsClientInfo: req.form.get('client_info') === '1' });
};
