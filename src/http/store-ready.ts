/**
 * The one piece of the http cache's contract that runs on every application's path, apart from http-cache.ts so that a
 * process served from the token cache alone does not load the rest (the throttled client imports it).
 */
import type { HttpCacheStore } from './http-cache.js';

/**
 * Awaits `store.ready()` when the store has one (see {@link HttpCacheStore.ready}).
 *
 * @throws TypeError when `ready` is there but not a function; what `ready()` rejects with.
 */
export async function storeReady(store: HttpCacheStore | undefined): Promise<void> {
  if (store?.ready === undefined) return;
  if (typeof store.ready !== 'function') throw new TypeError('httpCache.ready must be a function when present');
  await store.ready();
}
