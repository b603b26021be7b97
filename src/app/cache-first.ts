/**
 * The cache-first path every flow that keeps tokens follows (client credentials, silent, on-behalf-of, managed
 * identity): load the cache partition when its store changed, look, return a fresh token, keep an aging one (past its
 * `refresh_on`) as the fallback, share an identical request already in flight, go to the network, and serve the
 * fallback when the network part fails, whatever the failure (an aging token is still valid), as MSAL Python does.
 *
 * A flow describes itself once ({@link CacheFirstFlow}, a module constant or one object per client) and passes one
 * record per call. A fresh hit allocates nothing here beyond that record: the closures of the shared request are
 * made only on the way to the network.
 */
import type { CacheAccessContext } from '../cache/cache-access.js';
import type { TokenCache } from '../cache/token-cache.js';
import { shareInFlight } from '../util/in-flight.js';

/** A cached token shaped as a result, and whether it is aging (past `refresh_on`: refresh, and serve it if that fails). */
export interface Cached<R> {
  readonly result: R;
  readonly aging: boolean;
}

/** The per-call record of a cache-first acquisition: what the flow's steps need, and what the path found. */
export interface CacheFirstCall<R> {
  readonly tokenCache: TokenCache;
  /** The partition to load and look in before going to the network; `undefined` skips that first look. */
  readonly access: CacheAccessContext | undefined;
  /** Identical concurrent calls share one network request here; `undefined`: each call makes its own. */
  readonly inFlight: Map<string, Promise<R>> | undefined;
  /** Ends this caller's wait for a shared request (and is the flow's own abort signal). */
  readonly signal: AbortSignal | undefined;
  /** A force refresh or a claims challenge: no cached token is served, none is looked for after discovery. */
  readonly bypass: boolean;
  /** Set by the path: whether a look happened before the network part. */
  looked: boolean;
  /** Set by the path: the aging token found, served when the network part fails. */
  fallback: R | undefined;
}

/** How one flow looks in the cache and goes to the network. */
export interface CacheFirstFlow<R, C extends CacheFirstCall<R>> {
  /** The cached token for the call (its partition is loaded), or `undefined`. */
  lookup(call: C): Cached<R> | undefined;
  /** What tells identical concurrent calls apart (used only with `inFlight`). */
  key(call: C): string;
  /**
   * The network part: discovery, then {@link lookAfterDiscovery} where the location was not known before, then the
   * request. May resolve the fallback itself (a refresh that had nothing to send).
   */
  fetch(call: C): Promise<R>;
  /** The whole call again, when the shared request it waited for was aborted by its own caller. */
  retry(call: C): Promise<R>;
}

/** Runs one call down the cache-first path. */
export async function cacheFirst<R, C extends CacheFirstCall<R>>(flow: CacheFirstFlow<R, C>, call: C): Promise<R> {
  if (call.access !== undefined) {
    const loading = call.tokenCache.beforeRead(call.access);
    if (loading !== undefined) await loading;
    const hit = flow.lookup(call);
    if (hit !== undefined && !hit.aging) return hit.result;
    call.fallback = hit?.result;
    call.looked = true;
  }
  return call.inFlight === undefined ? withFallback(flow, call) : share(flow, call, call.inFlight);
}

// Apart from cacheFirst so that its closures are made only on the way to the network, never for a hit.
function share<R, C extends CacheFirstCall<R>>(flow: CacheFirstFlow<R, C>, call: C, inFlight: Map<string, Promise<R>>): Promise<R> {
  return shareInFlight(
    inFlight,
    flow.key(call),
    call.signal,
    () => withFallback(flow, call),
    () => flow.retry(call),
  );
}

async function withFallback<R, C extends CacheFirstCall<R>>(flow: CacheFirstFlow<R, C>, call: C): Promise<R> {
  try {
    return await flow.fetch(call);
  } catch (err) {
    if (call.fallback !== undefined) return call.fallback;
    throw err;
  }
}

/**
 * The look once discovery told where the tokens are, for a call that may use the cache and found no aging token before
 * (looking again after a miss: another process may have written since): loads `access` and looks.
 *
 * @param loadAnyway - Load `access` also when there is no look to make (the flow reads refresh tokens next).
 * @returns a fresh token's result, or `undefined` to go on to the network (with `call.fallback` set to an aging one).
 */
export async function lookAfterDiscovery<R, C extends CacheFirstCall<R>>(
  flow: CacheFirstFlow<R, C>,
  call: C,
  access: CacheAccessContext,
  loadAnyway = false,
): Promise<R | undefined> {
  const look = !call.bypass && call.fallback === undefined;
  if (!look && !loadAnyway) return undefined;
  await call.tokenCache.beforeRead(access);
  if (!look) return undefined;
  const hit = flow.lookup(call);
  if (hit !== undefined && !hit.aging) return hit.result;
  call.fallback = hit?.result;
  return undefined;
}

/** What an entry point returns when its argument checks throw: the same error, as a rejection (as an async function would). */
export function rejection(err: unknown): Promise<never> {
  return Promise.reject(err instanceof Error ? err : new Error(String(err)));
}
