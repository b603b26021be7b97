/**
 * Service Fabric (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER` + `IDENTITY_SERVER_THUMBPRINT`): GET over HTTPS with
 * `api-version=2019-07-01-preview` and a `Secret` header. The identity is configured per application in the cluster,
 * so no identity parameter is sent (as MSAL Python). The endpoint's certificate is pinned by the caller's HTTP client.
 */
import { ManagedIdentityError } from '../../errors.js';
import { endpointUrl, send, type SourceRequest } from '../source-request.js';
import { parseManagedIdentityResponse, type ManagedIdentityToken } from '../token-response.js';

/** The Service Fabric API version. */
export const SERVICE_FABRIC_API_VERSION = '2019-07-01-preview';

/**
 * Requests a token from the Service Fabric managed identity token service.
 *
 * @throws ManagedIdentityError `invalid_environment` when `IDENTITY_ENDPOINT` is not an https:// URL (nothing is sent).
 */
export async function serviceFabricToken(req: SourceRequest, endpoint: string, identityHeader: string): Promise<ManagedIdentityToken> {
  const url = endpointUrl(endpoint, 'IDENTITY_ENDPOINT');
  if (url.protocol !== 'https:') {
    // MSAL Python sends it anyway; over http:// there is no certificate to pin and the secret travels in clear.
    throw new ManagedIdentityError(
      'invalid_environment',
      'IDENTITY_ENDPOINT must be an https:// URL for Service Fabric: over http:// the server cannot be checked against ' +
        'IDENTITY_SERVER_THUMBPRINT and the IDENTITY_HEADER secret would be sent in clear',
    );
  }
  url.searchParams.set('api-version', SERVICE_FABRIC_API_VERSION);
  url.searchParams.set('resource', req.resource);
  if (req.tokenSha256ToRefresh !== undefined) url.searchParams.set('token_sha256_to_refresh', req.tokenSha256ToRefresh);
  if (req.clientCapabilities !== undefined && req.clientCapabilities.length > 0) {
    url.searchParams.set('xms_cc', req.clientCapabilities.join(','));
  }
  const response = await send(req, 'GET', url, { secret: identityHeader });
  return parseManagedIdentityResponse(response, 'service_fabric', req);
}
