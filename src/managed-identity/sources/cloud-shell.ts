/**
 * Azure Cloud Shell: POST `resource` as a form to `MSI_ENDPOINT` (default `http://localhost:50342/oauth2/token`) with
 * `Metadata: true`. The token is the signed-in user's, so only the system-assigned form makes sense.
 */
import { ManagedIdentityError } from '../../errors.js';
import { UserAssignedManagedIdentity } from '../managed-identity.js';
import { endpointUrl, send, type SourceRequest } from '../source-request.js';
import { parseManagedIdentityResponse, type ManagedIdentityToken } from '../token-response.js';

/** Cloud Shell's local token endpoint. */
export const CLOUD_SHELL_DEFAULT_ENDPOINT = 'http://localhost:50342/oauth2/token';

/** Requests a token from Cloud Shell's local endpoint. */
export async function cloudShellToken(req: SourceRequest, endpoint: string): Promise<ManagedIdentityToken> {
  if (req.identity instanceof UserAssignedManagedIdentity) {
    throw new ManagedIdentityError('user_assigned_not_supported', 'Cloud Shell serves only the signed-in user: use SystemAssignedManagedIdentity', {
      correlationId: req.correlationId,
    });
  }
  const url = endpointUrl(endpoint, 'MSI_ENDPOINT');
  const body = new URLSearchParams({ resource: req.resource }).toString();
  const response = await send(req, 'POST', url, { metadata: 'true', 'content-type': 'application/x-www-form-urlencoded' }, body);
  return parseManagedIdentityResponse(response, 'oauth2', req);
}
