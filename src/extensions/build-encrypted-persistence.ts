/**
 * MSAL Python's `build_encrypted_persistence`, with the plaintext fallback its README recommends built in (opt-in).
 */
import { MsalError } from '../errors.js';
import { FilePersistenceWithDataProtection } from './dpapi-persistence.js';
import { FilePersistence } from './file-persistence.js';
import { KeychainPersistence } from './keychain-persistence.js';
import { LibsecretPersistence } from './libsecret-persistence.js';
import { BUILD_ENCRYPTED_PERSISTENCE_OPTIONS } from './option-shapes.js';
import { resolveLocation, type Persistence } from './persistence.js';
import { checkOptionKeys } from '../util/options.js';

/** Options of {@link buildEncryptedPersistence}. */
export interface BuildEncryptedPersistenceOptions {
  /**
   * When the platform's encrypted store cannot be used, return a plaintext {@link FilePersistence} (mode 0600,
   * `isEncrypted === false`) at the same location instead of throwing. Default false.
   */
  fallbackToPlaintext?: boolean | undefined;
  /**
   * Receives the warning emitted when falling back to plaintext. Default: `process.emitWarning` (printed once per
   * fallback on stderr by Node.js), because silently storing tokens in clear would be worse than one line of noise.
   */
  onWarning?: ((message: string) => void) | undefined;
}

/**
 * The encrypted persistence of this platform, verified to work: Windows DPAPI ({@link FilePersistenceWithDataProtection}),
 * the macOS keychain ({@link KeychainPersistence}), or the Linux Secret Service ({@link LibsecretPersistence}, with
 * `location` as its signal file; verified by msal-extensions' trial run).
 *
 * @param location - the data file (Windows) or signal file (macOS, Linux).
 * @param options - plaintext fallback and warning sink.
 * @returns a persistence whose `isEncrypted` says whether it encrypts.
 * @throws PersistenceUnavailableError (or the store's own error) when the store does not work and
 *   `fallbackToPlaintext` is not set; TypeError for a bad argument.
 * @example
 * ```ts
 * const persistence = await buildEncryptedPersistence('~/.myapp/token_cache.bin', { fallbackToPlaintext: true });
 * if (!persistence.isEncrypted) console.log('tokens are stored in clear (mode 0600)');
 * ```
 */
export async function buildEncryptedPersistence(location: string, options: BuildEncryptedPersistenceOptions = {}): Promise<Persistence> {
  checkOptionKeys(options, BUILD_ENCRYPTED_PERSISTENCE_OPTIONS);
  resolveLocation(location, 'location');
  if (options.fallbackToPlaintext !== undefined && typeof options.fallbackToPlaintext !== 'boolean') {
    throw new TypeError('options.fallbackToPlaintext must be a boolean');
  }
  if (options.onWarning !== undefined && typeof options.onWarning !== 'function') {
    throw new TypeError('options.onWarning must be a function');
  }
  try {
    switch (process.platform) {
      case 'win32': {
        const p = new FilePersistenceWithDataProtection(location);
        await p.verify();
        return p;
      }
      case 'darwin':
        return new KeychainPersistence(location);
      default: {
        // LibsecretPersistence reports any other platform as unavailable, with what to use instead.
        const p = new LibsecretPersistence(location);
        await p.verify();
        return p;
      }
    }
  } catch (err) {
    if (options.fallbackToPlaintext !== true || !(err instanceof MsalError)) throw err;
    const message =
      `msal-ts: the encrypted token store is not available (${err.message}); falling back to a plaintext file ` +
      `(mode 0600) at ${resolveLocation(location, 'location')} because fallbackToPlaintext is set`;
    if (options.onWarning !== undefined) options.onWarning(message);
    else process.emitWarning(message, { code: 'MSAL_TS_PLAINTEXT_FALLBACK' });
    return new FilePersistence(location);
  }
}
