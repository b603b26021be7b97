/**
 * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with `requested_token_use=on_behalf_of`: a web API trades
 * a user's access token (issued by this emulator, for that API) for a token to a downstream resource, for the same
 * user.
 */
import { AADSTS } from '../aad-errors.js';
import { authenticateClient, tenantDisplayName } from '../client-auth.js';
import type { EmulatorApp } from '../config.js';
import { decodeJwt, numberClaim, stringClaim, verifyJwtSignature } from '../jwt.js';
import { parseUserScopes } from '../scopes.js';
import { userTokenResponse } from '../tokens.js';
import type { GrantHandler } from './grant.js';
import { requiredParam, userSession } from './session.js';

function audiencesOf(app: EmulatorApp): string[] {
  return [app.clientId, `api://${app.clientId}`, ...(app.api?.identifierUris ?? [])].map((a) => a.toLowerCase().replace(/\/+$/, ''));
}

/** On-behalf-of grant handler. */
export const onBehalfOfGrant: GrantHandler = (ctx, req, tenant) => {
  const { app, acr } = authenticateClient(ctx, req, tenant, true);
  if (req.form.get('requested_token_use') !== 'on_behalf_of') {
    throw AADSTS.invalidRequest("The request body must contain 'requested_token_use=on_behalf_of' for the jwt-bearer grant.");
  }
  const assertion = requiredParam(req.form, 'assertion');
  const jwt = decodeJwt(assertion);
  if (jwt === undefined) throw AADSTS.oboSignature('The assertion is not a JWT.');
  if (stringClaim(jwt.header, 'kid') !== ctx.signingKey.kid || !verifyJwtSignature(jwt, 'RS256', ctx.signingKey.publicKey)) {
    throw AADSTS.oboSignature('The key was not found or the signature did not verify.');
  }
  const claims = jwt.payload;
  const exp = numberClaim(claims, 'exp');
  if (exp === undefined || ctx.now() >= exp) throw AADSTS.oboExpired();
  const aud = stringClaim(claims, 'aud') ?? '';
  if (!audiencesOf(app).includes(aud.toLowerCase().replace(/\/+$/, ''))) throw AADSTS.oboAudience(aud, app.clientId);
  const oid = stringClaim(claims, 'oid');
  const tid = stringClaim(claims, 'tid');
  if (oid === undefined || tid === undefined || stringClaim(claims, 'scp') === undefined) {
    throw AADSTS.oboSignature('The assertion is not a delegated (user) access token.');
  }
  const user = ctx.directory.userByObjectId(tid, oid);
  if (user === undefined) throw AADSTS.userNotFound(ctx.directory.tenantById(tid)?.displayName ?? tid);
  const session = userSession(ctx, app, user, tenant, { authTime: undefined, amr: ['pwd'], preferredTenantId: tid });
  const scopes = parseUserScopes(ctx.directory, app, requiredParam(req.form, 'scope'), tenantDisplayName(tenant));
  return userTokenResponse(ctx, { app, session, scopes, acr, nonce: undefined, wantsClientInfo: req.form.get('client_info') === '1' });
};
