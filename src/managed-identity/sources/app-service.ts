/**
 * App Service, Azure Functions and Azure Automation (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`): GET with
 * `api-version=2019-08-01`, the `X-IDENTITY-HEADER` secret, and `client_id` / `mi_res_id` / `object_id`.
 * The answer carries `expires_on` (epoch seconds as a string; a date string on older hosts).
 */
import { addIdParameter, type IdParameterNames } from '../managed-identity.js';
import { endpointUrl, send, type SourceRequest } from '../source-request.js';
import { parseManagedIdentityResponse, type ManagedIdentityToken } from '../token-response.js';

/** The App Service API version MSAL Python and msal-node use. */
export const APP_SERVICE_API_VERSION = '2019-08-01';

/** App Service spells the resource id `mi_res_id`. */
const ID_PARAMETERS: IdParameterNames = { ClientId: 'client_id', ObjectId: 'object_id', ResourceId: 'mi_res_id' };

/** Requests a token from App Service. */
export async function appServiceToken(req: SourceRequest, endpoint: string, identityHeader: string): Promise<ManagedIdentityToken> {
  const url = endpointUrl(endpoint, 'IDENTITY_ENDPOINT');
  url.searchParams.set('api-version', APP_SERVICE_API_VERSION);
  url.searchParams.set('resource', req.resource);
  addIdParameter(url.searchParams, req.identity, ID_PARAMETERS);
  if (req.tokenSha256ToRefresh !== undefined) url.searchParams.set('token_sha256_to_refresh', req.tokenSha256ToRefresh);
  if (req.clientCapabilities !== undefined && req.clientCapabilities.length > 0) {
    url.searchParams.set('xms_cc', req.clientCapabilities.join(','));
  }
  // Metadata is not needed by App Service, but Azure Automation's endpoint requires it.
  const response = await send(req, 'GET', url, { 'x-identity-header': identityHeader, metadata: 'true' });
  return parseManagedIdentityResponse(response, 'app_service', req);
}
