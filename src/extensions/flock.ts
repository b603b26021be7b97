/**
 * flock(2) through koffi, the advisory lock .NET's `FileShare.None` and portalocker (MSAL Python's lock) take on the
 * lock file, on Linux (glibc or musl) and macOS; on Windows the same role is played by LockFileEx (lock-file-ex.ts),
 * behind the same {@link Flock} interface. Elsewhere, or when koffi or the library cannot be loaded, it is reported
 * unavailable, with the reason, and the lock relies on O_EXCL alone.
 */
import { loadLockFileEx } from './lock-file-ex.js';
import { loadLibrary, loadKoffi, type NativeFunction } from './native.js';

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

/** The outcome of a non-blocking flock (or LockFileEx) attempt. */
export type FlockResult = 'locked' | 'busy';

/** A loaded flock binding, or on Windows a LockFileEx one. */
export interface Flock {
  /** Tries LOCK_EX|LOCK_NB on `fd`. Throws on errors other than "held by someone else". */
  tryExclusive(fd: number): FlockResult;
  /** Releases the flock held on `fd` (closing the fd does it too). */
  unlock(fd: number): void;
}

const LIBC: Partial<Record<NodeJS.Platform, readonly string[]>> = {
  linux: ['libc.so.6', 'libc.musl-x86_64.so.1', 'libc.musl-aarch64.so.1', 'libc.so'],
  darwin: ['/usr/lib/libSystem.B.dylib'],
  freebsd: ['libc.so.7'],
};

let binding: Flock | null | undefined;
let missing: FlockUnavailable | undefined;

/** Why there is no flock: `platform` (none exists here) or `load_failed` (koffi, libc or kernel32 failed to load). */
export interface FlockUnavailable {
  readonly reason: 'platform' | 'load_failed';
  /** The load error's message, for a log line. */
  readonly detail: string;
}

/** Why {@link getFlock} returned `undefined`, once it has been called; else `undefined`. */
export function flockUnavailable(): FlockUnavailable | undefined {
  return missing;
}

/**
 * The flock binding, or `undefined` where there is none (see {@link flockUnavailable} for why). Loaded once, on first
 * use.
 */
export function getFlock(): Flock | undefined {
  if (binding !== undefined) return binding ?? undefined;
  if (process.platform === 'win32') {
    try {
      binding = loadLockFileEx();
    } catch (err) {
      binding = null;
      missing = { reason: 'load_failed', detail: err instanceof Error ? err.message : 'unknown error' };
    }
    return binding ?? undefined;
  }
  const candidates = LIBC[process.platform];
  if (candidates === undefined) {
    binding = null;
    missing = { reason: 'platform', detail: `no flock on ${process.platform}` };
    return undefined;
  }
  try {
    const koffi = loadKoffi();
    const flock: NativeFunction = loadLibrary(candidates, 'libc').func('int flock(int fd, int operation)');
    // EWOULDBLOCK: 11 on Linux, 35 on macOS and the BSDs.
    const wouldBlock = process.platform === 'linux' ? 11 : 35;
    binding = {
      tryExclusive(fd: number): FlockResult {
        for (;;) {
          if (flock(fd, LOCK_EX | LOCK_NB) === 0) return 'locked';
          const errno = koffi.errno();
          if (errno === wouldBlock) return 'busy';
          if (errno !== 4 /* EINTR */) throw Object.assign(new Error(`flock failed with errno ${errno}`), { errno });
        }
      },
      unlock(fd: number): void {
        flock(fd, LOCK_UN);
      },
    };
  } catch (err) {
    binding = null;
    missing = { reason: 'load_failed', detail: err instanceof Error ? err.message : 'unknown error' };
  }
  return binding ?? undefined;
}
