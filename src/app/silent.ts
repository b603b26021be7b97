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
import { shareInFlight } from '../util/in-flight.js';
import type { AuthorityMetadata } from '../authority/discovery.js';
import type { AppCore, CacheLocation, RequestContext, Target } from './app-core.js';
import { API_IDS } from './telemetry.js';
import type { AuthenticationResult } from './authentication-result.js';
import { checkData, type ExtraData, type TokenRequestData } from './extra-data.js';

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

/**
 * `acquireTokenSilentWithError`: a result, `undefined` when the cache holds nothing usable for the account, or throws
 * the refresh error (a ServerError with `classification`).
 */
export async function acquireTokenSilentWithError(
  core: AppCore,
  scopes: readonly string[],
  options: AcquireTokenSilentOptions,
): Promise<AuthenticationResult | undefined> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object with an account');
  // Checked as decorate() would, but the decorated list is built only when a refresh is sent: not on a cache hit.
  const wanted = validateScopes(scopes);
  rejectReservedScopes(wanted);
  const account = checkAccount(options.account);
  const extra = checkData(options.data);
  if (options.claimsChallenge !== undefined && typeof options.claimsChallenge !== 'string') {
    throw new TypeError('options.claimsChallenge must be a JSON string');
  }
  const target = core.targetFor({ authority: options.authority });
  const bypass = options.forceRefresh === true || (options.claimsChallenge !== undefined && options.claimsChallenge !== '');
  const access = userAccess(core, target, account, options.correlationId);
  let fallback: AuthenticationResult | undefined;
  let looked = false;
  if (!bypass) {
    const location = core.knownCacheLocation(target);
    if (location !== undefined) {
      const loading = core.tokenCache.beforeRead(access);
      if (loading !== undefined) await loading;
      const hit = core.lookupAccessToken(location, account.home_account_id, wanted, extra);
      if (hit !== undefined && !hit.aging) return hit.result;
      fallback = hit?.result;
      looked = true;
    }
  }
  const key = [target.authority.url, account.home_account_id, [...wanted].sort().join(' '), options.claimsChallenge ?? '', String(bypass), extra.identity].join('\n');
  return shareRefresh(key, core, scopes, options, target, account, wanted, extra, bypass || looked, fallback);
}

// Apart from acquireTokenSilentWithError so that its closures do not make every cache hit allocate a context.
function shareRefresh(
  key: string,
  core: AppCore,
  scopes: readonly string[],
  options: AcquireTokenSilentOptions,
  target: Target,
  account: Account,
  wanted: readonly string[],
  extra: ExtraData,
  skipLookup: boolean,
  fallback: AuthenticationResult | undefined,
): Promise<AuthenticationResult | undefined> {
  return shareInFlight(
    core.inFlight,
    key,
    options.signal,
    () => refresh(core, target, account, wanted, options, extra, skipLookup, fallback),
    () => acquireTokenSilentWithError(core, scopes, options),
  );
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

async function refresh(
  core: AppCore,
  target: Target,
  account: Account,
  wanted: readonly string[],
  options: AcquireTokenSilentOptions,
  extra: ExtraData,
  skipLookup: boolean,
  knownFallback: AuthenticationResult | undefined,
): Promise<AuthenticationResult | undefined> {
  const decorated = core.decorate(wanted);
  const ctx = core.context(options, {
    apiId: API_IDS.acquireTokenSilent,
    refreshReason: skipLookup ? 1 : knownFallback !== undefined ? 4 : 2,
  });
  let fallback = knownFallback;
  try {
    const metadata = await core.metadataFor(target.authority, ctx);
    const location = core.cacheLocation(target, metadata);
    await core.tokenCache.beforeRead(userAccess(core, target, account, ctx.correlationId));
    if (!skipLookup) {
      const hit = core.lookupAccessToken(location, account.home_account_id, wanted, extra);
      if (hit !== undefined && !hit.aging) return hit.result;
      fallback = hit?.result;
    }
    const attempt = await refreshFromCache(core, target, metadata, location, account, decorated, options.claimsChallenge, extra, ctx);
    if (attempt === undefined) return fallback;
    if ('ok' in attempt) return attempt.ok;
    if (fallback !== undefined) return fallback;
    throw classify(attempt.error);
  } catch (err) {
    // An aging token is still valid: serve it when the proactive refresh fails, whatever the failure (MSAL Python).
    if (fallback !== undefined) return fallback;
    throw err;
  }
}

/** The refresh tokens of the account, in the primary environment and then in aliases that hold any. */
async function refreshFromCache(
  core: AppCore,
  target: Target,
  metadata: AuthorityMetadata,
  location: CacheLocation,
  account: Account,
  scopes: readonly string[],
  claimsChallenge: string | undefined,
  extra: ExtraData,
  ctx: RequestContext,
): Promise<Attempt | undefined> {
  let last: Attempt | undefined;
  const [primary, ...aliases] = location.environments;
  for (const env of [primary ?? target.authority.host, ...aliases]) {
    if (env !== primary && !core.tokenCache.hasRefreshTokens(env)) continue;
    const attempt = await refreshInEnvironment(core, target, metadata, env, account, scopes, claimsChallenge, extra, ctx);
    if (attempt !== undefined && 'ok' in attempt) return attempt;
    last = attempt ?? last;
  }
  return last;
}

async function refreshInEnvironment(
  core: AppCore,
  target: Target,
  metadata: AuthorityMetadata,
  env: string,
  account: Account,
  scopes: readonly string[],
  claimsChallenge: string | undefined,
  extra: ExtraData,
  ctx: RequestContext,
): Promise<Attempt | undefined> {
  const cache = core.tokenCache;
  const hid = account.home_account_id;
  const tryAll = (rts: RefreshTokenEntry[], stopOnClientMismatch: boolean): Promise<Attempt | undefined> =>
    tryRefreshTokens(core, target, metadata, rts, hid, scopes, claimsChallenge, extra, ctx, stopOnClientMismatch);
  const appMetadata = cache.getAppMetadata(env, core.clientId);
  if (appMetadata === undefined) {
    // Family membership unknown (first use of this app): a family token that works proves membership.
    const family = await tryAll(cache.findRefreshTokens({ homeAccountId: hid, environment: env, familyId: '1' }), true);
    if (family !== undefined && 'ok' in family) return family;
  }
  let last: Attempt | undefined;
  if (appMetadata?.family_id !== undefined) {
    last = await tryAll(cache.findRefreshTokens({ homeAccountId: hid, environment: env, familyId: appMetadata.family_id }), false);
    if (last !== undefined && 'ok' in last) return last;
  }
  const own = await tryAll(cache.findRefreshTokens({ homeAccountId: hid, environment: env, clientId: core.clientId }), false);
  return own ?? last;
}

async function tryRefreshTokens(
  core: AppCore,
  target: Target,
  metadata: AuthorityMetadata,
  rts: RefreshTokenEntry[],
  homeAccountId: string,
  scopes: readonly string[],
  claimsChallenge: string | undefined,
  extra: ExtraData,
  ctx: RequestContext,
  stopOnClientMismatch: boolean,
): Promise<Attempt | undefined> {
  let last: Attempt | undefined;
  for (const rt of rts) {
    const body = buildRefreshTokenRequest({
      clientId: core.clientId,
      refreshToken: rt.secret,
      scopes,
      claims: core.claims(claimsChallenge),
      clientAuthentication: await core.clientAuthentication(metadata.token_endpoint),
      data: extra.fields,
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
    const claims = await core.idTokenClaims(response, metadata, ctx);
    await core.store(target, metadata, response, claims, ctx, {
      grantType: 'refresh_token',
      scopes,
      keyId: extra.keyId,
      // A concurrent removeAccount must not be undone by a refresh.
      skipAccountCreation: true,
      keepRefreshTokenOutOfAdd: true,
      afterAdd: (res, now) => {
        if (typeof res.refresh_token === 'string') core.tokenCache.updateRt(rt, res.refresh_token, now);
      },
      partition: { kind: 'user', homeAccountId, environment: target.authority.host },
    });
    return { ok: core.resultFromResponse(response, claims) };
  }
  return last;
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
