/**
 * The cross-process lock MSAL Python (msal-extensions), msal-node-extensions and MSAL .NET take around a shared cache:
 * a `<cache>.lockfile` created with O_CREAT|O_EXCL (mode 0600) holding `"<pid> <argv[1]>"`, flock'ed where flock
 * exists, released by unlink. Unlike those peers, a lock left by a dead process is recovered (docs/extensions.md).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, readdir, readFile, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LockTimeoutError } from '../errors.js';
import { accessError, ensureDirectory, errnoOf } from './file-io.js';
import { getFlock, type Flock } from './flock.js';
import { holderState } from './process-liveness.js';
import { CROSS_PLAT_LOCK_OPTIONS } from './option-shapes.js';
import { checkOptionKeys } from '../util/options.js';

/** Options of {@link CrossPlatLock}. */
export interface CrossPlatLockOptions {
  /** Give up after this many milliseconds with a {@link LockTimeoutError}. Default 30000. */
  timeoutMs?: number | undefined;
  /** Wait between attempts, in milliseconds, randomized by ±50% so waiters do not retry in step. Default 50. */
  retryDelayMs?: number | undefined;
  /**
   * Age in milliseconds after which a lock file is presumed abandoned when its holder cannot be proven dead: the file
   * names no pid, or names a live pid on a platform where pid reuse cannot be ruled out. Default 30000. A lock whose
   * holder is proven dead is recovered at once, whatever its age.
   */
  staleAfterMs?: number | undefined;
  /** Also hold flock(LOCK_EX) on the lock file where available, as .NET and portalocker do. Default true. */
  flock?: boolean | undefined;
}

/** A held lock. Release it once; `await using` releases it on scope exit. */
export interface LockHandle {
  /** Whether this acquisition removed a lock file left by a dead process. */
  readonly recoveredStale: boolean;
  /** Releases the lock (unlink, unlock, close). Idempotent. */
  release(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Lock files held by this process, so a file naming our own pid but not held is known stale (a reused pid). */
const heldHere = new Set<string>();

function positive(value: unknown, name: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds`);
  }
  return value;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Seen {
  readonly pid: number | undefined;
  readonly ino: bigint;
  readonly mtimeMs: number;
  readonly stale: boolean;
}

/**
 * MSAL Python's `CrossPlatLock`, interoperable with msal-extensions (both its modes), msal-node-extensions and .NET.
 *
 * Recovery of a lock left by a dead process: a waiter reads the pid in the lock file; when no such process runs on
 * this host (or, on Linux, it is a zombie or a newer process that reused the pid), and no process holds flock on the
 * file, the waiter deletes it and retries at once. A live holder's lock is never broken by a pid check; where pid reuse
 * cannot be ruled out, or the file names no pid, the file must also be older than `staleAfterMs`.
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
    const flock = this.#useFlock ? getFlock() : undefined;
    const deadline = performance.now() + this.#timeoutMs;
    let recovered = false;
    let lastHolder: number | undefined;
    for (;;) {
      let handle: FileHandle | undefined;
      try {
        handle = await this.#create(flock, deadline);
      } catch (err) {
        const code = errnoOf(err);
        if (code === 'ENOENT') {
          await ensureDirectory(dirname(path));
          continue;
        }
        // Windows answers EPERM/EACCES for a file pending deletion.
        const busy = code === 'EEXIST' || (process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES'));
        if (!busy) throw err instanceof LockTimeoutError ? err : accessError(path, 'create the lock file', err);
        const seen = await this.#inspect();
        if (seen === undefined) continue;
        lastHolder = seen.pid;
        if (seen.stale && (await this.#breakStale(seen, flock))) {
          if (!recovered) await this.#sweepOrphans();
          recovered = true;
          continue;
        }
        if (performance.now() >= deadline) throw this.#timeout(lastHolder);
        await sleep(this.#retryDelayMs * (0.5 + Math.random()));
        continue;
      }
      return this.#handle(handle, flock, recovered);
    }
  }

  /**
   * Creates the lock file, flock'ed and holding our pid, or throws the creation error (EEXIST when held).
   *
   * Where hard links work, the file is prepared under a private name and linked into place (link fails with EEXIST
   * exactly as O_EXCL does), so it never exists empty or unlocked: a holder killed at any moment leaves a file naming
   * its pid, which the dead-pid check recovers at once. Elsewhere, O_EXCL on the path itself.
   */
  async #create(flock: Flock | undefined, deadline: number): Promise<FileHandle> {
    const path = this.lockfilePath;
    const content = `${process.pid} ${process.argv[1] ?? ''}`;
    if (this.#useLink) {
      const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      const handle = await open(temp, 'wx', 0o600);
      try {
        if (flock !== undefined) flock.tryExclusive(handle.fd);
        await handle.write(content);
        try {
          await link(temp, path);
          heldHere.add(path);
        } catch (err) {
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
      return handle;
    }
    const handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR, 0o600);
    heldHere.add(path);
    try {
      if (flock !== undefined) {
        // Someone who opens without O_EXCL (.NET, portalocker after its own timeout) may hold flock on our new file.
        while (flock.tryExclusive(handle.fd) === 'busy') {
          if (performance.now() >= deadline) throw this.#timeout(undefined);
          await sleep(this.#retryDelayMs * (0.5 + Math.random()));
        }
      }
      await handle.write(content);
    } catch (err) {
      heldHere.delete(path);
      await unlink(path).catch(() => undefined);
      await handle.close().catch(() => undefined);
      throw err;
    }
    return handle;
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

  #handle(handle: FileHandle, flock: Flock | undefined, recoveredStale: boolean): LockHandle {
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
          heldHere.delete(path);
          if (flock !== undefined) flock.unlock(handle.fd);
          await handle.close();
        }
      })());
    return { recoveredStale, release, [Symbol.asyncDispose]: release };
  }

  #timeout(holder: number | undefined): LockTimeoutError {
    const who = holder === undefined ? 'another process holds it' : `process ${holder} holds it and is alive`;
    return new LockTimeoutError(
      this.lockfilePath,
      `could not acquire the lock ${this.lockfilePath} within ${this.#timeoutMs} ms: ${who}. ` +
        'If no such process is running, delete the lock file; otherwise raise options.timeoutMs',
      holder,
    );
  }

  /**
   * Removes the temporary files a process killed mid-write left next to the lock: `<lock>.<pid>.<hex>.tmp` (a lock
   * being created) and `.<cache>.<pid>.<hex>.tmp` (a save), for pids that no longer run. Best effort.
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
      else if (cacheName !== undefined && name.startsWith(`.${cacheName}.`)) rest = name.slice(cacheName.length + 2);
      const match = rest === undefined ? null : /^(\d+)\.[0-9a-f]+\.tmp$/.exec(rest);
      if (match?.[1] === undefined) continue;
      const pid = Number(match[1]);
      if (pid === process.pid || holderState(pid, 0).state !== 'dead') continue;
      await unlink(join(dir, name)).catch(() => undefined);
    }
  }

  /** Reads the current lock file and judges it, or `undefined` when it vanished meanwhile. */
  async #inspect(): Promise<Seen | undefined> {
    const path = this.lockfilePath;
    let text: string;
    let ino: bigint;
    let mtimeMs: number;
    try {
      const st = await stat(path, { bigint: true });
      ino = st.ino;
      mtimeMs = Number(st.mtimeNs / 1_000_000n);
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return undefined;
      // Unreadable (another user's file, Windows sharing): treat as held.
      return { pid: undefined, ino: 0n, mtimeMs: Date.now(), stale: false };
    }
    const match = /^\s*(\d+)(?:\s|$)/.exec(text);
    const pid = match?.[1] === undefined ? undefined : Number(match[1]);
    const old = Date.now() - mtimeMs > this.#staleAfterMs;
    let stale: boolean;
    if (pid === undefined || pid <= 0 || !Number.isSafeInteger(pid)) {
      stale = old;
    } else if (pid === process.pid) {
      // Our own pid but not held by us: written by an earlier process that had the same pid.
      stale = !heldHere.has(path);
    } else {
      const holder = holderState(pid, mtimeMs);
      stale = holder.state === 'dead' || (!holder.reuseChecked && old);
    }
    return { pid, ino, mtimeMs, stale };
  }

  /**
   * Deletes a stale lock file, unless it changed since it was judged or a live process holds flock on it. With flock,
   * the deletion itself is done under flock, so two recovering waiters cannot delete each other's fresh lock.
   *
   * @returns whether to retry at once (deleted, or already gone or replaced).
   */
  async #breakStale(seen: Seen, flock: Flock | undefined): Promise<boolean> {
    const path = this.lockfilePath;
    if (flock === undefined) {
      const now = await stat(path, { bigint: true }).catch(() => undefined);
      if (now === undefined) return true;
      if (now.ino !== seen.ino || Number(now.mtimeNs / 1_000_000n) !== seen.mtimeMs) return true;
      await unlink(path).catch(() => undefined);
      return true;
    }
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY);
    } catch {
      return true;
    }
    try {
      if (flock.tryExclusive(handle.fd) === 'busy') return false;
      const [held, now] = await Promise.all([handle.stat({ bigint: true }), stat(path, { bigint: true }).catch(() => undefined)]);
      if (now === undefined || now.ino !== held.ino || held.ino !== seen.ino) return true;
      if (Number(held.mtimeNs / 1_000_000n) !== seen.mtimeMs) return true;
      await unlink(path).catch(() => undefined);
      return true;
    } finally {
      await handle.close();
    }
  }
}
