/**
 * msal-ts/extensions: MSAL Python's msal-extensions for Node.js. An encrypted, persisted token cache that many
 * processes (msal-ts, MSAL Python, msal-node) share safely through one file and one lock.
 *
 * Native code (koffi, for libsecret, Keychain, DPAPI and flock) is loaded only when a store or the lock first needs it.
 *
 * @example
 * ```ts
 * import { ConfidentialClientApplication } from 'msal-ts';
 * import { buildEncryptedPersistence, PersistedTokenCache } from 'msal-ts/extensions';
 * const persistence = await buildEncryptedPersistence('~/.myapp/token_cache.bin', { fallbackToPlaintext: true });
 * const app = new ConfidentialClientApplication(clientId, {
 *   authority, clientCredential, tokenCache: new PersistedTokenCache(persistence),
 * });
 * ```
 * @packageDocumentation
 */
export { PersistedTokenCache, DEFAULT_MAX_CACHE_BYTES } from './persisted-token-cache.js';
export type { PersistedTokenCacheOptions } from './persisted-token-cache.js';
export { PersistedHttpCache, DEFAULT_HTTP_CACHE_MAX_BYTES } from './persisted-http-cache.js';
export type { PersistedHttpCacheOptions } from './persisted-http-cache.js';
export type { Persistence, PersistenceLoadOptions, PersistenceStamp } from './persistence.js';
export { FilePersistence, DEFAULT_MTIME_LEAD_MS } from './file-persistence.js';
export type { FilePersistenceOptions } from './file-persistence.js';
export { LibsecretPersistence } from './libsecret-persistence.js';
export type { LibsecretPersistenceOptions } from './libsecret-persistence.js';
export { KeychainPersistence } from './keychain-persistence.js';
export type { KeychainPersistenceOptions } from './keychain-persistence.js';
export { FilePersistenceWithDataProtection } from './dpapi-persistence.js';
export { buildEncryptedPersistence } from './build-encrypted-persistence.js';
export type { BuildEncryptedPersistenceOptions } from './build-encrypted-persistence.js';
export { CrossPlatLock } from './cross-plat-lock.js';
export type { CrossPlatLockOptions, LockHandle } from './cross-plat-lock.js';
export {
  CacheFormatError,
  CacheTooLargeError,
  LockTimeoutError,
  PersistenceAccessError,
  PersistenceDecryptionError,
  PersistenceEncryptionError,
  PersistenceNotFoundError,
  PersistenceUnavailableError,
} from '../errors.js';
export type { LockTimeoutReason, PersistenceUnavailableReason } from '../errors.js';
