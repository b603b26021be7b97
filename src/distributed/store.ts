/**
 * The storage seam of the distributed token cache: a key-value store with a version per value, compare-and-set writes
 * and a time to live. Small on purpose, so an adapter to any store with an atomic conditional write (Redis, a SQL row
 * with a version column, a cloud KV with ETags) is a few lines.
 */

/** A stored value and its version. */
export interface StoredValue {
  /** The value as it was set. */
  readonly value: string;
  /**
   * An opaque token that changes on every successful `set`, and is never reused for the same key (not even after the
   * key expired and was written again), so a compare-and-set against an old version can never succeed by accident.
   */
  readonly version: string;
}

/** Options of {@link DistributedCacheStore.set}. */
export interface StoreSetOptions {
  /** Seconds until the key expires; a positive integer. Every successful `set` restarts it. */
  readonly ttlSeconds: number;
  /**
   * Write only if the stored version is this one (a string), or only if the key is absent (`null`). Omitted: write
   * unconditionally.
   */
  readonly ifVersion?: string | null | undefined;
}

/**
 * A partitioned store for the distributed token cache. Implementations: {@link InMemoryDistributedCacheStore}
 * (tests, one process) and {@link RedisDistributedCacheStore}.
 *
 * Every method rejects with a {@link DistributedCacheError} when the store cannot be reached; callers must treat a
 * rejected `set` as "may or may not have been written" (a command can reach the server after its timeout), which a
 * compare-and-set protocol tolerates.
 */
export interface DistributedCacheStore {
  /** The value and version stored under `key`, or `undefined` when there is none (never set, deleted, expired). */
  get(key: string): Promise<StoredValue | undefined>;
  /**
   * Stores `value` under `key` with a new version and TTL, atomically checking `options.ifVersion` first.
   *
   * @returns `true` when written; `false` when the version check failed (nothing written).
   */
  set(key: string, value: string, options: StoreSetOptions): Promise<boolean>;
  /** Removes `key` (nothing happens when it is absent). */
  delete(key: string): Promise<void>;
}

/**
 * Checks the arguments every store takes, so each implementation throws the same `TypeError`/`RangeError` before any
 * I/O.
 *
 * @throws TypeError when `key` is not a non-empty string, `value` is not a string, or `ifVersion` is not a string,
 *   `null` or `undefined`; RangeError when `ttlSeconds` is not a positive integer.
 */
export function checkSetArguments(key: unknown, value: unknown, options: unknown): asserts options is StoreSetOptions {
  checkKey(key);
  if (typeof value !== 'string') throw new TypeError('value must be a string');
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { ttlSeconds, ifVersion } = options as Record<string, unknown>;
  if (typeof ttlSeconds !== 'number' || !Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new RangeError('options.ttlSeconds must be a positive integer');
  }
  if (ifVersion !== undefined && ifVersion !== null && typeof ifVersion !== 'string') {
    throw new TypeError('options.ifVersion must be a string, null or undefined');
  }
}

/**
 * @throws TypeError when `key` is not a non-empty string.
 */
export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '') throw new TypeError('key must be a non-empty string');
}
