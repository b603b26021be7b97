/**
 * MSAL Python's `FilePersistence`: a plaintext file, mode 0600, replaced atomically on every save.
 */
import { mtimeMs, readFileOrNotFound, statStamp, touchFile, writeFileAtomic } from './file-io.js';
import { checkMaxBytes, resolveLocation, type Persistence, type PersistenceLoadOptions, type PersistenceStamp } from './persistence.js';
import { FILE_PERSISTENCE_OPTIONS } from './option-shapes.js';
import { checkOptionKeys } from '../util/options.js';

/**
 * Default lead, in milliseconds, by which a save dates the file's mtime ahead of the wall clock, so that readers that
 * compare the mtime with their own last-sync time (msal-extensions, msal-node-extensions) never miss the write. See
 * docs/extensions.md, "The mtime trap".
 */
export const DEFAULT_MTIME_LEAD_MS = 2000;

/** Options of {@link FilePersistence}. */
export interface FilePersistenceOptions {
  /**
   * How far ahead of the wall clock a save dates the file's mtime, in milliseconds. Default
   * {@link DEFAULT_MTIME_LEAD_MS}; 0 keeps the kernel's time (safe only when no msal-extensions or msal-node-extensions
   * process shares the file).
   */
  mtimeLeadMs?: number | undefined;
}

/** Checks an `mtimeLeadMs` option. */
export function checkMtimeLead(value: unknown, name: string): number {
  if (value === undefined) return DEFAULT_MTIME_LEAD_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 60_000) {
    throw new RangeError(`${name} must be a number of milliseconds between 0 and 60000`);
  }
  return value;
}

/**
 * A plaintext file. Saves write a temporary file in the same directory (mode 0600), fsync it, and rename it over the
 * target, so a reader never sees a torn file; missing parent directories are created with mode 0700. `~` is expanded.
 *
 * @example
 * ```ts
 * const persistence = new FilePersistence('~/.myapp/token_cache.json');
 * const cache = new PersistedTokenCache(persistence);
 * ```
 */
export class FilePersistence implements Persistence {
  readonly location: string;
  readonly isEncrypted: boolean = false;
  readonly #mtimeLeadMs: number;

  /**
   * @param location - the file path (`~` expanded, made absolute). No I/O happens here.
   * @param options - see {@link FilePersistenceOptions}.
   * @throws TypeError when `location` is not a non-empty string; RangeError for a bad option.
   */
  constructor(location: string, options: FilePersistenceOptions = {}) {
    checkOptionKeys(options, FILE_PERSISTENCE_OPTIONS);
    this.location = resolveLocation(location, 'location');
    this.#mtimeLeadMs = checkMtimeLead(options.mtimeLeadMs, 'options.mtimeLeadMs');
  }

  /** @inheritDoc Persistence.save */
  async save(content: string): Promise<void> {
    if (typeof content !== 'string') throw new TypeError('content must be a string');
    await writeFileAtomic(this.location, content, { mtimeLeadMs: this.#mtimeLeadMs });
  }

  /** @inheritDoc Persistence.load */
  async load(options: PersistenceLoadOptions = {}): Promise<string> {
    const maxBytes = checkMaxBytes(options.maxBytes, 'options.maxBytes');
    // UTF-8, Buffer's default: toString() without arguments takes Node's short path (with one, a process that loads
    // one cache compiles node:buffer's encoding table).
    return (await readFileOrNotFound(this.location, undefined, maxBytes)).toString();
  }

  /** @inheritDoc Persistence.timeLastModified */
  timeLastModified(): number {
    return mtimeMs(this.location);
  }

  /** @inheritDoc Persistence.stamp */
  stamp(): PersistenceStamp | undefined {
    return statStamp(this.location);
  }

  /**
   * Updates the file's mtime without changing its content, creating it empty (mode 0600) when missing, as Python's
   * `touch()`.
   *
   * @throws PersistenceAccessError
   */
  async touch(): Promise<void> {
    await touchFile(this.location, this.#mtimeLeadMs);
  }
}
