/** `grant_type=authorization_code`: redeems a code from the authorize endpoint, with PKCE and redirect_uri checks. */
import { createHash } from 'node:crypto';
import { AADSTS } from '../aad-errors.js';
import { authenticateClient, tenantDisplayName } from '../client-auth.js';
import { parseUserScopes } from '../scopes.js';
import { userTokenResponse } from '../tokens.js';
import type { GrantHandler } from './grant.js';
import { requiredParam, userSession } from './session.js';

/** Whether `verifier` answers the stored PKCE challenge. */
export function pkceMatches(method: 'S256' | 'plain', challenge: string, verifier: string): boolean {
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return computed === challenge;
}

/** Authorization code grant handler. */
export const authorizationCodeGrant: GrantHandler = (ctx, req, tenant) => {
  const { app, acr } = authenticateClient(ctx, req, tenant, false);
  const code = requiredParam(req.form, 'code');
  const record = ctx.stores.codes.get(code);
  if (record === undefined) throw AADSTS.malformedGrant();
  if (record.clientId !== app.clientId) throw AADSTS.grantForOtherClient();
  if (tenant.kind === 'tenant' && tenant.tenant.id !== record.tenantId) throw AADSTS.grantForOtherTenant();
  if (record.redeemed) throw AADSTS.codeRedeemed();
  if (ctx.now() > record.expiresAt) throw AADSTS.codeExpired();
  const redirectUri = requiredParam(req.form, 'redirect_uri');
  if (redirectUri !== record.redirectUri) throw AADSTS.redirectMismatch(redirectUri, record.redirectUri);
  if (record.codeChallenge !== undefined) {
    const verifier = req.form.get('code_verifier');
    if (verifier === null || !pkceMatches(record.codeChallengeMethod ?? 'plain', record.codeChallenge, verifier)) {
      throw AADSTS.pkceMismatch();
    }
  }
  record.redeemed = true;
  const user = ctx.directory.user(record.username);
  if (user === undefined) throw AADSTS.userNotFound(tenantDisplayName(tenant));
  const session = userSession(ctx, app, user, tenant, { authTime: record.authTime, amr: ['pwd'], preferredTenantId: record.tenantId });
  const scopes = parseUserScopes(ctx.directory, app, req.form.get('scope') ?? record.scope, tenantDisplayName(tenant));
  return userTokenResponse(ctx, { app, session, scopes, acr, nonce: record.nonce, wantsClientInfo: req.form.get('client_info') === '1' });
};
