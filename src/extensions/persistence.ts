/**
 * The persistence contract shared by every store (a plain file, libsecret, Keychain, DPAPI), as msal-extensions'
 * `BasePersistence`, in TypeScript idiom: content I/O is async; the change check is one synchronous `stat`, so that a
 * persisted cache's hit pays no `await`.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

/**
 * What one `stat` of a persistence's file says, enough to tell a change without reading it: an atomic rename gives a
 * new inode, an in-place write a new size or modification time (nanoseconds), and any change a new ctime.
 */
export interface PersistenceStamp {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** Options of {@link Persistence.load}. */
export interface PersistenceLoadOptions {
  /**
   * Largest content accepted, in bytes. A persistence that reads a file checks its size first and stops reading past
   * the limit (the file may grow meanwhile), throwing `CacheTooLargeError`; one that cannot (a keyring) may ignore it,
   * and its caller checks the text.
   */
  maxBytes?: number | undefined;
}

/** Checks a `maxBytes`-like option: a positive safe integer, or `undefined`. */
export function checkMaxBytes(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer number of bytes`);
  }
  return value;
}

/**
 * A place a token cache (or any text) is kept. Implemented by {@link FilePersistence}, {@link LibsecretPersistence},
 * {@link KeychainPersistence} and {@link FilePersistenceWithDataProtection}; a custom store implements the same five
 * members.
 */
export interface Persistence {
  /** The file this persistence writes: the data file, or the signal file of a keyring store. Absolute. */
  readonly location: string;
  /** Whether the content is encrypted at rest (false only for {@link FilePersistence}). */
  readonly isEncrypted: boolean;
  /**
   * Replaces the stored content.
   *
   * @throws PersistenceAccessError, PersistenceEncryptionError, PersistenceUnavailableError
   */
  save(content: string): Promise<void>;
  /**
   * The stored content.
   *
   * @param options - a size limit; see {@link PersistenceLoadOptions}.
   * @throws PersistenceNotFoundError when nothing was saved yet; CacheTooLargeError over `options.maxBytes`;
   *   PersistenceDecryptionError, PersistenceAccessError, PersistenceUnavailableError
   */
  load(options?: PersistenceLoadOptions): Promise<string>;
  /**
   * When the content last changed, in milliseconds since the epoch (the file's or signal file's mtime). Synchronous:
   * one `stat`.
   *
   * @throws PersistenceNotFoundError when nothing was saved yet; PersistenceAccessError
   */
  timeLastModified(): number;
  /**
   * The `stat` of {@link location}, or `undefined` when it does not exist. Synchronous: one `stat`, no read.
   *
   * @throws PersistenceAccessError when the file cannot be examined (permissions, not a directory)
   */
  stamp(): PersistenceStamp | undefined;
}

/** Whether two stamps describe the same unchanged file. */
export function sameStamp(a: PersistenceStamp, b: PersistenceStamp): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes: msal-extensions' default schema and account names. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * An absolute path from a caller's location, with a leading `~` expanded as Python's `os.path.expanduser` does.
 *
 * @throws TypeError naming `name` when the location is not a non-empty string.
 */
export function resolveLocation(location: unknown, name: string): string {
  if (typeof location !== 'string' || location.trim() === '') throw new TypeError(`${name} must be a non-empty file path`);
  if (location.includes('\0')) throw new TypeError(`${name} must not contain NUL characters`);
  let path = location;
  if (path === '~' || path.startsWith('~/') || (process.platform === 'win32' && path.startsWith('~\\'))) {
    path = homedir() + path.slice(1);
  }
  return resolve(path);
}
