/**
 * The resource owner password credentials grant (MSAL Python's `acquire_token_by_username_password`), for managed
 * (cloud) accounts. Like MSAL Python, msal-ts first asks Entra's user realm discovery whether the account is
 * federated; unlike it, it asks the authority's own host and port, and a federated account (which would need WS-Trust
 * with the federation server) fails with FederatedAccountNotSupportedError.
 */
import { FederatedAccountNotSupportedError, InvalidResponseError } from '../errors.js';
import { buildPasswordRequest } from '../protocol/token-request.js';
import type { AppCore, RequestContext } from './app-core.js';
import type { AuthenticationResult } from './authentication-result.js';
import { checkData, type TokenRequestData } from './extra-data.js';

/** Options of `acquireTokenByUsernamePassword`. */
export interface AcquireTokenByUsernamePasswordOptions {
  /** A claims challenge (JSON) from a resource. */
  claimsChallenge?: string | undefined;
  /** Extra token request fields (MSAL Python's `data`), e.g. `{ token_type: 'ssh-cert', req_cnf, key_id }`. */
  data?: TokenRequestData | undefined;
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Hosts that answered 404 to user realm discovery: they have none, so it is not asked again (as MSAL Python). */
const hostsWithoutUserRealm = new Set<string>();

/** Signs a user in with their username and password. */
export async function acquireTokenByUsernamePassword(
  core: AppCore,
  username: string,
  password: string,
  scopes: readonly string[],
  options: AcquireTokenByUsernamePasswordOptions = {},
): Promise<AuthenticationResult> {
  if (typeof username !== 'string' || username === '') throw new TypeError('username must be a non-empty string');
  if (typeof password !== 'string' || password === '') throw new TypeError('password must be a non-empty string');
  const decorated = core.decorate(scopes);
  const claims = core.claims(options.claimsChallenge);
  const extra = checkData(options.data);
  const ctx = core.context(options);
  const target = core.targetFor({});
  // Only Entra work and school authorities have user realm discovery; ADFS, B2C, CIAM and generic OIDC do not.
  if (target.authority.kind === 'aad') await checkNotFederated(core, target.authority.hostWithPort, username, ctx);
  const metadata = await core.metadataFor(target.authority, ctx);
  const body = buildPasswordRequest({
    clientId: core.clientId,
    username,
    password,
    scopes: decorated,
    claims,
    clientAuthentication: await core.clientAuthentication(metadata.token_endpoint),
    data: extra.fields,
  });
  return core.redeem(target, metadata, body, ctx, {
    grantType: 'password',
    scopes: decorated,
    username,
    keyId: extra.keyId,
    headers: { 'X-AnchorMailbox': `upn:${username}` },
  });
}

async function checkNotFederated(core: AppCore, hostWithPort: string, username: string, ctx: RequestContext): Promise<void> {
  if (hostsWithoutUserRealm.has(hostWithPort)) return;
  const url = `https://${hostWithPort}/common/userrealm/${encodeURIComponent(username)}?api-version=1.0`;
  const response = await core.http.send({
    method: 'GET',
    url,
    headers: { ...core.headers, accept: 'application/json', 'client-request-id': ctx.correlationId },
    signal: ctx.signal,
  });
  if (response.status === 404) {
    hostsWithoutUserRealm.add(hostWithPort);
    return;
  }
  const source = 'user realm discovery response';
  if (response.status < 200 || response.status > 299) {
    throw new InvalidResponseError(source, `HTTP ${response.status}`, { status: response.status, correlationId: ctx.correlationId });
  }
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    throw new InvalidResponseError(source, `HTTP ${response.status}: the body is not JSON`, { status: response.status, correlationId: ctx.correlationId });
  }
  if (typeof json === 'object' && json !== null && (json as Record<string, unknown>)['account_type'] === 'Federated') {
    throw new FederatedAccountNotSupportedError(
      'this account is federated (its password is checked by its own identity provider through WS-Trust, which msal-ts does ' +
        'not implement); sign it in with acquireTokenInteractive or the device code flow instead',
      { correlationId: ctx.correlationId },
    );
  }
}
