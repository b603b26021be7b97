/**
 * The Windows {@link Flock}: LockFileEx, the lock portalocker (MSAL Python's lock on Windows) takes on the lock file.
 * Like flock, the system drops it when the holder's handle closes, so also when the holder is killed.
 */
import { loadKoffi, type NativeFunction } from './native.js';
import type { Flock, FlockResult } from './flock.js';

const LOCKFILE_FAIL_IMMEDIATELY = 0x1;
const LOCKFILE_EXCLUSIVE_LOCK = 0x2;
const ERROR_LOCK_VIOLATION = 33;
const ERROR_IO_PENDING = 997;

// One byte, far past the lock file's content (a pid and an identity line): real Windows enforces byte-range locks on
// reads, and waiters must still read the holder's pid. It lies inside the range portalocker locks (offset 0, length
// 0xFFFF0000), so portalocker and msal-ts exclude each other.
const LOCK_OFFSET = 0xfffe0000;
const LOCK_LENGTH = 1;

/**
 * Binds LockFileEx/UnlockFileEx from kernel32 and `uv_get_osfhandle` from node.exe itself: Node's fds are libuv's, so
 * the C runtime's `_get_osfhandle` (another CRT) does not know them.
 *
 * @throws whatever koffi throws when a library or symbol cannot be loaded.
 */
export function loadLockFileEx(): Flock {
  const koffi = loadKoffi();
  const kernel32 = koffi.load('kernel32.dll');
  koffi.struct('MSAL_TS_OVERLAPPED', {
    Internal: 'uintptr_t',
    InternalHigh: 'uintptr_t',
    Offset: 'uint32_t',
    OffsetHigh: 'uint32_t',
    hEvent: 'void *',
  });
  const lockFileEx: NativeFunction = kernel32.func(
    'int __stdcall LockFileEx(void *file, uint32_t flags, uint32_t reserved, uint32_t lengthLow, uint32_t lengthHigh, MSAL_TS_OVERLAPPED *overlapped)',
  );
  const unlockFileEx: NativeFunction = kernel32.func(
    'int __stdcall UnlockFileEx(void *file, uint32_t reserved, uint32_t lengthLow, uint32_t lengthHigh, MSAL_TS_OVERLAPPED *overlapped)',
  );
  const getLastError: NativeFunction = kernel32.func('uint32_t __stdcall GetLastError()');
  const osHandle: NativeFunction = koffi.load(process.execPath).func('void *uv_get_osfhandle(int fd)');
  const overlapped = (): Record<string, unknown> => ({ Internal: 0, InternalHigh: 0, Offset: LOCK_OFFSET, OffsetHigh: 0, hEvent: null });
  const handleOf = (fd: number): unknown => {
    const handle = osHandle(fd);
    if (handle === null) throw Object.assign(new Error(`fd ${fd} has no Windows handle`), { errno: 6 /* ERROR_INVALID_HANDLE */ });
    return handle;
  };
  return {
    tryExclusive(fd: number): FlockResult {
      const flags = LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY;
      if (lockFileEx(handleOf(fd), flags, 0, LOCK_LENGTH, 0, overlapped()) !== 0) return 'locked';
      const error = Number(getLastError());
      if (error === ERROR_LOCK_VIOLATION || error === ERROR_IO_PENDING) return 'busy';
      throw Object.assign(new Error(`LockFileEx failed with Win32 error ${error}`), { errno: error });
    },
    unlock(fd: number): void {
      unlockFileEx(handleOf(fd), 0, LOCK_LENGTH, 0, overlapped());
    },
  };
}
