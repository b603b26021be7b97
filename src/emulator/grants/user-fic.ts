/**
 * `grant_type=user_fic` (user federated identity credential): an agent application trades a federated credential for
 * a token for one user, named by `username` (UPN) or `user_id` (object id), never both. The emulator accepts as the
 * credential an app-only access token it issued itself to the calling app (the "instance token" an agent obtains with
 * client credentials), unexpired; Entra's own trust rules for agent identities are not modelled.
 */
import { AADSTS } from '../aad-errors.js';
import { authenticateClient, tenantDisplayName } from '../client-auth.js';
import { decodeJwt, numberClaim, stringClaim, verifyJwtSignature } from '../jwt.js';
import { parseUserScopes } from '../scopes.js';
import { userTokenResponse } from '../tokens.js';
import type { GrantHandler } from './grant.js';
import { requiredParam, userSession } from './session.js';

/** User federated identity credential grant handler. */
export const userFicGrant: GrantHandler = (ctx, req, tenant) => {
  const { app, acr } = authenticateClient(ctx, req, tenant, true);
  if (tenant.kind !== 'tenant') throw AADSTS.noTenantInformation();
  const credential = requiredParam(req.form, 'user_federated_identity_credential');
  const jwt = decodeJwt(credential);
  if (jwt === undefined) throw AADSTS.oboSignature('The user federated identity credential is not a JWT.');
  if (stringClaim(jwt.header, 'kid') !== ctx.signingKey.kid || !verifyJwtSignature(jwt, 'RS256', ctx.signingKey.publicKey)) {
    throw AADSTS.oboSignature('The key was not found or the signature did not verify.');
  }
  const claims = jwt.payload;
  const exp = numberClaim(claims, 'exp');
  if (exp === undefined || ctx.now() >= exp) throw AADSTS.oboExpired();
  const holder = stringClaim(claims, 'azp') ?? stringClaim(claims, 'appid');
  if (stringClaim(claims, 'idtyp') !== 'app' || holder?.toLowerCase() !== app.clientId.toLowerCase()) {
    throw AADSTS.invalidRequest('The user federated identity credential must be an app token issued to the calling application.');
  }
  const username = req.form.get('username');
  const userId = req.form.get('user_id');
  const byName = username !== null && username !== '';
  const byId = userId !== null && userId !== '';
  if (byName === byId) throw AADSTS.invalidRequest('Exactly one of username and user_id must be given for the user_fic grant.');
  const user = byName ? ctx.directory.user(username) : ctx.directory.userByObjectId(tenant.tenant.id, userId ?? '');
  if (user === undefined) throw AADSTS.userNotFound(tenantDisplayName(tenant));
  const session = userSession(ctx, app, user, tenant, { authTime: undefined, amr: ['fed'] });
  const scopes = parseUserScopes(ctx.directory, app, requiredParam(req.form, 'scope'), tenantDisplayName(tenant));
  return userTokenResponse(ctx, { app, session, scopes, acr, nonce: undefined, wantsClientInfo: req.form.get('client_info') === '1' });
};
