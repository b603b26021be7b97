/**
 * `grant_type=refresh_token`: redeems a refresh token for any resource, returning a new one (the old one stays valid
 * until it expires, as in Entra). Apps of one FOCI family may redeem each other's family refresh tokens.
 */
import { AADSTS, aadTimestamp } from '../aad-errors.js';
import { authenticateClient, tenantDisplayName } from '../client-auth.js';
import { parseUserScopes } from '../scopes.js';
import { userTokenResponse } from '../tokens.js';
import type { GrantHandler } from './grant.js';
import { requiredParam, userSession } from './session.js';

/** Refresh token grant handler. */
export const refreshTokenGrant: GrantHandler = (ctx, req, tenant) => {
  const { app, acr } = authenticateClient(ctx, req, tenant, false);
  const token = requiredParam(req.form, 'refresh_token');
  const record = ctx.stores.refreshTokens.get(token);
  if (record === undefined) throw AADSTS.refreshTokenInvalid();
  const sameFamily = record.familyId !== undefined && record.familyId === app.familyId;
  if (record.clientId !== app.clientId && !sameFamily) {
    throw record.familyId !== undefined ? AADSTS.familyClientMismatch() : AADSTS.grantForOtherClient();
  }
  if (record.revoked) throw AADSTS.refreshTokenRevoked();
  const now = ctx.now();
  if (now > record.expiresAt) {
    const days = Math.floor((now - record.lastUsedAt) / 86_400);
    throw AADSTS.refreshTokenExpired(aadTimestamp(record.issuedAt), `${days} day(s)`);
  }
  const user = ctx.directory.user(record.username);
  if (user === undefined) throw AADSTS.refreshTokenRevoked();
  record.lastUsedAt = now;
  const session = userSession(ctx, app, user, tenant, { authTime: record.authTime, amr: ['pwd'], preferredTenantId: record.tenantId });
  const scopes = parseUserScopes(ctx.directory, app, requiredParam(req.form, 'scope'), tenantDisplayName(tenant));
  return userTokenResponse(ctx, { app, session, scopes, acr, nonce: undefined, wantsClientInfo: req.form.get('client_info') === '1' });
};
