/**
 * The user-suppliable http cache, as MSAL Python's `http_cache`: a Map-like store that remembers discovery responses
 * (and, for the throttling layer, recent failures) so that a short-lived process does not repeat them on every run.
 *
 * Everything written into the store is plain JSON data (objects, arrays, strings, numbers), so a user can persist it
 * with `JSON.stringify([...map])` and restore it with `new Map(JSON.parse(text))`. It never holds tokens or secrets.
 * Entries a user-supplied store returns in an unexpected shape are ignored (treated as absent), never thrown.
 */
import type { HttpClient, HttpResponse } from './http-client.js';
import { isRecord } from '../util/checks.js';
import { storeReady } from './store-ready.js';

/**
 * The store interface. A plain `Map<string, unknown>` satisfies it. No `keys()` is needed: the store keeps its own
 * index under {@link HTTP_CACHE_INDEX_KEY}. Exceptions thrown by a custom store's own methods propagate to the caller.
 */
export interface HttpCacheStore {
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
  delete(key: string): unknown;
  /**
   * Optional: makes the store ready to use. When present, msal-ts awaits it before every request it sends through
   * the store's application (before reading discovery results or throttle state), so a store kept in a file can be
   * read only by a process that sends a request: a process served from the token cache alone never calls it. It is
   * called again before later requests (return the same promise). A rejection fails the request that awaited it. A
   * `ready` that is not a function is not this method and is ignored.
   */
  ready?(): unknown;
}

/** Options of {@link readExpiring} and {@link writeExpiring}. */
export interface ExpiringStoreOptions {
  /** Current time in milliseconds since the epoch. Default `Date.now`. */
  now?: (() => number) | undefined;
  /** Most entries kept; the oldest are evicted beyond it. Default {@link DEFAULT_HTTP_CACHE_ENTRIES}. */
  maxEntries?: number | undefined;
}

/** Options of {@link cachedGet}. */
export interface CachedGetOptions extends ExpiringStoreOptions {
  /** How long a 2xx response is served from the cache, in seconds. Default 86400 (24 h), as MSAL Python. */
  ttlSeconds?: number | undefined;
  /** Aborts the network request (a cache hit is served regardless). */
  signal?: AbortSignal | undefined;
}

/** Default capacity of the store, as MSAL Python's. */
export const DEFAULT_HTTP_CACHE_ENTRIES = 1024;

/** Default lifetime of a cached GET response: 24 hours. */
export const DEFAULT_HTTP_CACHE_TTL_SECONDS = 86_400;

/**
 * The key under which the store keeps its own index (insertion order and expiry of every entry it wrote), so that it
 * can stay bounded without needing `keys()` from the store.
 */
export const HTTP_CACHE_INDEX_KEY = 'msal-ts:http-cache-index';

/**
 * Reads a value written by {@link writeExpiring}, or `undefined` when absent, expired or malformed.
 *
 * @param store - the user's store.
 * @param key - the entry key.
 * @param options - clock.
 */
export function readExpiring(store: HttpCacheStore, key: string, options: ExpiringStoreOptions = {}): unknown {
  checkStore(store);
  const entry = store.get(key);
  // writeExpiring only writes finite times; NaN would compare as never expired.
  if (!isRecord(entry) || typeof entry.expiresAt !== 'number' || !Number.isFinite(entry.expiresAt) || !('value' in entry)) return undefined;
  if (entry.expiresAt <= (options.now ?? Date.now)()) return undefined;
  return entry.value;
}

/**
 * Stores a JSON-serializable value until `expiresAt`, dropping expired entries and, beyond `maxEntries`, the oldest.
 *
 * @param store - the user's store.
 * @param key - the entry key; must not be {@link HTTP_CACHE_INDEX_KEY}.
 * @param value - plain JSON data (no class instances, no functions).
 * @param expiresAt - expiry in milliseconds since the epoch.
 * @param options - clock and capacity.
 * @throws TypeError / RangeError on a bad argument.
 */
export function writeExpiring(store: HttpCacheStore, key: string, value: unknown, expiresAt: number, options: ExpiringStoreOptions = {}): void {
  checkStore(store);
  if (typeof key !== 'string' || key === HTTP_CACHE_INDEX_KEY) throw new TypeError('key must be a string other than the index key');
  if (!Number.isFinite(expiresAt)) throw new RangeError('expiresAt must be a finite number of milliseconds');
  const maxEntries = options.maxEntries ?? DEFAULT_HTTP_CACHE_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('options.maxEntries must be a positive integer');
  const now = (options.now ?? Date.now)();

  const kept: Array<[string, number]> = [];
  for (const [k, exp] of readIndex(store)) {
    if (k === key) continue;
    if (exp <= now) store.delete(k);
    else kept.push([k, exp]);
  }
  kept.push([key, expiresAt]);
  while (kept.length > maxEntries) {
    const oldest = kept.shift();
    if (oldest !== undefined) store.delete(oldest[0]);
  }
  store.set(key, { expiresAt, value });
  store.set(HTTP_CACHE_INDEX_KEY, kept);
}

/**
 * GETs `url`, serving a 2xx response from `cache` while it is fresh and storing new 2xx responses for `ttlSeconds`.
 * Other statuses and failures are never cached. Request headers are not part of the key (they carry per-request
 * values such as `client-request-id`).
 *
 * @param http - the transport.
 * @param cache - the user's store, or `undefined` for no caching.
 * @param url - absolute URL, query included.
 * @param headers - request headers, lower-case names.
 * @param options - TTL, clock, capacity, abort signal.
 * @returns the response, from the cache or the network.
 * @throws whatever `http.send` throws; TypeError / RangeError on a bad argument.
 */
export async function cachedGet(
  http: HttpClient,
  cache: HttpCacheStore | undefined,
  url: string,
  headers: Record<string, string>,
  options: CachedGetOptions = {},
): Promise<HttpResponse> {
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_HTTP_CACHE_TTL_SECONDS;
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError('options.ttlSeconds must be a positive number');
  }
  if (typeof url !== 'string') throw new TypeError('url must be a string');
  const key = `GET ${url}`;
  if (cache !== undefined) {
    await storeReady(cache);
    const hit = toResponse(readExpiring(cache, key, options));
    if (hit !== undefined) return hit;
  }
  const response = await http.send({ method: 'GET', url, headers, signal: options.signal });
  if (cache !== undefined && response.status >= 200 && response.status < 300) {
    const now = (options.now ?? Date.now)();
    const stored: StoredResponse = { status: response.status, headers: { ...response.headers }, body: response.body };
    writeExpiring(cache, key, stored, now + ttlSeconds * 1000, options);
  }
  return response;
}

interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function toResponse(value: unknown): HttpResponse | undefined {
  if (!isRecord(value) || typeof value.status !== 'number' || typeof value.body !== 'string' || !isRecord(value.headers)) {
    return undefined;
  }
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(value.headers)) {
    if (typeof v !== 'string') return undefined;
    headers[name] = v;
  }
  return { status: value.status, headers, body: value.body };
}

function readIndex(store: HttpCacheStore): Array<[string, number]> {
  const raw = store.get(HTTP_CACHE_INDEX_KEY);
  if (!Array.isArray(raw)) return [];
  const out: Array<[string, number]> = [];
  for (const item of raw as unknown[]) {
    if (Array.isArray(item) && typeof item[0] === 'string' && typeof item[1] === 'number') out.push([item[0], item[1]]);
  }
  return out;
}

function checkStore(store: HttpCacheStore): void {
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function' || typeof store.delete !== 'function') {
    throw new TypeError('httpCache must have get, set and delete methods (a Map will do)');
  }
}
