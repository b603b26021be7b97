/**
 * The file operations every persistence shares: atomic replace (temp file, fsync, rename in the same directory), reads
 * that map ENOENT to {@link PersistenceNotFoundError}, a synchronous `stat` for change checks, a signal-file touch, and
 * the symbolic-link check both writes make.
 */
import { randomBytes } from 'node:crypto';
import {
  close as closeFd,
  closeSync,
  constants as fsConstants,
  fstat,
  fstatSync,
  open as openFd,
  openSync,
  read as readFd,
  readSync,
  statSync,
  type BigIntStats,
  type Stats,
} from 'node:fs';
import { lstat, mkdir, open, readlink, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CacheTooLargeError, PersistenceAccessError, PersistenceNotFoundError } from '../errors.js';
import type { PersistenceStamp } from './persistence.js';
import { defaultSleep } from '../util/sleep.js';

/** The system error code of a Node.js error (`ENOENT`, `EACCES`, ...), when it has one. */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** A {@link PersistenceAccessError} for a failed file operation, with a message that says what to do. */
export function accessError(location: string, action: string, err: unknown): PersistenceAccessError {
  const errno = errnoOf(err);
  let hint: string;
  switch (errno) {
    case 'EACCES':
    case 'EPERM':
      hint = ': permission denied; give this user write access to the directory or choose another location';
      break;
    case 'EROFS':
      hint = ': the file system is read-only; choose a writable location';
      break;
    case 'ENOTDIR':
      hint = ': a parent of the path is a file, not a directory';
      break;
    case 'EISDIR':
      hint = ': the path is a directory; give a file path';
      break;
    case 'ENOSPC':
    case 'EDQUOT':
      hint = ': the disk is full or over quota';
      break;
    default:
      hint = errno === undefined ? '' : ` (${errno})`;
  }
  return new PersistenceAccessError(location, `cannot ${action} ${location}${hint}`, { cause: err, errno });
}

/** The not-found error of a persistence that has nothing stored. */
export function notFound(location: string, what = 'Persistence'): PersistenceNotFoundError {
  return new PersistenceNotFoundError(location, `${what} not initialized at ${location}: nothing was saved yet (save() creates it)`);
}

/**
 * One synchronous `stat` of `path`, or `undefined` when it does not exist.
 *
 * @throws PersistenceAccessError on other failures.
 */
export function statStamp(path: string): PersistenceStamp | undefined {
  let st: BigIntStats | undefined;
  try {
    st = statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch (err) {
    throw accessError(path, 'examine', err);
  }
  if (st === undefined) return undefined;
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

/**
 * The mtime of `path` in milliseconds since the epoch (to the microsecond; Python gives seconds), as
 * `Persistence.timeLastModified` reports it.
 *
 * @param what - Names the persistence in the not-found error.
 * @throws PersistenceNotFoundError when `path` does not exist; PersistenceAccessError on other failures.
 */
export function mtimeMs(path: string, what?: string): number {
  const stamp = statStamp(path);
  if (stamp === undefined) throw notFound(path, what);
  return Number(stamp.mtimeNs / 1000n) / 1000;
}

/** Creates `dir` and its missing parents with mode 0700 (existing directories keep their mode). */
export async function ensureDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw accessError(dir, 'create the directory', err);
  }
}

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * How far ahead of the wall clock to date the new file's mtime, in milliseconds (0: leave the kernel's). See
   * docs/extensions.md, "The mtime trap".
   */
  mtimeLeadMs: number;
}

/** Most links followed from one path, as the kernel's own limit (MAXSYMLINKS). */
const MAX_LINK_HOPS = 40;

/**
 * The file a write to `path` must replace: `path` itself, or where its chain of symbolic links ends (existing or not).
 * Every link on the way must be one another user cannot have planted or swapped: owned by us (or root), in a
 * directory that is not world-writable. That is stricter than the kernel's `protected_symlinks` rule, which a
 * userland walk (the temp-file-and-rename dance cannot open the path itself) would otherwise sidestep.
 *
 * @throws PersistenceAccessError naming `path` when a link is not trusted, the chain is too long, or a link cannot be
 *   examined.
 */
async function writeTarget(path: string): Promise<string> {
  let current = path;
  for (let hops = 0; hops <= MAX_LINK_HOPS; hops++) {
    let st;
    try {
      st = await lstat(current);
    } catch (err) {
      const errno = errnoOf(err);
      // Not there (yet): the write creates it, or reports a parent that is a file.
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return current;
      throw accessError(path, 'examine', err);
    }
    if (!st.isSymbolicLink()) return current;
    await checkLinkTrusted(path, current, st.uid);
    let text: string;
    try {
      text = await readlink(current);
    } catch (err) {
      throw accessError(path, 'examine', err);
    }
    current = resolve(dirname(current), text);
  }
  throw new PersistenceAccessError(path, `cannot write ${path}: more than ${MAX_LINK_HOPS} symbolic links to follow`, { errno: 'ELOOP' });
}

async function checkLinkTrusted(path: string, link: string, owner: number): Promise<void> {
  // No uids nor POSIX directory modes on Windows: its symbolic links need a privilege to create anyway.
  const me = process.geteuid?.();
  if (me === undefined) return;
  const refuse = (why: string): PersistenceAccessError =>
    new PersistenceAccessError(
      path,
      `refusing to write ${path} through the symbolic link ${link}: ${why}, so another user could point it at a file of ` +
        "yours; remove the link, or point the persistence at the link's target",
    );
  if (owner !== me && owner !== 0) throw refuse(`the link belongs to uid ${owner}, not to this user`);
  let dir;
  try {
    dir = await stat(dirname(link));
  } catch (err) {
    throw accessError(path, 'examine', err);
  }
  if ((dir.mode & 0o002) !== 0) throw refuse('it sits in a world-writable directory');
}

/**
 * Replaces `path` with `data` atomically: a reader sees the old file or the new one, never a mix. The new file has
 * mode 0600; missing parent directories are created 0700. A symbolic link at `path` is followed (the link stays, its
 * target is replaced) only when {@link writeTarget} trusts it.
 *
 * @throws PersistenceAccessError when the directory or file cannot be written, or a link on the way is not trusted.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const target = await writeTarget(path);
  const dir = dirname(target);
  await ensureDirectory(dir);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', 0o600);
    await handle.writeFile(data);
    await handle.sync();
    if (options.mtimeLeadMs > 0) {
      // Random microseconds keep two writes in the same millisecond from sharing an mtime.
      const mtime = (Date.now() + options.mtimeLeadMs + Math.random()) / 1000;
      await handle.utimes(mtime, mtime);
    }
    await handle.close();
    handle = undefined;
    await renameReplacing(temp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw accessError(path, 'write', err);
  }
}

/** Windows refuses to replace a file another process has open without FILE_SHARE_DELETE: retry briefly. */
async function renameReplacing(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (err) {
      const code = errnoOf(err);
      if (process.platform !== 'win32' || attempt >= 20 || (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY')) {
        throw err;
      }
      await defaultSleep(10 + attempt * 10);
    }
  }
}

/**
 * Reads `path` whole, or refuses it when it is larger than `maxBytes`: judged first by its size (one `fstat`, nothing
 * read), then by reading at most one byte more than the limit, since the file may grow after the `fstat`.
 *
 * @throws PersistenceNotFoundError when it does not exist; CacheTooLargeError over `maxBytes`; PersistenceAccessError
 *   on other failures.
 */
export async function readFileOrNotFound(path: string, what?: string, maxBytes?: number): Promise<Buffer> {
  // node:fs's callback API rather than node:fs/promises: reading the cache is the first thing a short-lived process
  // does, and node:fs is loaded already where node:fs/promises (with the streams it pulls in) is not.
  let fd: number | undefined;
  try {
    const small = readSmallFileSync(path, maxBytes);
    if (small !== undefined) return small;
    fd = await call<number>((done) => openFd(path, 'r', done));
    const handle = fd;
    const { size } = await call<Stats>((done) => fstat(handle, done));
    if (maxBytes !== undefined && size > maxBytes) throw new CacheTooLargeError(path, size, maxBytes);
    const limit = maxBytes ?? Number.MAX_SAFE_INTEGER;
    // One read for a regular file; 64 KiB steps when the size says nothing (a pipe, a file that grows).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(Math.max(size - total, 65_536), limit - total + 1));
      const bytesRead = await call<number>((done) => readFd(handle, buffer, 0, buffer.length, null, done));
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > limit) throw new CacheTooLargeError(path, total, limit);
      chunks.push(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
    }
    return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof CacheTooLargeError) throw err;
    if (errnoOf(err) === 'ENOENT') throw notFound(path, what);
    throw accessError(path, 'read', err);
  } finally {
    if (fd !== undefined) closeFd(fd, () => undefined);
  }
}

/** The largest file {@link readSmallFileSync} reads. */
export const SYNC_READ_MAX_BYTES = 256 * 1024;

/**
 * Reads a regular file of at most {@link SYNC_READ_MAX_BYTES} synchronously; undefined for anything else (larger,
 * grown since its `fstat`, not a regular file), which the caller reads asynchronously.
 *
 * Why: an asynchronous read is five trips through libuv's thread pool (open, fstat, two reads, close), and the first
 * one in a process starts the pool's threads: measured on Node 20, about 3 ms and 80 page faults of a fresh process
 * that serves one token from a persisted cache, more than the read itself. A cache file this small is read from the
 * page cache in well under a millisecond, which the event loop can spare, as it spares the synchronous `stat` of
 * every cache hit ({@link statStamp}). The file is opened non-blocking, so a FIFO in its place (whose open would wait
 * for a writer) is seen and left to the asynchronous read.
 *
 * @throws what `open`, `fstat` and `read` throw; CacheTooLargeError over `maxBytes`.
 */
function readSmallFileSync(path: string, maxBytes: number | undefined): Buffer | undefined {
  const fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const stats = fstatSync(fd);
    const size = stats.size;
    if (!stats.isFile() || size > SYNC_READ_MAX_BYTES) return undefined;
    if (maxBytes !== undefined && size > maxBytes) throw new CacheTooLargeError(path, size, maxBytes);
    // One byte more than the size: a read that fills the buffer means the file grew after the fstat.
    const buffer = Buffer.allocUnsafe(size + 1);
    let total = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, total, buffer.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total === buffer.length) return undefined;
    }
    return buffer.subarray(0, total);
  } finally {
    closeSync(fd);
  }
}

/** A node:fs callback call as a promise. */
function call<T>(start: (done: (err: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((err, value) => (err === null ? resolve(value) : reject(err))));
}

/**
 * Updates a signal file's mtime (creating it empty, mode 0600, when missing), dated `mtimeLeadMs` ahead like
 * {@link writeFileAtomic}'s files. Symbolic links are followed as {@link writeTarget} allows.
 *
 * @throws PersistenceAccessError when it cannot be created or touched, or a link on the way is not trusted.
 */
export async function touchFile(path: string, mtimeLeadMs: number): Promise<void> {
  const target = await writeTarget(path);
  await ensureDirectory(dirname(target));
  let handle: FileHandle | undefined;
  try {
    handle = await open(target, 'a', 0o600);
    const mtime = (Date.now() + Math.max(0, mtimeLeadMs) + Math.random()) / 1000;
    await handle.utimes(mtime, mtime);
  } catch (err) {
    throw accessError(path, 'touch', err);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
