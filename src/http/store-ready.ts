/**
 * The one piece of the http cache's contract that runs on every application's path, apart from http-cache.ts so that a
 * process served from the token cache alone does not load the rest (the throttled client imports it). Each reader of a
 * store awaits it just before reading: cachedGet (discovery), the throttled client, the managed identity throttle.
 */
import type { HttpCacheStore } from './http-cache.js';

/**
 * Awaits `store.ready()` when the store has one (see {@link HttpCacheStore.ready}). A `ready` that is not a function (a
 * store of the user's may well have a `ready` flag) is not this method, and is left alone.
 *
 * @throws what `ready()` throws or rejects with.
 */
export async function storeReady(store: HttpCacheStore | undefined): Promise<void> {
  if (typeof store?.ready === 'function') await store.ready();
}
