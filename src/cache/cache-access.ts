/**
 * The seam between applications and caches that live outside the process (a persisted file, a keyring, Redis).
 *
 * An application calls {@link TokenCache.beforeRead} before it reads the cache for a request, and runs each token
 * response's changes through {@link TokenCache.write}. The in-memory cache does nothing in either (and returns
 * synchronously, so a cache hit pays no `await`); a persisted cache reloads in `beforeRead` only when the store changed,
 * and in `write` takes its cross-process lock, reloads, applies the change and saves once; a distributed cache loads and
 * saves the one partition the context names.
 */

/** Which slice of the cache a request works on: what a distributed cache partitions by. */
export type CachePartition =
  /** App tokens (client credentials, managed identity) of one app in one tenant. */
  | { readonly kind: 'app'; readonly clientId: string; readonly environment: string; readonly realm: string }
  /** A signed-in user's tokens (silent, refresh, sign-in flows) in one environment. */
  | { readonly kind: 'user'; readonly homeAccountId: string; readonly environment: string }
  /** On-behalf-of tokens of one incoming assertion. */
  | { readonly kind: 'obo'; readonly userAssertionHash: string }
  /** Not known before the request completes (a sign-in whose account is not known yet), or the whole cache. */
  | { readonly kind: 'any' };

/** What a cache access is for. */
export interface CacheAccessContext {
  /** The application reading or writing. */
  readonly clientId: string;
  readonly partition: CachePartition;
  /** The request's `client-request-id`, when there is one. */
  readonly correlationId?: string | undefined;
}
