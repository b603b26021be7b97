/** `grant_type=password` (ROPC): a configured user's username and password. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AADSTS } from '../aad-errors.js';
import { authenticateClient, tenantDisplayName } from '../client-auth.js';
import { parseUserScopes } from '../scopes.js';
import { userTokenResponse } from '../tokens.js';
import type { GrantHandler } from './grant.js';
import { checkAppForAuthority, requiredParam, userSession } from './session.js';

function samePassword(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Username/password grant handler. */
export const passwordGrant: GrantHandler = (ctx, req, tenant) => {
  const { app, acr } = authenticateClient(ctx, req, tenant, false);
  if (app.kind === 'public' && !app.allowPublicClientFlows) throw AADSTS.publicFlowsDisabled();
  checkAppForAuthority(app, tenant);
  const username = requiredParam(req.form, 'username');
  const password = requiredParam(req.form, 'password');
  const user = ctx.directory.user(username);
  if (user === undefined) throw AADSTS.userNotFound(tenantDisplayName(tenant));
  if (!samePassword(user.password, password)) throw AADSTS.invalidPassword();
  const session = userSession(ctx, app, user, tenant, { authTime: undefined, amr: ['pwd'] });
  const scopes = parseUserScopes(ctx.directory, app, requiredParam(req.form, 'scope'), tenantDisplayName(tenant));
  return userTokenResponse(ctx, { app, session, scopes, acr, nonce: undefined, wantsClientInfo: req.form.get('client_info') === '1' });
};
