/**
 * An in-process {@link DistributedCacheStore}: for tests, and for an app that runs as one process but wants the
 * partitioned cache's bounded memory and TTLs.
 */
import type { Clock } from '../cache/cache-types.js';
import { checkOptionKeys, optionShape } from '../util/options.js';
import { checkKey, checkSetArguments, type DistributedCacheStore, type StoreSetOptions, type StoredValue } from './store.js';

interface Slot {
  readonly value: string;
  readonly version: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

const systemClock: Clock = { now: () => Date.now() / 1000 };

/** Expired keys are swept after this many writes, so a key never read again does not stay forever. */
const SWEEP_EVERY = 1024;

const OPTIONS = optionShape<{ clock?: Clock | undefined }>('InMemoryDistributedCacheStore options', { clock: true });

/**
 * A {@link DistributedCacheStore} in a `Map`, with TTLs and compare-and-set. Versions come from a counter that never
 * restarts, so a version is never reused for a key (not even after it expired).
 *
 * @example
 * ```ts
 * const cache = new DistributedTokenCache(new InMemoryDistributedCacheStore());
 * ```
 */
export class InMemoryDistributedCacheStore implements DistributedCacheStore {
  readonly #slots = new Map<string, Slot>();
  readonly #clock: Clock;
  #versions = 0;
  #writes = 0;

  /**
   * @param options - `clock`: the time source (epoch seconds) for TTLs; the system clock by default.
   * @throws TypeError when `options.clock.now` is not a function.
   */
  constructor(options: { clock?: Clock | undefined } = {}) {
    checkOptionKeys(options, OPTIONS);
    const clock = options.clock ?? systemClock;
    if (typeof clock.now !== 'function') throw new TypeError('options.clock.now must be a function');
    this.#clock = clock;
  }

  /** How many keys are stored, expired ones not yet swept included. For tests and diagnostics. */
  get size(): number {
    return this.#slots.size;
  }

  #live(key: string): Slot | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt <= this.#clock.now()) {
      this.#slots.delete(key);
      return undefined;
    }
    return slot;
  }

  /** Seconds until `key` expires, or `undefined` when it is absent. For tests and diagnostics. */
  ttl(key: string): number | undefined {
    checkKey(key);
    const slot = this.#live(key);
    return slot === undefined ? undefined : slot.expiresAt - this.#clock.now();
  }

  get(key: string): Promise<StoredValue | undefined> {
    checkKey(key);
    const slot = this.#live(key);
    return Promise.resolve(slot === undefined ? undefined : { value: slot.value, version: slot.version });
  }

  set(key: string, value: string, options: StoreSetOptions): Promise<boolean> {
    checkSetArguments(key, value, options);
    const current = this.#live(key);
    const wanted = options.ifVersion;
    if (wanted === null && current !== undefined) return Promise.resolve(false);
    if (typeof wanted === 'string' && current?.version !== wanted) return Promise.resolve(false);
    const now = this.#clock.now();
    this.#slots.set(key, { value, version: String(++this.#versions), expiresAt: now + options.ttlSeconds });
    if (++this.#writes % SWEEP_EVERY === 0) {
      for (const [k, slot] of this.#slots) if (slot.expiresAt <= now) this.#slots.delete(k);
    }
    return Promise.resolve(true);
  }

  delete(key: string): Promise<void> {
    checkKey(key);
    this.#slots.delete(key);
    return Promise.resolve();
  }
}
