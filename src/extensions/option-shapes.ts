/**
 * The option keys of msal-ts/extensions, for the check every constructor and function runs first (src/util/options.ts):
 * an option misspelt here would otherwise do nothing, e.g. a lock timeout left at its default or a keyring probed when
 * plaintext was asked for. Kept apart from the classes so each of them only calls the check.
 */
import { optionShape, type OptionShape } from '../util/options.js';
import type { BuildEncryptedPersistenceOptions } from './build-encrypted-persistence.js';
import type { CrossPlatLockOptions } from './cross-plat-lock.js';
import type { FilePersistenceOptions } from './file-persistence.js';
import type { KeychainPersistenceOptions } from './keychain-persistence.js';
import type { LibsecretPersistenceOptions } from './libsecret-persistence.js';
import type { PersistedHttpCacheOptions } from './persisted-http-cache.js';
import type { PersistedTokenCacheOptions } from './persisted-token-cache.js';

export const CROSS_PLAT_LOCK_OPTIONS: OptionShape = optionShape<CrossPlatLockOptions>('CrossPlatLock options', {
  timeoutMs: true,
  retryDelayMs: true,
  staleAfterMs: true,
  flock: true,
  logger: true,
});

export const FILE_PERSISTENCE_OPTIONS: OptionShape = optionShape<FilePersistenceOptions>('FilePersistence options', { mtimeLeadMs: true });

export const DPAPI_PERSISTENCE_OPTIONS: OptionShape = optionShape<FilePersistenceOptions>('FilePersistenceWithDataProtection options', {
  mtimeLeadMs: true,
});

export const KEYCHAIN_PERSISTENCE_OPTIONS: OptionShape = optionShape<KeychainPersistenceOptions>('KeychainPersistence options', {
  mtimeLeadMs: true,
});

export const LIBSECRET_PERSISTENCE_OPTIONS: OptionShape = optionShape<LibsecretPersistenceOptions>('LibsecretPersistence options', {
  label: true,
  mtimeLeadMs: true,
});

export const BUILD_ENCRYPTED_PERSISTENCE_OPTIONS: OptionShape = optionShape<BuildEncryptedPersistenceOptions>('buildEncryptedPersistence options', {
  fallbackToPlaintext: true,
  onWarning: true,
});

export const PERSISTED_TOKEN_CACHE_OPTIONS: OptionShape = optionShape<PersistedTokenCacheOptions>('PersistedTokenCache options', {
  clock: true,
  purgeExpiredAccessTokens: true,
  lockLocation: true,
  maxCacheBytes: true,
  lock: true,
});

export const PERSISTED_HTTP_CACHE_OPTIONS: OptionShape = optionShape<PersistedHttpCacheOptions>('PersistedHttpCache options', {
  maxBytes: true,
  lockLocation: true,
  lock: true,
  onError: true,
});
