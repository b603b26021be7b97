/**
 * The Azure Instance Metadata Service (VMs, scale sets, AKS, Container Apps' sidecar): GET
 * `http://169.254.169.254/metadata/identity/oauth2/token` with `api-version=2018-02-01` and `Metadata: true`, retried
 * on its transient statuses. `MSAL_MANAGED_IDENTITY_ENDPOINT` (a full URL) or `AZURE_POD_IDENTITY_AUTHORITY_HOST` (a
 * base URL, as current MSAL Python and msal-node read it) point it elsewhere.
 */
import { RequestAbortedError } from '../../errors.js';
import { parseRetryAfter } from '../../http/retry-after.js';
import type { Sleep } from '../../util/sleep.js';
import { imdsRetryDelay } from '../imds-retry.js';
import { addIdParameter, IMDS_ID_PARAMETERS } from '../managed-identity.js';
import { endpointUrl, send, type SourceRequest } from '../source-request.js';
import { value, type ManagedIdentityEnvironment } from '../source-detection.js';
import { parseManagedIdentityResponse, type ManagedIdentityToken } from '../token-response.js';

/** The IMDS API version MSAL uses. */
export const IMDS_API_VERSION = '2018-02-01';
/** IMDS's token endpoint. */
export const IMDS_DEFAULT_ENDPOINT = 'http://169.254.169.254/metadata/identity/oauth2/token';
const IMDS_TOKEN_PATH = '/metadata/identity/oauth2/token';

/** The IMDS endpoint URL, honouring the overrides. */
export function imdsEndpoint(environment: ManagedIdentityEnvironment): URL {
  const explicit = value(environment, 'MSAL_MANAGED_IDENTITY_ENDPOINT');
  if (explicit !== undefined) return endpointUrl(explicit, 'MSAL_MANAGED_IDENTITY_ENDPOINT');
  const host = value(environment, 'AZURE_POD_IDENTITY_AUTHORITY_HOST');
  if (host !== undefined) return endpointUrl(`${host.replace(/\/+$/, '')}${IMDS_TOKEN_PATH}`, 'AZURE_POD_IDENTITY_AUTHORITY_HOST');
  return new URL(IMDS_DEFAULT_ENDPOINT);
}

/** Requests a token from IMDS, with IMDS's retry policy. */
export async function imdsToken(req: SourceRequest, endpoint: URL, sleep: Sleep): Promise<ManagedIdentityToken> {
  const url = new URL(endpoint);
  url.searchParams.set('api-version', IMDS_API_VERSION);
  url.searchParams.set('resource', req.resource);
  addIdParameter(url.searchParams, req.identity, IMDS_ID_PARAMETERS);
  let firstStatus: number | undefined;
  for (let retry = 0; ; retry++) {
    const response = await send(req, 'GET', url, { metadata: 'true' });
    firstStatus ??= response.status;
    const delay = imdsRetryDelay(firstStatus, response.status, retry, parseRetryAfter(response.headers['retry-after'], req.now()));
    if (delay === undefined) return parseManagedIdentityResponse(response, 'oauth2', req);
    try {
      await sleep(delay, req.signal);
    } catch (cause) {
      throw new RequestAbortedError('managed identity request aborted while waiting to retry IMDS', { cause, correlationId: req.correlationId });
    }
  }
}
