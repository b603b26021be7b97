/**
 * MSAL Python's `PersistedTokenCache`: a token cache kept in a persistence and shared by many processes (msal-ts, MSAL
 * Python's msal-extensions, msal-node-extensions), coordinated by the `<location>.lockfile` lock.
 */
import { createHash } from 'node:crypto';
import type { CacheAccessContext } from '../cache/cache-access.js';
import type { TokenCacheOptions } from '../cache/cache-types.js';
import { SerializableTokenCache } from '../cache/serializable-token-cache.js';
import { CacheFormatError, CacheTooLargeError, PersistenceNotFoundError } from '../errors.js';
import { CrossPlatLock, type CrossPlatLockOptions } from './cross-plat-lock.js';
import { checkMaxBytes, sameStamp, type Persistence, type PersistenceStamp } from './persistence.js';
import { CROSS_PLAT_LOCK_OPTIONS, PERSISTED_TOKEN_CACHE_OPTIONS } from './option-shapes.js';
import { checkOptionKeys } from '../util/options.js';

/**
 * A file modified less than this long before we read it could be rewritten in place within the same timestamp tick
 * (coarse kernel clocks, 1-2 s on some file systems) with the same size: until then an unchanged stamp is confirmed by
 * a content hash (git's "racily clean" rule).
 */
const RACY_WINDOW_MS = 2000;

/**
 * Default of `maxCacheBytes`: 32 MiB. A token entry is a few kilobytes, so that is some ten thousand tokens, far more
 * than one user or one machine's apps gather; parsing costs about three times the file's size in memory (a 53 MB file
 * took 142 MB), so the limit also bounds what a planted or runaway file can cost. Larger caches belong in
 * `msal-ts/distributed`.
 */
export const DEFAULT_MAX_CACHE_BYTES = 32 * 1024 * 1024;

/** Options of {@link PersistedTokenCache}. */
export interface PersistedTokenCacheOptions extends TokenCacheOptions {
  /** The lock file. Default `<persistence.location>.lockfile`, the name every MSAL uses. */
  lockLocation?: string | undefined;
  /** Timeout, retry delay and stale-lock recovery of the cross-process lock. */
  lock?: CrossPlatLockOptions | undefined;
  /**
   * The largest persisted cache read, in bytes (for the encrypted file stores, of the encrypted file). A larger one is
   * refused with `CacheTooLargeError` before it is read when its size is known from its `stat`, else before it is
   * parsed; nothing is written over it. Default {@link DEFAULT_MAX_CACHE_BYTES}.
   */
  maxCacheBytes?: number | undefined;
}

interface Synced {
  readonly stamp: PersistenceStamp;
  /**
   * The text's hash, kept only when a later read may need it to prove the content unchanged: a racy sync, or one that
   * follows a hashed sync. A fresh process that reads a settled file never hashes (nor loads node:crypto).
   */
  readonly hash: string | undefined;
  /** Whether the stamp alone cannot prove the content unchanged yet (see RACY_WINDOW_MS). */
  readonly racy: boolean;
}

interface Job {
  readonly mutate: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

function hashOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

function isRacy(stamp: PersistenceStamp, syncedAtMs: number): boolean {
  const mtimeMs = Number(stamp.mtimeNs / 1_000_000n);
  // A future mtime was set by a writer on purpose (the mtime trap remedy); an in-place rewrite gets a present one.
  return mtimeMs <= syncedAtMs + 50 && syncedAtMs - mtimeMs < RACY_WINDOW_MS;
}

/**
 * A {@link SerializableTokenCache} kept in a {@link Persistence} and shared safely between processes.
 *
 * - Reads take no lock. Before each read the application calls `beforeRead`, which costs one synchronous `stat` when
 *   nothing changed (no parse, no lock, no promise); otherwise it loads and parses the persistence. Writers replace
 *   files atomically, so a read never sees a torn file; a file a peer rewrites in place (MSAL Python) that fails to
 *   parse is read again under the lock.
 * - Each token response is one `write`: take the lock, reload if another process changed the persistence, apply the
 *   change, save once, release. Writes that arrive while the lock is being taken share that one cycle.
 * - Nothing persisted yet ({@link PersistenceNotFoundError}) reads as empty; decryption and format errors propagate,
 *   and the persistence is then left untouched.
 *
 * @example
 * ```ts
 * import { ConfidentialClientApplication } from 'msal-ts';
 * import { FilePersistence, PersistedTokenCache } from 'msal-ts/extensions';
 * const tokenCache = new PersistedTokenCache(new FilePersistence('~/.myapp/token_cache.json'));
 * const app = new ConfidentialClientApplication(clientId, { authority, clientCredential, tokenCache });
 * ```
 */
export class PersistedTokenCache extends SerializableTokenCache {
  /** The persistence this cache is kept in. */
  readonly persistence: Persistence;
  /** Whether the persistence encrypts (copied from it, as MSAL Python's `is_encrypted`). */
  readonly isEncrypted: boolean;
  /** The cross-process lock taken by every write. */
  readonly lock: CrossPlatLock;

  readonly #maxBytes: number;
  #synced: Synced | undefined;
  /** In-process serialization of reloads and write cycles. */
  #tail: Promise<void> = Promise.resolve();
  #running = 0;
  #queue: Job[] = [];
  #draining = false;

  /**
   * @param persistence - where the cache is kept. No I/O happens here: the first read loads it.
   * @param options - lock location and behaviour, clock, purge policy.
   * @throws TypeError when `persistence` lacks the Persistence members; TypeError / RangeError for bad options.
   */
  constructor(persistence: Persistence, options: PersistedTokenCacheOptions = {}) {
    checkOptionKeys(options, PERSISTED_TOKEN_CACHE_OPTIONS);
    checkOptionKeys(options.lock, CROSS_PLAT_LOCK_OPTIONS);
    super(options);
    this.#maxBytes = checkMaxBytes(options.maxCacheBytes, 'options.maxCacheBytes') ?? DEFAULT_MAX_CACHE_BYTES;
    if (
      typeof persistence !== 'object' ||
      persistence === null ||
      typeof persistence.save !== 'function' ||
      typeof persistence.load !== 'function' ||
      typeof persistence.stamp !== 'function' ||
      typeof persistence.location !== 'string'
    ) {
      throw new TypeError('persistence must implement Persistence (location, save, load, stamp, timeLastModified)');
    }
    this.persistence = persistence;
    this.isEncrypted = persistence.isEncrypted === true;
    this.lock = new CrossPlatLock(options.lockLocation ?? `${persistence.location}.lockfile`, options.lock);
  }

  /**
   * Reloads the cache when the persistence changed since the last sync. Returns `undefined` (no promise) when nothing
   * changed and no write is in flight in this process.
   *
   * @throws CacheFormatError when the persisted text is not a token cache (after a retry under the lock);
   *   CacheTooLargeError over `maxCacheBytes`; PersistenceDecryptionError, PersistenceAccessError, PersistenceUnavailableError from the persistence.
   */
  override beforeRead(context: CacheAccessContext): void | Promise<void> {
    void context;
    if (this.#running === 0 && this.#isCurrent(this.persistence.stamp())) return undefined;
    return this.#serialized(() => this.#reloadUnlocked());
  }

  /**
   * Applies one token response's changes under the cross-process lock: reload if changed, run `mutate`, save once.
   *
   * @returns what `mutate` returns, once the change is persisted.
   * @throws LockTimeoutError; CacheFormatError when the persisted text is not a token cache, CacheTooLargeError when
   *   it is over `maxCacheBytes` (nothing is saved then);
   *   the persistence's errors; whatever `mutate` throws.
   */
  override write<T>(context: CacheAccessContext, mutate: () => T): Promise<T> {
    void context;
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ mutate, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#draining) {
        this.#draining = true;
        void this.#serialized(() => this.#drain());
      }
    });
  }

  /**
   * Reloads from the persistence now if it changed (what `beforeRead` does), for callers that read the cache directly.
   *
   * @throws as {@link beforeRead}.
   */
  async reload(): Promise<void> {
    await this.#serialized(() => this.#reloadUnlocked());
  }

  #isCurrent(stamp: PersistenceStamp | undefined): boolean {
    // Nothing persisted: what is in memory stands (MSAL Python treats PersistenceNotFound as a no-op).
    if (stamp === undefined) return true;
    const synced = this.#synced;
    return synced !== undefined && !synced.racy && sameStamp(synced.stamp, stamp);
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    this.#running++;
    const run = this.#tail.then(fn);
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run.finally(() => {
      this.#running--;
    });
  }

  /**
   * Loads and applies the persisted text when its stamp differs from the last sync.
   *
   * @returns false when the text did not parse (the caller may retry under the lock).
   */
  async #loadIfChanged(underLock: boolean): Promise<boolean> {
    const stamp = this.persistence.stamp();
    if (stamp === undefined || this.#isCurrent(stamp)) return true;
    const location = this.persistence.location;
    if (stamp.size > BigInt(this.#maxBytes)) throw new CacheTooLargeError(location, Number(stamp.size), this.#maxBytes);
    const syncedAt = Date.now();
    let text: string;
    try {
      text = await this.persistence.load({ maxBytes: this.#maxBytes });
    } catch (err) {
      if (err instanceof PersistenceNotFoundError) return true;
      throw err;
    }
    // A keyring's stamp is its signal file's: the text itself tells the size.
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > this.#maxBytes) throw new CacheTooLargeError(location, bytes, this.#maxBytes);
    const racy = isRacy(stamp, syncedAt);
    const previous = this.#synced?.hash;
    const hash = racy || previous !== undefined ? hashOf(text) : undefined;
    if (hash === undefined || previous !== hash) {
      // An empty file outside the lock is most likely a peer's in-place rewrite caught between truncate and write.
      if (!underLock && text.trim() === '' && stamp.size > 0n) return false;
      try {
        this.deserialize(text);
      } catch (err) {
        if (!underLock && err instanceof CacheFormatError) return false;
        if (err instanceof CacheFormatError) {
          throw new CacheFormatError(
            `${this.persistence.location} does not hold an MSAL token cache (${err.message}); it was left as is: ` +
              'move or delete it, or point the persistence at another file',
            { cause: err },
          );
        }
        throw err;
      }
    }
    this.#synced = { stamp, hash, racy };
    return true;
  }

  async #reloadUnlocked(): Promise<void> {
    if (await this.#loadIfChanged(false)) return;
    // The text did not parse: a writer that rewrites in place may be mid-write. Writers hold the lock: read under it.
    await this.lock.withLock(() => this.#loadIfChanged(true));
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        let held;
        try {
          held = await this.lock.acquire();
        } catch (err) {
          for (const job of batch) job.reject(err);
          continue;
        }
        // Settled only once the lock is released: a caller that exits right after `await write()` leaves no lock file.
        let settle = (): void => undefined;
        try {
          await this.#loadIfChanged(true);
          const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
          for (const job of batch) {
            try {
              outcomes.push({ ok: true, value: job.mutate() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
          if (this.hasStateChanged) await this.#save();
          settle = () =>
            batch.forEach((job, i) => {
              const outcome = outcomes[i];
              if (outcome?.ok === true) job.resolve(outcome.value);
              else job.reject(outcome?.error);
            });
        } catch (err) {
          // Memory may now differ from the persistence: the next access reloads it.
          this.#synced = undefined;
          settle = () => batch.forEach((job) => job.reject(err));
        } finally {
          try {
            await held.release();
          } finally {
            settle();
          }
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  async #save(): Promise<void> {
    const text = this.serialize();
    await this.persistence.save(text);
    const stamp = this.persistence.stamp();
    if (stamp === undefined) {
      this.#synced = undefined;
      return;
    }
    const racy = isRacy(stamp, Date.now());
    this.#synced = { stamp, hash: racy ? hashOf(text) : undefined, racy };
  }
}
