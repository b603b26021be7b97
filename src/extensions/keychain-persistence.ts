/**
 * MSAL Python's `KeychainPersistence`: the content is a generic password in the macOS login keychain (Security.framework
 * through koffi), and a signal file on disk is touched on every save. Written against Apple's documented API; it has
 * not been run by this project's tests (they run on Linux).
 */
import { PersistenceDecryptionError, PersistenceEncryptionError, PersistenceUnavailableError } from '../errors.js';
import { mtimeMs, notFound, statStamp, touchFile } from './file-io.js';
import { checkMtimeLead } from './file-persistence.js';
import { loadKoffi, loadLibrary, type Koffi, type NativeFunction } from './native.js';
import { KEYCHAIN_PERSISTENCE_OPTIONS } from './option-shapes.js';
import { resolveLocation, sha256Hex, type Persistence, type PersistenceStamp } from './persistence.js';
import { checkOptionKeys } from '../util/options.js';

/** errSecItemNotFound. */
const ITEM_NOT_FOUND = -25300;

/** OSStatus values worth a sentence. */
const STATUS_TEXT: Readonly<Record<number, string>> = {
  [-128]: 'the user cancelled the keychain prompt',
  [-25293]: 'authorization failed (errSecAuthFailed)',
  [-25294]: 'no such keychain',
  [-25307]: 'there is no default keychain',
  [-25308]: 'user interaction is not allowed (the keychain is locked and no prompt can be shown, e.g. over SSH)',
};

interface Security {
  koffi: Koffi;
  copyDefault: NativeFunction;
  find: NativeFunction;
  add: NativeFunction;
  modify: NativeFunction;
  freeContent: NativeFunction;
  release: NativeFunction;
}

let security: Security | undefined;

function loadSecurity(): Security {
  if (security !== undefined) return security;
  const koffi = loadKoffi();
  const sec = loadLibrary(['/System/Library/Frameworks/Security.framework/Security'], 'Security.framework');
  const cf = loadLibrary(['/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation'], 'CoreFoundation.framework');
  security = {
    koffi,
    copyDefault: sec.func('int32_t SecKeychainCopyDefault(_Out_ void **keychain)'),
    find: sec.func(
      'int32_t SecKeychainFindGenericPassword(void *keychainOrArray, uint32_t serviceNameLength, const char *serviceName, ' +
        'uint32_t accountNameLength, const char *accountName, _Out_ uint32_t *passwordLength, _Out_ void **passwordData, ' +
        '_Out_ void **itemRef)',
    ),
    add: sec.func(
      'int32_t SecKeychainAddGenericPassword(void *keychain, uint32_t serviceNameLength, const char *serviceName, ' +
        'uint32_t accountNameLength, const char *accountName, uint32_t passwordLength, const void *passwordData, ' +
        '_Out_ void **itemRef)',
    ),
    modify: sec.func('int32_t SecKeychainItemModifyAttributesAndData(void *itemRef, const void *attrList, uint32_t length, const void *data)'),
    freeContent: sec.func('int32_t SecKeychainItemFreeContent(void *attrList, void *data)'),
    release: cf.func('void CFRelease(void *cf)'),
  };
  return security;
}

function describe(status: number): string {
  return `${STATUS_TEXT[status] ?? 'Security.framework error'} (OSStatus ${status})`;
}

/** Options of {@link KeychainPersistence}. */
export interface KeychainPersistenceOptions {
  /** How far ahead of the wall clock the signal file's mtime is dated on save. See {@link FilePersistenceOptions}. */
  mtimeLeadMs?: number | undefined;
}

/**
 * A generic password in the default macOS keychain, identified as msal-extensions does: service `"msal-extensions"`
 * and account `sha256hex(signalLocation)` unless given. Save finds the item and modifies it, or adds it.
 *
 * macOS only: on other platforms the constructor throws a {@link PersistenceUnavailableError} (reason `platform`).
 * Status: written against Apple's documented `SecKeychain*` API; not run by this project (no macOS here).
 */
export class KeychainPersistence implements Persistence {
  /** The signal file, absolute. */
  readonly location: string;
  readonly isEncrypted: boolean = true;
  readonly serviceName: string;
  readonly accountName: string;
  readonly #mtimeLeadMs: number;

  /**
   * @param signalLocation - the signal file touched on every save (`~` expanded). No I/O happens here.
   * @param serviceName - default `"msal-extensions"`.
   * @param accountName - default `sha256hex(signalLocation)` (as given, before `~` expansion).
   * @throws PersistenceUnavailableError (reason `platform`) when not on macOS; TypeError for a bad argument.
   */
  constructor(signalLocation: string, serviceName?: string, accountName?: string, options: KeychainPersistenceOptions = {}) {
    checkOptionKeys(options, KEYCHAIN_PERSISTENCE_OPTIONS);
    this.location = resolveLocation(signalLocation, 'signalLocation');
    if (serviceName !== undefined && (typeof serviceName !== 'string' || serviceName === '')) {
      throw new TypeError('serviceName must be a non-empty string');
    }
    if (accountName !== undefined && (typeof accountName !== 'string' || accountName === '')) {
      throw new TypeError('accountName must be a non-empty string');
    }
    this.serviceName = serviceName ?? 'msal-extensions';
    this.accountName = accountName ?? sha256Hex(signalLocation);
    this.#mtimeLeadMs = checkMtimeLead(options.mtimeLeadMs, 'options.mtimeLeadMs');
    if (process.platform !== 'darwin') {
      throw new PersistenceUnavailableError(
        'platform',
        `KeychainPersistence needs macOS (this is ${process.platform}); use buildEncryptedPersistence() to pick the ` + "platform's store, or FilePersistence",
      );
    }
  }

  #withKeychain<T>(fn: (s: Security, keychain: unknown) => T, onError: (status: number) => Error): T {
    const s = loadSecurity();
    const out: unknown[] = [null];
    const status = Number(s.copyDefault(out));
    if (status !== 0) throw onError(status);
    try {
      return fn(s, out[0]);
    } finally {
      if (out[0] !== null && out[0] !== undefined) s.release(out[0]);
    }
  }

  /** @inheritDoc Persistence.save */
  async save(content: string): Promise<void> {
    if (typeof content !== 'string') throw new TypeError('content must be a string');
    const data = Buffer.from(content, 'utf8');
    const service = this.serviceName;
    const account = this.accountName;
    const failed = (status: number): Error => new PersistenceEncryptionError(`the keychain refused to store the item: ${describe(status)}`, { status });
    this.#withKeychain((s, keychain) => {
      const item: unknown[] = [null];
      const found = Number(s.find(keychain, Buffer.byteLength(service), service, Buffer.byteLength(account), account, null, null, item));
      if (found === 0) {
        try {
          const status = Number(s.modify(item[0], null, data.length, data));
          if (status !== 0) throw failed(status);
        } finally {
          if (item[0] !== null && item[0] !== undefined) s.release(item[0]);
        }
      } else if (found === ITEM_NOT_FOUND) {
        const status = Number(s.add(keychain, Buffer.byteLength(service), service, Buffer.byteLength(account), account, data.length, data, null));
        if (status !== 0) throw failed(status);
      } else {
        throw failed(found);
      }
    }, failed);
    await touchFile(this.location, this.#mtimeLeadMs);
  }

  /** @inheritDoc Persistence.load */
  // eslint-disable-next-line @typescript-eslint/require-await -- async for the Persistence contract
  async load(): Promise<string> {
    const service = this.serviceName;
    const account = this.accountName;
    const failed = (status: number): Error => new PersistenceDecryptionError(`the keychain could not return the item: ${describe(status)}`, { status });
    return this.#withKeychain((s, keychain) => {
      const length: unknown[] = [0];
      const data: unknown[] = [null];
      const status = Number(s.find(keychain, Buffer.byteLength(service), service, Buffer.byteLength(account), account, length, data, null));
      if (status === ITEM_NOT_FOUND) throw notFound(this.location, 'Keychain persistence');
      if (status !== 0) throw failed(status);
      try {
        return Buffer.from(s.koffi.view(data[0], Number(length[0]))).toString('utf8');
      } finally {
        s.freeContent(null, data[0]);
      }
    }, failed);
  }

  /** @inheritDoc Persistence.timeLastModified */
  timeLastModified(): number {
    return mtimeMs(this.location, 'Keychain persistence');
  }

  /** @inheritDoc Persistence.stamp */
  stamp(): PersistenceStamp | undefined {
    return statStamp(this.location);
  }
}
