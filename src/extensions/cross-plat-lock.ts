/**
 * The cross-process lock MSAL Python (msal-extensions), msal-node-extensions and MSAL .NET take around a shared cache:
 * a `<cache>.lockfile` created with O_CREAT|O_EXCL (mode 0600) holding `"<pid> <argv[1]>"`, flock'ed where flock
 * exists, released by unlink. Unlike those peers, a lock left by a dead process is recovered (docs/extensions.md), and
 * a live holder's lock is never broken.
 *
 * This module is the lock's surface: its options, checked at construction, and `acquire()`, which loads the work
 * (lock-engine.ts) the first time, so that a process that never takes the lock never loads it.
 */
import { resolve } from 'node:path';
import { createLogSink, type Logger } from '../logger.js';
import type { LockEngine, LockSettings } from './lock-engine.js';
import { CROSS_PLAT_LOCK_OPTIONS } from './option-shapes.js';
import { checkOptionKeys } from '../util/options.js';

/** Options of {@link CrossPlatLock}. */
export interface CrossPlatLockOptions {
  /** Give up after this many milliseconds with a {@link LockTimeoutError}. Default 30000. */
  timeoutMs?: number | undefined;
  /** Wait between attempts, in milliseconds, randomized by ±50% so waiters do not retry in step. Default 50. */
  retryDelayMs?: number | undefined;
  /**
   * Age in milliseconds after which a lock file that names no process (a peer killed between creating and writing it)
   * is presumed abandoned. Default 30000. A file naming a process is never judged by age: it is recovered at once when
   * its holder is proven gone, and never while it may run.
   */
  staleAfterMs?: number | undefined;
  /** Also hold flock(LOCK_EX) on the lock file where available, as .NET and portalocker do. Default true. */
  flock?: boolean | undefined;
  /** Receives the lock's warnings (flock unavailable) and recoveries. Default: none. */
  logger?: Logger | undefined;
}

/** A held lock. Release it once; `await using` releases it on scope exit. */
export interface LockHandle {
  /** Whether this acquisition removed a lock file left by a dead process. */
  readonly recoveredStale: boolean;
  /** Releases the lock (unlink, unlock, close). Idempotent. */
  release(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function positive(value: unknown, name: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds`);
  }
  return value;
}

/**
 * MSAL Python's `CrossPlatLock`, interoperable with msal-extensions (both its modes), msal-node-extensions and .NET.
 *
 * Recovery of a lock left by a dead process: a waiter reads the holder's pid and identity (host, boot, PID namespace,
 * start time) in the lock file; when that process is proven gone and no process holds flock on the file, the waiter
 * removes it through a takeover that cannot remove anyone else's lock (see lock-takeover.ts), and retries at once.
 * A holder that may still run, or cannot be checked from here (another machine or PID namespace), is never broken;
 * only a file naming no process is judged by age (`staleAfterMs`). Every wait ends by `timeoutMs`.
 *
 * @example
 * ```ts
 * const lock = new CrossPlatLock('/home/me/.cache/app/token_cache.json.lockfile');
 * await using held = await lock.acquire();
 * // ... read, modify, write the shared file ...
 * ```
 */
export class CrossPlatLock {
  /** The lock file, absolute. */
  readonly lockfilePath: string;
  readonly #settings: LockSettings;
  #engine: Promise<LockEngine> | undefined;

  /**
   * @param lockfilePath - the lock file, usually `<cache file>.lockfile`. No I/O happens here.
   * @param options - see {@link CrossPlatLockOptions}.
   * @throws TypeError / RangeError for a bad argument.
   */
  constructor(lockfilePath: string, options: CrossPlatLockOptions = {}) {
    checkOptionKeys(options, CROSS_PLAT_LOCK_OPTIONS);
    if (typeof lockfilePath !== 'string' || lockfilePath === '') throw new TypeError('lockfilePath must be a non-empty path');
    this.lockfilePath = resolve(lockfilePath);
    const timeoutMs = positive(options.timeoutMs, 'options.timeoutMs', 30_000, true);
    const retryDelayMs = positive(options.retryDelayMs, 'options.retryDelayMs', 50);
    const staleAfterMs = positive(options.staleAfterMs, 'options.staleAfterMs', 30_000);
    if (options.flock !== undefined && typeof options.flock !== 'boolean') throw new TypeError('options.flock must be a boolean');
    this.#settings = { timeoutMs, retryDelayMs, staleAfterMs, useFlock: options.flock ?? true, log: createLogSink(options.logger) };
  }

  /**
   * Waits for the lock and takes it.
   *
   * @returns a handle whose `release()` (or `await using`) gives the lock back.
   * @throws LockTimeoutError when a live process kept the lock past `timeoutMs`; PersistenceAccessError when the lock
   *   file cannot be created for another reason (a read-only directory).
   */
  async acquire(): Promise<LockHandle> {
    // The deadline counts from the call: loading the work is part of the wait.
    const deadline = performance.now() + this.#settings.timeoutMs;
    this.#engine ??= import('./lock-engine.js').then((m) => new m.LockEngine(this.lockfilePath, this.#settings));
    return (await this.#engine).acquire(deadline);
  }

  /**
   * Runs `fn` while holding the lock, and releases it however `fn` ends.
   *
   * @throws whatever {@link acquire} or `fn` throws.
   */
  async withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    const held = await this.acquire();
    try {
      return await fn();
    } finally {
      await held.release();
    }
  }
}
