/**
 * The cross-process lock MSAL Python (msal-extensions), msal-node-extensions and MSAL .NET take around a shared cache:
 * a `<cache>.lockfile` created with O_CREAT|O_EXCL (mode 0600) holding `"<pid> <argv[1]>"`, flock'ed where flock
 * exists, released by unlink. Unlike those peers, a lock left by a dead process is recovered (docs/extensions.md), and
 * a live holder's lock is never broken.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, readdir, readFile, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LockTimeoutError, type LockTimeoutReason } from '../errors.js';
import { createLogSink, type LogSink, type Logger } from '../logger.js';
import { accessError, ensureDirectory, errnoOf } from './file-io.js';
import { flockUnavailable, getFlock, type Flock } from './flock.js';
import { formatLockContent, heldHere, judgeHolder, parseLockContent, releasedHere } from './lock-holder.js';
import { BREAKER_NAME, takeOver, type SeenLock } from './lock-takeover.js';
import { holderState } from './process-liveness.js';
import { CROSS_PLAT_LOCK_OPTIONS } from './option-shapes.js';
import { checkOptionKeys } from '../util/options.js';
import { defaultSleep } from '../util/sleep.js';

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

/** Lock paths held by this process: a peer's file (no identity line) naming our pid but not held is an earlier process's. */
const heldPaths = new Set<string>();

/** `process.emitWarning` once per process, not once per lock. */
let warnedNoFlock = false;

function positive(value: unknown, name: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds`);
  }
  return value;
}

/** What keeps the lock from being taken, for the timeout error. */
interface Blocker {
  readonly reason: LockTimeoutReason;
  readonly why: string;
  readonly holderPid: number | undefined;
  readonly ownerUid?: number | undefined;
}

/** The lock file as read by a waiter. */
interface Inspected extends SeenLock {
  readonly pid: number | undefined;
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
  readonly #timeoutMs: number;
  readonly #retryDelayMs: number;
  readonly #staleAfterMs: number;
  readonly #useFlock: boolean;
  readonly #log: LogSink;
  #flockChecked = false;
  /** Windows keeps O_EXCL: a file pending deletion there makes link() and open() fail alike. */
  #useLink = process.platform !== 'win32';

  /**
   * @param lockfilePath - the lock file, usually `<cache file>.lockfile`. No I/O happens here.
   * @param options - see {@link CrossPlatLockOptions}.
   * @throws TypeError / RangeError for a bad argument.
   */
  constructor(lockfilePath: string, options: CrossPlatLockOptions = {}) {
    checkOptionKeys(options, CROSS_PLAT_LOCK_OPTIONS);
    if (typeof lockfilePath !== 'string' || lockfilePath === '') throw new TypeError('lockfilePath must be a non-empty path');
    this.lockfilePath = resolve(lockfilePath);
    this.#timeoutMs = positive(options.timeoutMs, 'options.timeoutMs', 30_000, true);
    this.#retryDelayMs = positive(options.retryDelayMs, 'options.retryDelayMs', 50);
    this.#staleAfterMs = positive(options.staleAfterMs, 'options.staleAfterMs', 30_000);
    if (options.flock !== undefined && typeof options.flock !== 'boolean') throw new TypeError('options.flock must be a boolean');
    this.#useFlock = options.flock ?? true;
    this.#log = createLogSink(options.logger);
  }

  /** The flock binding to use, saying once (log, and a process warning) when it was wanted but cannot be loaded. */
  #flock(): Flock | undefined {
    const flock = this.#useFlock ? getFlock() : undefined;
    if (this.#flockChecked) return flock;
    this.#flockChecked = true;
    if (!this.#useFlock) {
      this.#log.verbose('cross-process lock: flock disabled by options.flock, O_EXCL only', { flock: 'disabled' });
    } else if (flock === undefined) {
      const missing = flockUnavailable();
      const context = { flock: 'unavailable', reason: missing?.reason ?? 'load_failed', detail: missing?.detail };
      if (missing?.reason === 'platform') {
        this.#log.info('cross-process lock: no flock on this platform, O_EXCL only', context);
      } else {
        this.#log.warning('cross-process lock: flock could not be loaded, O_EXCL only (a flock-only peer such as .NET will not wait for us)', context);
        if (!warnedNoFlock) {
          warnedNoFlock = true;
          process.emitWarning(
            `msal-ts: flock could not be loaded (${missing?.detail ?? 'unknown error'}); the cache lock uses O_EXCL alone, which MSAL .NET does not see`,
            { code: 'MSAL_TS_LOCK_NO_FLOCK' },
          );
        }
      }
    }
    return flock;
  }

  /**
   * Waits for the lock and takes it.
   *
   * @returns a handle whose `release()` (or `await using`) gives the lock back.
   * @throws LockTimeoutError when a live process kept the lock past `timeoutMs`; PersistenceAccessError when the lock
   *   file cannot be created for another reason (a read-only directory).
   */
  async acquire(): Promise<LockHandle> {
    const path = this.lockfilePath;
    const flock = this.#flock();
    const deadline = performance.now() + this.#timeoutMs;
    let recovered = false;
    let blocker: Blocker = { reason: 'holder_alive', why: 'another process holds it', holderPid: undefined };
    for (;;) {
      let created: { handle: FileHandle; nonce: string } | undefined;
      try {
        created = await this.#create(flock, deadline);
      } catch (err) {
        const code = errnoOf(err);
        if (code === 'ENOENT') {
          await ensureDirectory(dirname(path));
          continue;
        }
        // Windows answers EPERM/EACCES for a file pending deletion.
        const busy = code === 'EEXIST' || (process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES'));
        if (!busy) throw err instanceof LockTimeoutError ? err : accessError(path, 'create the lock file', err);
        const next = await this.#judgeAndRecover(flock);
        if (next === 'retry') {
          if (performance.now() >= deadline) throw this.#timeout(blocker);
          continue;
        }
        if (next === 'recovered') {
          recovered = true;
          continue;
        }
        blocker = next;
        if (performance.now() >= deadline) throw this.#timeout(blocker);
        await defaultSleep(Math.min(this.#retryDelayMs * (0.5 + Math.random()), Math.max(1, deadline - performance.now())));
        continue;
      }
      if (recovered) await this.#sweepOrphans();
      return this.#handle(created.handle, created.nonce, flock, recovered);
    }
  }

  /**
   * Reads the lock file that kept us out, and removes it if its holder is proven gone.
   *
   * @returns `retry` when it vanished or changed meanwhile, `recovered` when we removed it, else what blocks us.
   */
  async #judgeAndRecover(flock: Flock | undefined): Promise<'retry' | 'recovered' | Blocker> {
    const path = this.lockfilePath;
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return 'retry';
      const owner = await stat(path).then(
        (st) => st.uid,
        () => undefined,
      );
      const whose = owner === undefined ? '' : `, owned by uid ${owner}`;
      return { reason: 'unreadable', why: `the lock file cannot be read (${errnoOf(err) ?? 'error'})${whose}`, holderPid: undefined, ownerUid: owner };
    }
    let seen: Inspected;
    let verdict: ReturnType<typeof judgeHolder>;
    try {
      const st = await handle.stat({ bigint: true });
      const text = await readFile(handle, 'utf8');
      const content = parseLockContent(text);
      seen = { dev: st.dev, ino: st.ino, text, pid: content.pid };
      verdict = judgeHolder({
        content,
        mtimeMs: Number(st.mtimeNs / 1_000_000n),
        staleAfterMs: this.#staleAfterMs,
        pathHeldHere: heldPaths.has(path),
        flockFree: () => {
          if (flock === undefined || flock.tryExclusive(handle.fd) === 'busy') return flock === undefined ? undefined : false;
          flock.unlock(handle.fd);
          return true;
        },
      });
    } finally {
      await handle.close();
    }
    if (verdict.kind === 'alive') return { reason: 'holder_alive', why: verdict.why, holderPid: seen.pid };
    if (verdict.kind === 'unverifiable') return { reason: 'holder_unverifiable', why: verdict.why, holderPid: seen.pid };
    const result = await takeOver(path, seen, flock, this.#staleAfterMs);
    switch (result.kind) {
      case 'removed':
        this.#log.info('cross-process lock: removed a lock file whose holder is gone', { holderPid: seen.pid, why: verdict.why });
        return 'recovered';
      case 'changed':
        return 'retry';
      case 'busy':
        return { reason: result.flockHeld ? 'holder_alive' : 'holder_unverifiable', why: `${verdict.why}, but ${result.why}`, holderPid: seen.pid };
      case 'not_removable':
        return { reason: 'not_removable', why: `${verdict.why}, but ${result.why}`, holderPid: seen.pid, ownerUid: result.ownerUid };
    }
  }

  /**
   * Creates the lock file, flock'ed and holding our pid, or throws the creation error (EEXIST when held).
   *
   * Where hard links work, the file is prepared under a private name and linked into place (link fails with EEXIST
   * exactly as O_EXCL does), so it never exists empty or unlocked: a holder killed at any moment leaves a file naming
   * its pid, which the dead-pid check recovers at once. Elsewhere, O_EXCL on the path itself.
   */
  async #create(flock: Flock | undefined, deadline: number): Promise<{ handle: FileHandle; nonce: string }> {
    const path = this.lockfilePath;
    const { text: content, nonce } = formatLockContent(flock !== undefined);
    if (this.#useLink) {
      const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      const handle = await open(temp, 'wx', 0o600);
      try {
        if (flock !== undefined) flock.tryExclusive(handle.fd);
        await handle.write(content);
        try {
          heldHere(nonce);
          await link(temp, path);
          heldPaths.add(path);
        } catch (err) {
          releasedHere(nonce);
          const code = errnoOf(err);
          if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err;
          // A file system without hard links (FAT, some network shares): O_EXCL from now on.
          this.#useLink = false;
          await handle.close();
          return await this.#create(flock, deadline);
        }
      } catch (err) {
        await handle.close().catch(() => undefined);
        throw err;
      } finally {
        await unlink(temp).catch(() => undefined);
      }
      return { handle, nonce };
    }
    const handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR, 0o600);
    heldPaths.add(path);
    heldHere(nonce);
    try {
      if (flock !== undefined) {
        // Someone who opens without O_EXCL (.NET, portalocker after its own timeout) may hold flock on our new file.
        while (flock.tryExclusive(handle.fd) === 'busy') {
          if (performance.now() >= deadline) {
            throw this.#timeout({ reason: 'holder_alive', why: 'a process holds flock on the lock file', holderPid: undefined });
          }
          await defaultSleep(this.#retryDelayMs * (0.5 + Math.random()));
        }
      }
      await handle.write(content);
    } catch (err) {
      heldPaths.delete(path);
      releasedHere(nonce);
      await unlink(path).catch(() => undefined);
      await handle.close().catch(() => undefined);
      throw err;
    }
    return { handle, nonce };
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

  #handle(handle: FileHandle, nonce: string, flock: Flock | undefined, recoveredStale: boolean): LockHandle {
    const path = this.lockfilePath;
    let released: Promise<void> | undefined;
    const release = (): Promise<void> =>
      (released ??= (async () => {
        try {
          // Unlink only our own file: if someone wrongly broke our lock, the file at the path is theirs now.
          const [mine, current] = await Promise.all([handle.stat({ bigint: true }), stat(path, { bigint: true }).catch(() => undefined)]);
          if (current !== undefined && current.ino === mine.ino && current.dev === mine.dev) {
            await unlink(path).catch((err: unknown) => {
              if (errnoOf(err) !== 'ENOENT' && errnoOf(err) !== 'EACCES') throw err;
            });
          }
        } finally {
          heldPaths.delete(path);
          releasedHere(nonce);
          if (flock !== undefined) flock.unlock(handle.fd);
          await handle.close();
        }
      })());
    return { recoveredStale, release, [Symbol.asyncDispose]: release };
  }

  #timeout(blocker: Blocker): LockTimeoutError {
    let advice: string;
    switch (blocker.reason) {
      case 'holder_alive':
        advice = 'If no such process is running, delete the lock file; otherwise raise options.timeoutMs';
        break;
      case 'holder_unverifiable':
        advice = 'If its holder is gone, delete the lock file; otherwise raise options.timeoutMs';
        break;
      case 'not_removable':
      case 'unreadable':
        advice = `Ask its owner${blocker.ownerUid === undefined ? '' : ` (uid ${blocker.ownerUid})`} or an administrator to delete it, or use a lock location of your own`;
        break;
    }
    return new LockTimeoutError(this.lockfilePath, `could not acquire the lock ${this.lockfilePath} within ${this.#timeoutMs} ms: ${blocker.why}. ${advice}`, {
      holderPid: blocker.holderPid,
      reason: blocker.reason,
      ownerUid: blocker.ownerUid,
    });
  }

  /**
   * Removes what processes killed mid-operation left next to the lock, once we hold it after a recovery: temporary
   * files `<lock>.<pid>.<hex>.tmp` (a lock being created) and `.<cache>.<pid>.<hex>.tmp` (a save) of pids that no longer
   * run, and takeover breakers `<lock>.<tag>.break<g>` whose creator is gone (they name files no longer at the path,
   * since we hold it). Best effort.
   */
  async #sweepOrphans(): Promise<void> {
    const dir = dirname(this.lockfilePath);
    const lockName = basename(this.lockfilePath);
    const cacheName = lockName.endsWith('.lockfile') ? lockName.slice(0, -'.lockfile'.length) : undefined;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      let rest: string | undefined;
      if (name.startsWith(`${lockName}.`)) rest = name.slice(lockName.length + 1);
      if (rest !== undefined && BREAKER_NAME.test(rest)) {
        await this.#sweepBreaker(join(dir, name));
        continue;
      }
      if (rest === undefined && cacheName !== undefined && name.startsWith(`.${cacheName}.`)) rest = name.slice(cacheName.length + 2);
      const match = rest === undefined ? null : /^(\d+)\.[0-9a-f]+\.tmp$/.exec(rest);
      if (match?.[1] === undefined) continue;
      const pid = Number(match[1]);
      if (pid === process.pid || holderState(pid, 0).state !== 'dead') continue;
      await unlink(join(dir, name)).catch(() => undefined);
    }
  }

  async #sweepBreaker(path: string): Promise<void> {
    try {
      const st = await stat(path);
      const verdict = judgeHolder({
        content: parseLockContent(await readFile(path, 'utf8')),
        mtimeMs: st.mtimeMs,
        staleAfterMs: this.#staleAfterMs,
        pathHeldHere: false,
        flockFree: () => undefined,
      });
      if (verdict.kind === 'gone') await unlink(path);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}
