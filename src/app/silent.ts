/**
 * Silent token acquisition, MSAL Python's algorithm: a cached access token with 5 minutes left is served (an "aging"
 * one past its `refresh_on` is refreshed, and kept as the fallback when the refresh fails); otherwise the account's
 * refresh tokens are tried newest first: the FOCI family's (also when the app's family membership is not known yet,
 * stopping at `client_mismatch`), then the app's own, in the authority's environment and then in each alias that holds
 * refresh tokens. `invalid_grant` keeps the refresh token, as MSAL Python does. Concurrent identical calls share one
 * refresh.
 */
import type { CacheAccessContext } from '../cache/cache-access.js';
import type { Account, RefreshTokenEntry } from '../cache/cache-types.js';
import { ServerError } from '../errors.js';
import { rejectReservedScopes, validateScopes } from '../protocol/scopes.js';
import { buildRefreshTokenRequest } from '../protocol/token-request.js';
import type { TokenResponse } from '../protocol/token-response.js';
import type { AuthorityMetadata } from '../authority/discovery.js';
import type { AppCore, CacheLocation, RequestContext, Target } from './app-core.js';
import { API_IDS } from './telemetry.js';
import { cacheFirst, lookAfterDiscovery, rejection, type CacheFirstCall, type CacheFirstFlow } from './cache-first.js';
import type { AuthenticationResult } from './authentication-result.js';
import { checkData, type ExtraData, type TokenRequestData } from './extra-data.js';
import { withForwardedClientClaims } from './forwarded-client-claims.js';

/** Options of `acquireTokenSilent` / `acquireTokenSilentWithError`. */
export interface AcquireTokenSilentOptions {
  /** The account, from `getAccounts()`. */
  account: Account;
  /** Another authority than the configured one (e.g. the tenant of a guest account). */
  authority?: string | undefined;
  /** Skip the access token cache and refresh. */
  forceRefresh?: boolean | undefined;
  /** A claims challenge (JSON) from a resource: skips the access token cache and is sent with the refresh. */
  claimsChallenge?: string | undefined;
  /**
   * Extra token request fields (MSAL Python's `data`), sent with a refresh. A `key_id` makes the cache lookup find only
   * tokens bound to that key, e.g. an SSH certificate: `{ token_type: 'ssh-cert', req_cnf, key_id }`.
   */
  data?: TokenRequestData | undefined;
  /**
   * Client-originated claims to forward (MSAL Python's `forwarded_client_claims`; confidential clients only), a JSON
   * object string: merged into the `claims` sent, and cached under a key of this exact string, so pass the same string
   * on every call that should share the token.
   */
  forwardedClientClaims?: string | undefined;
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Suberrors a user cannot act on; MSAL Python classifies them as `""`. */
const SUPPRESSED_SUBERRORS: ReadonlySet<string> = new Set([
  'bad_token',
  'token_expired',
  'protection_policy_required',
  'client_mismatch',
  'device_authentication_failed',
]);

type Attempt = { readonly ok: AuthenticationResult } | { readonly error: ServerError };

function checkAccount(account: unknown): Account {
  if (typeof account !== 'object' || account === null) {
    throw new TypeError('options.account must be an account from getAccounts() (use acquireTokenForClient for app tokens)');
  }
  const a = account as Record<string, unknown>;
  if (typeof a['home_account_id'] !== 'string' || a['home_account_id'] === '') {
    throw new TypeError('options.account.home_account_id must be a non-empty string: pass an account from getAccounts()');
  }
  return account as Account;
}

/** One silent call, down the cache-first path. */
interface SilentCall extends CacheFirstCall<AuthenticationResult | undefined> {
  readonly core: AppCore;
  /** The caller's scopes and options, to start over with. */
  readonly scopes: readonly string[];
  readonly options: AcquireTokenSilentOptions;
  readonly target: Target;
  readonly account: Account;
  readonly wanted: readonly string[];
  readonly extra: ExtraData;
  /** Where the tokens are, when known (before discovery for a tenant id; after it otherwise). */
  location: CacheLocation | undefined;
}

const SILENT: CacheFirstFlow<AuthenticationResult | undefined, SilentCall> = {
  lookup: (call) =>
    call.location === undefined ? undefined : call.core.lookupAccessToken(call.location, call.account.home_account_id, call.wanted, call.extra),
  key: (call) =>
    [
      call.target.authority.url,
      call.account.home_account_id,
      [...call.wanted].sort().join(' '),
      call.options.claimsChallenge ?? '',
      String(call.bypass),
      call.extra.dedupKey,
    ].join('\n'),
  fetch: refresh,
  retry: (call) => acquireTokenSilentWithError(call.core, call.scopes, call.options),
};

/**
 * `acquireTokenSilentWithError`: a result, `undefined` when the cache holds nothing usable for the account, or throws
 * the refresh error (a ServerError with `classification`).
 */
export function acquireTokenSilentWithError(
  core: AppCore,
  scopes: readonly string[],
  options: AcquireTokenSilentOptions,
): Promise<AuthenticationResult | undefined> {
  try {
    return cacheFirst(SILENT, checkedCall(core, scopes, options));
  } catch (err) {
    return rejection(err);
  }
}

function checkedCall(core: AppCore, scopes: readonly string[], options: AcquireTokenSilentOptions): SilentCall {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object with an account');
  // Checked as decorate() would, but the decorated list is built only when a refresh is sent: not on a cache hit.
  const wanted = validateScopes(scopes);
  rejectReservedScopes(wanted);
  const account = checkAccount(options.account);
  const extra = withForwardedClientClaims(checkData(options.data), options.forwardedClientClaims, options.claimsChallenge);
  if (options.claimsChallenge !== undefined && typeof options.claimsChallenge !== 'string') {
    throw new TypeError('options.claimsChallenge must be a JSON string');
  }
  const target = core.targetFor({ authority: options.authority });
  const bypass = options.forceRefresh === true || (options.claimsChallenge !== undefined && options.claimsChallenge !== '');
  const location = bypass ? undefined : core.knownCacheLocation(target);
  return {
    tokenCache: core.tokenCache,
    access: location === undefined ? undefined : userAccess(core, target, account, options.correlationId),
    inFlight: core.inFlight,
    signal: options.signal,
    bypass,
    looked: false,
    fallback: undefined,
    core,
    scopes,
    options,
    target,
    account,
    wanted,
    extra,
    location,
  };
}

/** `acquireTokenSilent`: as {@link acquireTokenSilentWithError}, but a refresh refused by the server resolves `undefined`. */
export async function acquireTokenSilent(
  core: AppCore,
  scopes: readonly string[],
  options: AcquireTokenSilentOptions,
): Promise<AuthenticationResult | undefined> {
  try {
    return await acquireTokenSilentWithError(core, scopes, options);
  } catch (err) {
    if (err instanceof ServerError) return undefined;
    throw err;
  }
}

function userAccess(core: AppCore, target: Target, account: Account, correlationId: string | undefined): CacheAccessContext {
  return {
    clientId: core.clientId,
    partition: { kind: 'user', homeAccountId: account.home_account_id, environment: target.authority.host },
    correlationId,
  };
}

/** Where a refresh goes and what it asks for, known once the authority is discovered. */
interface RefreshRequest {
  readonly core: AppCore;
  readonly target: Target;
  readonly metadata: AuthorityMetadata;
  readonly homeAccountId: string;
  /** The decorated scopes. */
  readonly scopes: readonly string[];
  readonly claimsChallenge: string | undefined;
  readonly extra: ExtraData;
  readonly ctx: RequestContext;
}

async function refresh(call: SilentCall): Promise<AuthenticationResult | undefined> {
  const { core, target, account } = call;
  const decorated = core.decorate(call.wanted);
  const ctx = core.context(call.options, {
    apiId: API_IDS.acquireTokenSilent,
    refreshReason: call.bypass || call.looked ? 1 : call.fallback !== undefined ? 4 : 2,
  });
  const metadata = await core.metadataFor(target.authority, ctx);
  const location = core.cacheLocation(target, metadata);
  call.location = location;
  const fresh = await lookAfterDiscovery(SILENT, call, userAccess(core, target, account, ctx.correlationId), true);
  if (fresh !== undefined) return fresh;
  const request: RefreshRequest = {
    core,
    target,
    metadata,
    homeAccountId: account.home_account_id,
    scopes: decorated,
    claimsChallenge: call.options.claimsChallenge,
    extra: call.extra,
    ctx,
  };
  const attempt = await refreshFromCache(request, location);
  if (attempt === undefined) return call.fallback;
  if ('ok' in attempt) return attempt.ok;
  // The path serves the fallback, when there is one, for this as for any failure.
  throw classify(attempt.error);
}

/** The refresh tokens of the account, in the primary environment and then in aliases that hold any. */
async function refreshFromCache(request: RefreshRequest, location: CacheLocation): Promise<Attempt | undefined> {
  let last: Attempt | undefined;
  const [primary, ...aliases] = location.environments;
  for (const env of [primary ?? request.target.authority.host, ...aliases]) {
    if (env !== primary && !request.core.tokenCache.hasRefreshTokens(env)) continue;
    const attempt = await refreshInEnvironment(request, env);
    if (attempt !== undefined && 'ok' in attempt) return attempt;
    last = attempt ?? last;
  }
  return last;
}

async function refreshInEnvironment(request: RefreshRequest, env: string): Promise<Attempt | undefined> {
  const { core, homeAccountId: hid } = request;
  const cache = core.tokenCache;
  const appMetadata = cache.getAppMetadata(env, core.clientId);
  if (appMetadata === undefined) {
    // Family membership unknown (first use of this app): a family token that works proves membership.
    const familyTokens = cache.findRefreshTokens({ homeAccountId: hid, environment: env, familyId: '1' });
    const family = await tryRefreshTokens(request, familyTokens, true);
    if (family !== undefined && 'ok' in family) return family;
  }
  let last: Attempt | undefined;
  if (appMetadata?.family_id !== undefined) {
    const familyTokens = cache.findRefreshTokens({ homeAccountId: hid, environment: env, familyId: appMetadata.family_id });
    last = await tryRefreshTokens(request, familyTokens, false);
    if (last !== undefined && 'ok' in last) return last;
  }
  const own = await tryRefreshTokens(request, cache.findRefreshTokens({ homeAccountId: hid, environment: env, clientId: core.clientId }), false);
  return own ?? last;
}

async function tryRefreshTokens(request: RefreshRequest, rts: RefreshTokenEntry[], stopOnClientMismatch: boolean): Promise<Attempt | undefined> {
  const { core, metadata, homeAccountId, ctx } = request;
  let last: Attempt | undefined;
  for (const rt of rts) {
    const body = buildRefreshTokenRequest({
      clientId: core.clientId,
      refreshToken: rt.secret,
      scopes: request.scopes,
      claims: core.claims(request.claimsChallenge, request.extra),
      clientAuthentication: await core.clientAuthentication(metadata.token_endpoint),
      data: request.extra.fields,
    });
    let response;
    try {
      response = await core.requestToken(metadata, body, ctx, { 'X-AnchorMailbox': `Oid:${homeAccountId.replaceAll('.', '@')}` });
    } catch (err) {
      if (!(err instanceof ServerError)) throw err;
      // invalid_grant does not remove the refresh token: a new MFA policy for one resource does not void it for others.
      last = { error: err };
      if (stopOnClientMismatch && err.suberror === 'client_mismatch') break;
      continue;
    }
    return { ok: await storeRefreshed(request, rt, response) };
  }
  return last;
}

/** Stores a refresh's tokens: the access token and id token added, the refresh token it used updated in place. */
async function storeRefreshed(request: RefreshRequest, rt: RefreshTokenEntry, response: TokenResponse): Promise<AuthenticationResult> {
  const { core, target, metadata, homeAccountId, ctx } = request;
  const claims = await core.idTokenClaims(response, metadata, ctx);
  await core.store(target, metadata, { response, claims }, ctx, {
    grantType: 'refresh_token',
    scopes: request.scopes,
    keyId: request.extra.keyId,
    extCacheKey: request.extra.extCacheKeys?.[0],
    // A concurrent removeAccount must not be undone by a refresh.
    skipAccountCreation: true,
    withoutRefreshToken: true,
    afterAdd: (res, now) => {
      if (typeof res.refresh_token === 'string') core.tokenCache.updateRt(rt, res.refresh_token, now);
    },
    partition: { kind: 'user', homeAccountId, environment: target.authority.host },
  });
  return core.resultFromResponse(response, claims);
}

/** The refresh error with MSAL Python's `classification` of its suberror. */
function classify(err: ServerError): ServerError {
  if (err.suberror === undefined) return err;
  const classification = SUPPRESSED_SUBERRORS.has(err.suberror) ? '' : err.suberror;
  return new ServerError(
    err.status,
    {
      error: err.error,
      error_description: err.error_description,
      error_codes: err.error_codes,
      suberror: err.suberror,
      claims: err.claims,
      timestamp: err.timestamp,
      trace_id: err.trace_id,
      correlation_id: err.correlation_id,
      error_uri: err.error_uri,
    },
    { correlationId: err.correlationId, retryAfter: err.retryAfter, classification, cause: err },
  );
}
