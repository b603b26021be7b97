/**
 * MSAL Python's `FilePersistenceWithDataProtection`: a file whose content is encrypted for the current Windows user with
 * DPAPI (crypt32 `CryptProtectData` / `CryptUnprotectData` through koffi, `CRYPTPROTECT_UI_FORBIDDEN`, optional UTF-8
 * entropy). Tested with Windows Node.js under Wine (scripts/windows-lane.sh), whose DPAPI blobs differ from real
 * Windows': exchanging files with real Windows is unproven (docs/extensions.md).
 */
import { PersistenceDecryptionError, PersistenceEncryptionError, PersistenceUnavailableError } from '../errors.js';
import { mtimeMs, readFileOrNotFound, statStamp, writeFileAtomic } from './file-io.js';
import { checkMtimeLead, type FilePersistenceOptions } from './file-persistence.js';
import { loadKoffi, loadLibrary, type Koffi, type NativeFunction } from './native.js';
import { checkMaxBytes, resolveLocation, type Persistence, type PersistenceLoadOptions, type PersistenceStamp } from './persistence.js';
import { DPAPI_PERSISTENCE_OPTIONS } from './option-shapes.js';
import { checkOptionKeys } from '../util/options.js';

const CRYPTPROTECT_UI_FORBIDDEN = 0x1;

/** Win32 errors seen from DPAPI, with what they mean for the user. */
const WIN32_TEXT: Readonly<Record<number, string>> = {
  13: 'the data is invalid (the file was not written by DPAPI, or is damaged)',
  [-2146893813]: 'key not valid for use in specified state (another user or machine encrypted it, or the profile changed)',
  [-2146892987]: 'the operation needs a profile that can use DPAPI (delegation is not allowed for this account)',
};

interface Crypt32 {
  koffi: Koffi;
  protect: NativeFunction;
  unprotect: NativeFunction;
  localFree: NativeFunction;
  lastError: NativeFunction;
}

let crypt32: Crypt32 | undefined;

function loadCrypt32(): Crypt32 {
  if (crypt32 !== undefined) return crypt32;
  const koffi = loadKoffi();
  const lib = loadLibrary(['crypt32.dll'], 'crypt32.dll');
  const kernel32 = loadLibrary(['kernel32.dll'], 'kernel32.dll');
  koffi.struct('MsalTsDataBlob', { cbData: 'uint32_t', pbData: 'void *' });
  crypt32 = {
    koffi,
    protect: lib.func(
      'bool __stdcall CryptProtectData(MsalTsDataBlob *pDataIn, const char16_t *szDataDescr, MsalTsDataBlob *pOptionalEntropy, ' +
        'void *pvReserved, void *pPromptStruct, uint32_t dwFlags, _Out_ MsalTsDataBlob *pDataOut)',
    ),
    unprotect: lib.func(
      'bool __stdcall CryptUnprotectData(MsalTsDataBlob *pDataIn, void *ppszDataDescr, MsalTsDataBlob *pOptionalEntropy, ' +
        'void *pvReserved, void *pPromptStruct, uint32_t dwFlags, _Out_ MsalTsDataBlob *pDataOut)',
    ),
    localFree: kernel32.func('void * __stdcall LocalFree(void *hMem)'),
    lastError: kernel32.func('uint32_t __stdcall GetLastError()'),
  };
  return crypt32;
}

interface Blob {
  cbData: number;
  pbData: unknown;
}

function describe(code: number): string {
  const signed = code > 0x7fffffff ? code - 0x100000000 : code;
  return `${WIN32_TEXT[signed] ?? 'DPAPI failed'} (Win32 error ${signed})`;
}

/**
 * A file encrypted with DPAPI for the current Windows user, replaced atomically on save like {@link FilePersistence}.
 * Files written by MSAL Python's `FilePersistenceWithDataProtection` (same entropy) are read, and the reverse.
 *
 * Windows only: on other platforms the constructor throws a {@link PersistenceUnavailableError} (reason `platform`).
 * Status: written against the documented crypt32 API; not run by this project (no Windows here).
 */
export class FilePersistenceWithDataProtection implements Persistence {
  readonly location: string;
  readonly isEncrypted: boolean = true;
  readonly #entropy: Buffer | undefined;
  readonly #mtimeLeadMs: number;

  /**
   * @param location - the file path (`~` expanded). No I/O happens here.
   * @param entropy - optional extra secret mixed into the encryption (UTF-8); the same value is needed to decrypt.
   * @throws PersistenceUnavailableError (reason `platform`) when not on Windows; TypeError for a bad argument.
   */
  constructor(location: string, entropy = '', options: FilePersistenceOptions = {}) {
    checkOptionKeys(options, DPAPI_PERSISTENCE_OPTIONS);
    this.location = resolveLocation(location, 'location');
    if (typeof entropy !== 'string') throw new TypeError('entropy must be a string');
    this.#entropy = entropy === '' ? undefined : Buffer.from(entropy, 'utf8');
    this.#mtimeLeadMs = checkMtimeLead(options.mtimeLeadMs, 'options.mtimeLeadMs');
    if (process.platform !== 'win32') {
      throw new PersistenceUnavailableError(
        'platform',
        `FilePersistenceWithDataProtection needs Windows DPAPI (this is ${process.platform}); use ` +
          "buildEncryptedPersistence() to pick the platform's store, or FilePersistence",
      );
    }
  }

  #call(fn: 'protect' | 'unprotect', input: Buffer): Buffer {
    const c = loadCrypt32();
    const inBlob: Blob = { cbData: input.length, pbData: input };
    const entropy: Blob | null = this.#entropy === undefined ? null : { cbData: this.#entropy.length, pbData: this.#entropy };
    const out: Blob = { cbData: 0, pbData: null };
    const description = fn === 'protect' ? 'msal-ts' : null;
    const ok = c[fn](inBlob, description, entropy, null, null, CRYPTPROTECT_UI_FORBIDDEN, out);
    if (ok !== true) {
      const code = Number(c.lastError());
      const message = describe(code);
      throw fn === 'protect'
        ? new PersistenceEncryptionError(`DPAPI could not encrypt: ${message}`, { status: code })
        : new PersistenceDecryptionError(`DPAPI could not decrypt ${this.location}: ${message}`, { status: code });
    }
    try {
      return Buffer.from(new Uint8Array(c.koffi.view(out.pbData, out.cbData)));
    } finally {
      c.localFree(out.pbData);
    }
  }

  /** @inheritDoc Persistence.save */
  async save(content: string): Promise<void> {
    if (typeof content !== 'string') throw new TypeError('content must be a string');
    const encrypted = this.#call('protect', Buffer.from(content, 'utf8'));
    await writeFileAtomic(this.location, encrypted, { mtimeLeadMs: this.#mtimeLeadMs });
  }

  /** @inheritDoc Persistence.load */
  async load(options: PersistenceLoadOptions = {}): Promise<string> {
    // The limit applies to the encrypted file, a few hundred bytes larger than the text.
    const data = await readFileOrNotFound(this.location, undefined, checkMaxBytes(options.maxBytes, 'options.maxBytes'));
    return this.#call('unprotect', data).toString('utf8');
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
   * Encrypts and decrypts a probe, proving DPAPI works for this user.
   *
   * @throws PersistenceEncryptionError / PersistenceDecryptionError / PersistenceUnavailableError
   */
  // eslint-disable-next-line @typescript-eslint/require-await -- async for symmetry with LibsecretPersistence.verify
  async verify(): Promise<void> {
    const probe = Buffer.from('msal-ts DPAPI probe', 'utf8');
    if (!this.#call('unprotect', this.#call('protect', probe)).equals(probe)) {
      throw new PersistenceDecryptionError('DPAPI returned different data than it encrypted');
    }
  }
}
