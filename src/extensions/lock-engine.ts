/**
 * The work of {@link CrossPlatLock} (cross-plat-lock.ts): taking the lock file, judging and recovering one a dead
 * process left, releasing it. A lock loads this module at its first `acquire()`: a process that only reads a persisted
 * cache never takes the lock, and so never loads this code, the takeover, flock or the process checks (issue 17: about
 * 3 million of the instructions a fresh process spent on Node 20 to serve one token from a persisted cache).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, readdir, readFile, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LockTimeoutError, type LockTimeoutReason } from '../errors.js';
import type { LogSink } from '../logger.js';
import type { LockHandle } from './cross-plat-lock.js';
import { accessError, ensureDirectory, errnoOf } from './file-io.js';
import { flockUnavailable, getFlock, type Flock } from './flock.js';
import { formatLockContent, heldHere, judgeHolder, parseLockContent, releasedHere } from './lock-holder.js';
import { BREAKER_NAME, takeOver, type SeenLock } from './lock-takeover.js';
import { holderState } from './process-liveness.js';
import { defaultSleep } from '../util/sleep.js';

/** A lock's options, checked by its constructor (cross-plat-lock.ts). */
export interface LockSettings {
  readonly timeoutMs: number;
  readonly retryDelayMs: number;
  readonly staleAfterMs: number;
  readonly useFlock: boolean;
  readonly log: LogSink;
}

/** Lock paths held by this process: a peer's file (no identity line) naming our pid but not held is an earlier process's. */
const heldPaths = new Set<string>();

/** `process.emitWarning` once per process, not once per lock. */
let warnedNoFlock = false;

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

/** One {@link CrossPlatLock}'s acquisitions of its lock file (the lock creates it once, at its first acquire). */
export class LockEngine {
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

  constructor(lockfilePath: string, settings: LockSettings) {
    this.lockfilePath = lockfilePath;
    this.#timeoutMs = settings.timeoutMs;
    this.#retryDelayMs = settings.retryDelayMs;
    this.#staleAfterMs = settings.staleAfterMs;
    this.#useFlock = settings.useFlock;
    this.#log = settings.log;
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

  /** Takes the lock by `deadline` (a `performance.now()` time): see {@link CrossPlatLock.acquire}. */
  async acquire(deadline: number): Promise<LockHandle> {
    const path = this.lockfilePath;
    const flock = this.#flock();
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
