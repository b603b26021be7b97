/**
 * On-behalf-of (a web API trading the user's incoming access token for a token to a downstream API), cache-first and
 * partitioned by the incoming assertion as MSAL Node does (MSAL Python neither reads the cache nor partitions): tokens
 * are stored with `userAssertionHash` = base64url(SHA-256(assertion)), so a token obtained for one incoming assertion is
 * never served for another.
 *
 * The cache is keyed by home account too, which is known only from the response's `client_info`. The lookup uses the
 * account this application last saw for the same assertion, else the incoming token's `oid.tid` (right for members of
 * their home tenant; a guest's first call in a fresh process misses the cache once).
 */
import { decodeJwt } from '../protocol/jwt.js';
import { rejectReservedScopes, validateScopes } from '../protocol/scopes.js';
import { buildOnBehalfOfRequest, GRANT_TYPE_JWT_BEARER } from '../protocol/token-request.js';
import { assertionHash, homeAccountIdOf, type AppCore, type CacheLocation, type RequestContext, type Target } from './app-core.js';
import type { AuthenticationResult } from './authentication-result.js';
import { cacheFirst, type CacheFirstCall, type CacheFirstFlow } from './cache-first.js';
import { checkData, type ExtraData, type TokenRequestData } from './extra-data.js';
import { withForwardedClientClaims } from './forwarded-client-claims.js';

/** Options of `acquireTokenOnBehalfOf`. */
export interface AcquireTokenOnBehalfOfOptions {
  /** A claims challenge (JSON) from the downstream API: skips the cache and is sent. */
  claimsChallenge?: string | undefined;
  /** Skip the cache lookup. */
  forceRefresh?: boolean | undefined;
  /** Extra token request fields (MSAL Python's `data`), e.g. `{ token_type: 'ssh-cert', req_cnf, key_id }`. */
  data?: TokenRequestData | undefined;
  /**
   * Client-originated claims to forward (MSAL Python's `forwarded_client_claims`), a JSON
   * object string: merged into the `claims` sent, and cached under a key of this exact string, so pass the same string
   * on every call that should share the token.
   */
  forwardedClientClaims?: string | undefined;
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

const MAX_REMEMBERED = 10_000;

/** Per application: the home account each recent assertion hash resolved to. */
export type OboAccountMemo = Map<string, string>;

function accountFromAssertion(assertion: string): string | undefined {
  try {
    const { payload } = decodeJwt(assertion);
    const oid = payload['oid'];
    const tid = payload['tid'];
    return typeof oid === 'string' && typeof tid === 'string' ? `${oid}.${tid}` : undefined;
  } catch {
    // An opaque or encrypted assertion: no hint, so the lookup relies on the memo.
    return undefined;
  }
}

/** One on-behalf-of call, down the cache-first path. */
interface OboCall extends CacheFirstCall<AuthenticationResult> {
  readonly core: AppCore;
  readonly memo: OboAccountMemo;
  readonly userAssertion: string;
  /** The partition: base64url(SHA-256(userAssertion)). */
  readonly hash: string;
  /** The home accounts the lookup tries: the one last seen for this assertion, then the assertion's own `oid.tid`. */
  readonly candidates: readonly string[];
  readonly wanted: readonly string[];
  readonly options: AcquireTokenOnBehalfOfOptions;
  readonly extra: ExtraData;
  readonly target: Target;
  readonly location: CacheLocation | undefined;
  readonly ctx: RequestContext;
}

const ON_BEHALF_OF: CacheFirstFlow<AuthenticationResult, OboCall> = {
  lookup(call) {
    if (call.location === undefined) return undefined;
    for (const homeAccountId of call.candidates) {
      const hit = call.core.lookupAccessToken(call.location, homeAccountId, call.wanted, call.extra, call.hash);
      if (hit !== undefined) return hit;
    }
    return undefined;
  },
  // Each call makes its own request (no in-flight sharing), as before the path was shared.
  key: () => '',
  fetch: requestOnBehalfOf,
  retry: (call) => acquireTokenOnBehalfOf(call.core, call.memo, call.userAssertion, call.wanted, call.options),
};

/** `acquireTokenOnBehalfOf`; see the module notes. */
export async function acquireTokenOnBehalfOf(
  core: AppCore,
  memo: OboAccountMemo,
  userAssertion: string,
  scopes: readonly string[],
  options: AcquireTokenOnBehalfOfOptions = {},
): Promise<AuthenticationResult> {
  if (typeof userAssertion !== 'string' || userAssertion === '') throw new TypeError('userAssertion must be the incoming access token (a non-empty string)');
  // Checked as decorate() would, but the decorated list is built only when a request is sent: not on a cache hit.
  const wanted = validateScopes(scopes);
  rejectReservedScopes(wanted);
  if (options.claimsChallenge !== undefined && typeof options.claimsChallenge !== 'string')
    throw new TypeError('options.claimsChallenge must be a JSON string');
  const extra = withForwardedClientClaims(checkData(options.data), options.forwardedClientClaims, options.claimsChallenge);
  const hash = assertionHash(userAssertion);
  const bypass = options.forceRefresh === true || (options.claimsChallenge !== undefined && options.claimsChallenge !== '');
  const target = core.targetFor({});
  const ctx = core.context(options);
  // The partition is the assertion's, whatever the authority: discover first when the location is not known yet.
  const location = bypass ? undefined : (core.knownCacheLocation(target) ?? core.cacheLocation(target, await core.metadataFor(target.authority, ctx)));
  return cacheFirst(ON_BEHALF_OF, {
    tokenCache: core.tokenCache,
    access: bypass ? undefined : { clientId: core.clientId, partition: { kind: 'obo', userAssertionHash: hash }, correlationId: options.correlationId },
    inFlight: undefined,
    signal: options.signal,
    bypass,
    looked: false,
    fallback: undefined,
    core,
    memo,
    userAssertion,
    hash,
    candidates: [...new Set([memo.get(hash), accountFromAssertion(userAssertion)].filter((c): c is string => c !== undefined))],
    wanted,
    options,
    extra,
    target,
    location,
    ctx,
  });
}

async function requestOnBehalfOf(call: OboCall): Promise<AuthenticationResult> {
  const { core, target, ctx, extra, hash, memo } = call;
  const decorated = core.decorate(call.wanted);
  const metadata = await core.metadataFor(target.authority, ctx);
  const body = buildOnBehalfOfRequest({
    clientId: core.clientId,
    assertion: call.userAssertion,
    scopes: decorated,
    claims: core.claims(call.options.claimsChallenge, extra),
    clientAuthentication: await core.clientAuthentication(metadata.token_endpoint),
    data: extra.fields,
  });
  const response = await core.requestToken(metadata, body, ctx);
  const claims = await core.idTokenClaims(response, metadata, ctx);
  await core.store(target, metadata, { response, claims }, ctx, {
    grantType: GRANT_TYPE_JWT_BEARER,
    scopes: decorated,
    userAssertionHash: hash,
    keyId: extra.keyId,
    extCacheKey: extra.extCacheKeys?.[0],
    partition: { kind: 'obo', userAssertionHash: hash },
  });
  const homeAccountId = homeAccountIdOf(response, claims);
  if (homeAccountId !== undefined) {
    if (memo.size >= MAX_REMEMBERED) memo.clear();
    memo.set(hash, homeAccountId);
  }
  return core.resultFromResponse(response, claims);
}
