/**
 * `grant_type=client_credentials`: an app-only token for one `<resource>/.default`. An `fmi_path` (federated managed
 * identity) makes the token's subject that path under the app; a `claims` request's capabilities and network perimeter
 * are copied into the token (`requested-claims.ts`).
 */
import { AADSTS } from '../aad-errors.js';
import { authenticateClient, tenantDisplayName } from '../client-auth.js';
import { requestedAccessTokenClaims } from '../requested-claims.js';
import { parseClientCredentialScope } from '../scopes.js';
import { appAccessToken, refreshInFor } from '../tokens.js';
import type { GrantHandler } from './grant.js';
import { requiredParam } from './session.js';

/** Client credentials grant handler. */
export const clientCredentialsGrant: GrantHandler = (ctx, req, tenant) => {
  const client = authenticateClient(ctx, req, tenant, true);
  if (tenant.kind !== 'tenant') throw AADSTS.noTenantInformation();
  const resource = parseClientCredentialScope(ctx.directory, requiredParam(req.form, 'scope'), tenantDisplayName(tenant));
  const fmiPath = req.form.get('fmi_path');
  if (fmiPath === '') throw AADSTS.invalidRequest('The fmi_path parameter must not be empty.');
  const requested = requestedAccessTokenClaims(req.form);
  const { token, expiresIn } = appAccessToken(ctx, client.app, tenant.tenant.id, resource, { acr: client.acr, fmiPath: fmiPath ?? undefined, requested });
  return { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, ...refreshInFor(ctx, expiresIn), access_token: token };
};
