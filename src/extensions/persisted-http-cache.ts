/**
 * An http cache (MSAL Python's `http_cache`) kept in a persistence, so that discovery documents fetched by one process
 * serve the next run and other processes without a network request.
 */
import { CacheFormatError, PersistenceNotFoundError } from '../errors.js';
import type { HttpCacheStore } from '../http/http-cache.js';
import { CrossPlatLock, type CrossPlatLockOptions } from './cross-plat-lock.js';
import { CROSS_PLAT_LOCK_OPTIONS, PERSISTED_HTTP_CACHE_OPTIONS } from './option-shapes.js';
import { sameStamp, type Persistence, type PersistenceStamp } from './persistence.js';
import { checkOptionKeys } from '../util/options.js';

const FORMAT = 'msal-ts-http-cache/1';

/** Default upper bound of the persisted JSON, in bytes. */
export const DEFAULT_HTTP_CACHE_MAX_BYTES = 1024 * 1024;

/** Options of {@link PersistedHttpCache.open}. */
export interface PersistedHttpCacheOptions {
  /**
   * Upper bound of the persisted JSON in bytes: a save drops the oldest entries beyond it, and a load refuses a bigger
   * file unread (`CacheTooLargeError`). Default 1 MiB.
   */
  maxBytes?: number | undefined;
  /** The lock file. Default `<persistence.location>.lockfile`. */
  lockLocation?: string | undefined;
  /** Timeout, retry delay and stale-lock recovery of the cross-process lock. */
  lock?: CrossPlatLockOptions | undefined;
  /**
   * Receives a failure of a background save (the store API is synchronous, so saves happen after `set`). Default:
   * `process.emitWarning`. {@link PersistedHttpCache.flush} also rethrows it.
   */
  onError?: ((err: unknown) => void) | undefined;
}

function parse(text: string, location: string): Map<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CacheFormatError(`${location} is not an msal-ts http cache (not JSON); move or delete it`, { cause: err });
  }
  if (
    typeof doc !== 'object' ||
    doc === null ||
    (doc as Record<string, unknown>).format !== FORMAT ||
    typeof (doc as Record<string, unknown>).entries !== 'object' ||
    (doc as Record<string, unknown>).entries === null
  ) {
    throw new CacheFormatError(`${location} is not an msal-ts http cache (format "${FORMAT}"); move or delete it`);
  }
  return new Map(Object.entries((doc as { entries: Record<string, unknown> }).entries));
}

function checkOpenArguments(persistence: Persistence, options: PersistedHttpCacheOptions): void {
  checkOptionKeys(options, PERSISTED_HTTP_CACHE_OPTIONS);
  checkOptionKeys(options.lock, CROSS_PLAT_LOCK_OPTIONS);
  if (typeof persistence !== 'object' || persistence === null || typeof persistence.load !== 'function') {
    throw new TypeError('persistence must implement Persistence');
  }
  if (options.maxBytes !== undefined && (!Number.isInteger(options.maxBytes) || options.maxBytes < 1024)) {
    throw new RangeError('options.maxBytes must be an integer of at least 1024');
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new TypeError('options.onError must be a function');
}

/** The entries the persistence holds (none when nothing was saved yet). A save never writes more than `maxBytes`: a
 * bigger file is not ours, and is refused unread. */
async function loadEntries(persistence: Persistence, maxBytes: number): Promise<Map<string, unknown>> {
  try {
    return parse(await persistence.load({ maxBytes }), persistence.location);
  } catch (err) {
    if (!(err instanceof PersistenceNotFoundError)) throw err;
    return new Map();
  }
}

/**
 * A persisted {@link HttpCacheStore} for the `httpCache` option of an application. It holds only discovery responses
 * (plain JSON, no tokens or secrets), so a plaintext {@link FilePersistence} is the usual choice.
 *
 * `get` serves from memory; `set` and `delete` are saved in the background (locked, merged with what other processes
 * saved meanwhile, written once per burst); `flush()` waits for that.
 *
 * @example
 * ```ts
 * const httpCache = await PersistedHttpCache.open(new FilePersistence('~/.myapp/http_cache.json'));
 * const app = new ConfidentialClientApplication(clientId, { authority, clientCredential, httpCache });
 * ```
 *
 * A short-lived process that is mostly served from its token cache can skip reading the file: see
 * {@link PersistedHttpCache.onDemand}.
 */
export class PersistedHttpCache implements HttpCacheStore {
  readonly persistence: Persistence;
  readonly #lock: CrossPlatLock;
  readonly #maxBytes: number;
  readonly #onError: (err: unknown) => void;
  #entries: Map<string, unknown>;
  #stamp: PersistenceStamp | undefined;
  /** Changes not saved yet: a value, or `undefined` for a deletion. */
  #pending = new Map<string, { value: unknown } | undefined>();
  #flushing: Promise<void> | undefined;
  #lastError: Error | undefined;
  /** The load {@link ready} runs or ran; set from the start for a cache made by {@link open}. */
  #loading: Promise<void> | undefined;

  private constructor(persistence: Persistence, entries: Map<string, unknown>, stamp: PersistenceStamp | undefined, options: PersistedHttpCacheOptions) {
    this.persistence = persistence;
    this.#entries = entries;
    this.#stamp = stamp;
    this.#maxBytes = options.maxBytes ?? DEFAULT_HTTP_CACHE_MAX_BYTES;
    this.#lock = new CrossPlatLock(options.lockLocation ?? `${persistence.location}.lockfile`, options.lock);
    this.#onError =
      options.onError ??
      ((err: unknown) => process.emitWarning(`msal-ts: could not save the http cache: ${err instanceof Error ? err.message : 'unknown error'}`));
  }

  /**
   * Loads the persisted http cache (empty when nothing was saved yet).
   *
   * @throws CacheFormatError when the persistence holds something else, CacheTooLargeError when it holds more than
   *   `maxBytes` (it is never overwritten then); the persistence's errors; TypeError / RangeError for bad arguments.
   */
  static async open(persistence: Persistence, options: PersistedHttpCacheOptions = {}): Promise<PersistedHttpCache> {
    checkOpenArguments(persistence, options);
    const stamp = persistence.stamp();
    const entries = await loadEntries(persistence, options.maxBytes ?? DEFAULT_HTTP_CACHE_MAX_BYTES);
    const cache = new this(persistence, entries, stamp, options);
    cache.#loading = Promise.resolve();
    return cache;
  }

  /**
   * The persisted http cache, not read yet: its {@link ready} reads it, and an application awaits that before each
   * request it sends. A process whose tokens all come from its token cache never reads the file. Until then the cache
   * is empty in memory; entries set meanwhile are kept over the file's, and a save merges them with the file's.
   *
   * @throws TypeError / RangeError for bad arguments (the file's errors come from {@link ready}).
   */
  static onDemand(persistence: Persistence, options: PersistedHttpCacheOptions = {}): PersistedHttpCache {
    checkOpenArguments(persistence, options);
    return new this(persistence, new Map(), undefined, options);
  }

  /**
   * Reads the persisted entries, once (later calls return the same promise): what {@link open} does at once. A cache
   * made by `open()` is ready from the start.
   *
   * @throws what {@link open} throws for the file (CacheFormatError, CacheTooLargeError, the persistence's errors);
   *   after a failure, the next call reads again.
   */
  ready(): Promise<void> {
    this.#loading ??= this.#load().catch((err: unknown) => {
      this.#loading = undefined;
      throw err;
    });
    return this.#loading;
  }

  async #load(): Promise<void> {
    const stamp = this.persistence.stamp();
    const loaded = await loadEntries(this.persistence, this.#maxBytes);
    // Changes made before the load stay on top of what the file held; their save is scheduled already.
    for (const [key, value] of this.#entries) loaded.set(key, value);
    for (const [key, change] of this.#pending) if (change === undefined) loaded.delete(key);
    this.#entries = loaded;
    this.#stamp ??= stamp;
  }

  /** The entry, or `undefined`. */
  get(key: string): unknown {
    return this.#entries.get(key);
  }

  /** Sets an entry (plain JSON data) and schedules a save. */
  set(key: string, value: unknown): this {
    this.#entries.set(key, value);
    this.#pending.set(key, { value });
    this.#schedule();
    return this;
  }

  /** Deletes an entry and schedules a save. */
  delete(key: string): boolean {
    const had = this.#entries.delete(key);
    this.#pending.set(key, undefined);
    this.#schedule();
    return had;
  }

  /**
   * Waits until every change so far is saved.
   *
   * @throws the last background save failure (LockTimeoutError, CacheFormatError, the persistence's errors).
   */
  async flush(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
    const err = this.#lastError;
    this.#lastError = undefined;
    if (err !== undefined) throw err;
  }

  #schedule(): void {
    // One save per burst: discovery writes an entry and the store's index back to back.
    this.#flushing ??= new Promise<void>((r) => setImmediate(r))
      .then(() => this.#save())
      .catch((err: unknown) => {
        this.#lastError = err instanceof Error ? err : new Error('http cache save failed', { cause: err });
        this.#onError(err);
      })
      .finally(() => {
        this.#flushing = undefined;
        if (this.#pending.size > 0) this.#schedule();
      });
  }

  async #save(): Promise<void> {
    const pending = this.#pending;
    this.#pending = new Map();
    await this.#lock.withLock(async () => {
      const stamp = this.persistence.stamp();
      let merged = this.#entries;
      if (stamp !== undefined && (this.#stamp === undefined || !sameStamp(stamp, this.#stamp))) {
        try {
          merged = parse(await this.persistence.load({ maxBytes: this.#maxBytes }), this.persistence.location);
        } catch (err) {
          if (!(err instanceof PersistenceNotFoundError)) throw err;
          merged = new Map();
        }
        for (const [key, change] of pending) {
          if (change === undefined) merged.delete(key);
          else merged.set(key, change.value);
        }
      }
      let text = JSON.stringify({ format: FORMAT, entries: Object.fromEntries(merged) });
      while (Buffer.byteLength(text) > this.#maxBytes && merged.size > 0) {
        const oldest = merged.keys().next().value;
        if (oldest === undefined) break;
        merged.delete(oldest);
        text = JSON.stringify({ format: FORMAT, entries: Object.fromEntries(merged) });
      }
      await this.persistence.save(text);
      this.#entries = merged;
      this.#stamp = this.persistence.stamp();
    });
  }
}
