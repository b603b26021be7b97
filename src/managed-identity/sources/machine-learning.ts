/**
 * Azure Machine Learning (`MSI_ENDPOINT` + `MSI_SECRET`): the 2017-09-01 API, with its quirks: the secret goes in a
 * `secret` header, and the client id parameter is `clientid` (no underscore), as Azure Identity and MSAL Python send.
 */
import { addIdParameter, type IdParameterNames } from '../managed-identity.js';
import { endpointUrl, send, type SourceRequest } from '../source-request.js';
import { parseManagedIdentityResponse, type ManagedIdentityToken } from '../token-response.js';

/** The Azure ML API version. */
export const MACHINE_LEARNING_API_VERSION = '2017-09-01';

const ID_PARAMETERS: IdParameterNames = { ClientId: 'clientid', ObjectId: 'object_id', ResourceId: 'msi_res_id' };

/** Requests a token from Azure ML's identity endpoint. */
export async function machineLearningToken(req: SourceRequest, endpoint: string, secret: string): Promise<ManagedIdentityToken> {
  const url = endpointUrl(endpoint, 'MSI_ENDPOINT');
  url.searchParams.set('api-version', MACHINE_LEARNING_API_VERSION);
  url.searchParams.set('resource', req.resource);
  addIdParameter(url.searchParams, req.identity, ID_PARAMETERS);
  const response = await send(req, 'GET', url, { secret });
  return parseManagedIdentityResponse(response, 'machine_learning', req);
}
