/** The token cache: unified MSAL schema, indexed lookups, MSAL Python-compatible serialization. */
export { TokenCache } from './token-cache.js';
export { SerializableTokenCache } from './serializable-token-cache.js';
export { AuthorityType, CredentialType } from './credential-type.js';
export type { CacheEntry, SearchOptions } from './cache-search.js';
export { EXPIRY_MARGIN_SECONDS } from './access-token-index.js';
export { decodeIdTokenClaims } from './response-entries.js';
export type {
  AccessTokenEntry,
  AccessTokenHit,
  AccessTokenQuery,
  Account,
  AccountEntries,
  AccountEntry,
  AppMetadataEntry,
  CacheSection,
  Clock,
  IdTokenEntry,
  IdTokenQuery,
  RefreshTokenEntry,
  RefreshTokenQuery,
  TenantProfile,
  TokenCacheOptions,
  TokenResponse,
  TokenResponseEvent,
} from './cache-types.js';
export type { CacheAccessContext, CachePartition } from './cache-access.js';
