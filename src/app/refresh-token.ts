/**
 * `acquireTokenByRefreshToken`: migrates a refresh token obtained elsewhere (ADAL, another library) into the cache,
 * as MSAL Python's `acquire_token_by_refresh_token` does: the new tokens, including the refresh token, are stored, so
 * `getAccounts` and `acquireTokenSilent` work from then on.
 */
import { buildRefreshTokenRequest } from '../protocol/token-request.js';
import { API_IDS } from './telemetry.js';
import type { AppCore } from './app-core.js';
import type { AuthenticationResult } from './authentication-result.js';
import { checkData, type TokenRequestData } from './extra-data.js';

/** Options of `acquireTokenByRefreshToken`. */
export interface AcquireTokenByRefreshTokenOptions {
  /** Extra token request fields (MSAL Python's `data`), e.g. `{ token_type: 'ssh-cert', req_cnf, key_id }`. */
  data?: TokenRequestData | undefined;
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Redeems a foreign refresh token and stores the result. */
export async function acquireTokenByRefreshToken(
  core: AppCore,
  refreshToken: string,
  scopes: readonly string[],
  options: AcquireTokenByRefreshTokenOptions = {},
): Promise<AuthenticationResult> {
  if (typeof refreshToken !== 'string' || refreshToken === '') throw new TypeError('refreshToken must be a non-empty string');
  const decorated = core.decorate(scopes);
  const extra = checkData(options.data);
  const ctx = core.context(options, { apiId: API_IDS.acquireTokenByRefreshToken, refreshReason: 0 });
  const target = core.targetFor({});
  const metadata = await core.metadataFor(target.authority, ctx);
  const body = buildRefreshTokenRequest({
    clientId: core.clientId,
    refreshToken,
    scopes: decorated,
    claims: core.claims(undefined),
    clientAuthentication: await core.clientAuthentication(metadata.token_endpoint),
    data: extra.fields,
  });
  return core.redeem(target, metadata, body, ctx, { grantType: 'refresh_token', scopes: decorated, keyId: extra.keyId });
}
