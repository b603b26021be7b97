/**
 * The public shapes of the token cache: what goes in (a token response event), what lookups take, and the typed,
 * read-only views of the entries that come out.
 *
 * Views keep the unified cache schema's wire names (`home_account_id`, `expires_on`, ...), as MSAL Python's entries do,
 * with two differences: timestamps are numbers (epoch seconds; the file stores them as strings), and "unset" is
 * `undefined` (the file may hold `null` or `""` for an app token's `home_account_id`).
 */

/** A source of the current time, in epoch seconds (fractions allowed). */
export interface Clock {
  now(): number;
}

/** The five top-level sections of the unified MSAL cache. */
export type CacheSection = 'AccessToken' | 'RefreshToken' | 'IdToken' | 'Account' | 'AppMetadata';

/**
 * A parsed token endpoint response. Known fields are typed as servers send them (Entra's v1 endpoints and some managed
 * identity sources send numbers as strings); anything else the server sent is kept but ignored by the cache.
 */
export interface TokenResponse extends Readonly<Record<string, unknown>> {
  readonly access_token?: string;
  readonly token_type?: string;
  readonly expires_in?: number | string;
  readonly expires_on?: number | string;
  readonly ext_expires_in?: number | string;
  readonly refresh_in?: number | string;
  readonly refresh_token?: string;
  readonly id_token?: string;
  readonly client_info?: string;
  readonly foci?: string;
  readonly scope?: string;
}

/** What the app layer hands to {@link TokenCache.add} after a successful token request. */
export interface TokenResponseEvent {
  /** The application (client) id the tokens were issued to. */
  readonly clientId: string;
  /** The scopes the tokens are for (the response's `scope` split, or the requested scopes). Stored sorted. */
  readonly scopes: readonly string[];
  /** The authority host the app is configured with, e.g. `login.microsoftonline.com` or `127.0.0.1`. */
  readonly environment: string;
  /** The tenant. When absent, the first path segment of {@link tokenEndpoint} is used, as MSAL Python does. */
  readonly realm?: string | undefined;
  /** The token endpoint the response came from; used for the realm when {@link realm} is absent. */
  readonly tokenEndpoint?: string | undefined;
  /** The grant that produced the response; `authorization_code`, `password`, the device code URN and `broker` set `account_source`. */
  readonly grantType?: string | undefined;
  /** The token response body. */
  readonly response: TokenResponse;
  /** Decoded id token claims, when the caller already has them; otherwise the id token's payload is decoded (unverified). */
  readonly idTokenClaims?: Readonly<Record<string, unknown>> | undefined;
  /** A username to record when the id token carries none (ROPC, federated ROPC). */
  readonly username?: string | undefined;
  /** Overrides the account's `authority_type` (otherwise `ADFS` for realm `adfs`, else `MSSTS`), e.g. `CLOUDSHELL`. */
  readonly authorityType?: string | undefined;
  /** The account id a broker reported; otherwise the id token's `oid`, else `sub`. */
  readonly localAccountId?: string | undefined;
  /** The key an SSH certificate or PoP token is bound to; stored as the access token's `key_id`. */
  readonly keyId?: string | undefined;
  /** Partitions on-behalf-of tokens by the incoming assertion (stored as MSAL Node's camelCase `userAssertionHash`). */
  readonly userAssertionHash?: string | undefined;
  /**
   * The extended cache key (see `ext-cache-key.ts`), e.g. of an `fmi_path`: stored as `ext_cache_key`, and the entry is
   * keyed `...-atext-...-<hash>` as every MSAL writes it.
   */
  readonly extCacheKey?: string | undefined;
  /** Do not write an Account (refresh flows, so a concurrent removeAccount is honoured). */
  readonly skipAccountCreation?: boolean | undefined;
}

/** An access token entry. */
export interface AccessTokenEntry {
  /** The entry's key in the cache file (kept as read, for entries written by other MSALs). */
  readonly key: string;
  readonly credential_type: string | undefined;
  readonly secret: string;
  readonly home_account_id: string | undefined;
  readonly environment: string;
  readonly client_id: string;
  readonly realm: string;
  /** Space-separated scopes as stored. */
  readonly target: string;
  /** `Bearer` when the file has none. */
  readonly token_type: string;
  readonly cached_at: number | undefined;
  readonly expires_on: number;
  readonly extended_expires_on: number | undefined;
  readonly refresh_on: number | undefined;
  /** `key_id` (MSAL Python, Node) or `kid` (MSAL .NET). */
  readonly key_id: string | undefined;
  /** `userAssertionHash` (MSAL Node) or `user_assertion_hash` (MSAL .NET). */
  readonly userAssertionHash: string | undefined;
  /** `ext_cache_key` (MSAL Python, .NET, Go): the hash of extra request fields such as `fmi_path`. */
  readonly ext_cache_key: string | undefined;
}

/** The result of a successful {@link TokenCache.findAccessToken}. */
export interface AccessTokenHit {
  readonly entry: AccessTokenEntry;
  /** `refresh_on` has passed: the caller should refresh, and may fall back to this token if that fails. */
  readonly aging: boolean;
}

/** A refresh token entry. */
export interface RefreshTokenEntry {
  readonly key: string;
  readonly credential_type: string | undefined;
  readonly secret: string;
  readonly home_account_id: string | undefined;
  readonly environment: string;
  readonly client_id: string;
  readonly target: string | undefined;
  readonly family_id: string | undefined;
  readonly last_modification_time: number | undefined;
  readonly userAssertionHash: string | undefined;
}

/** An id token entry. */
export interface IdTokenEntry {
  readonly key: string;
  readonly credential_type: string | undefined;
  readonly secret: string;
  readonly home_account_id: string | undefined;
  readonly environment: string;
  readonly realm: string | undefined;
  readonly client_id: string;
}

/** One of MSAL Node's per-tenant profiles of an account (stored as JSON strings in `tenantProfiles`). */
export interface TenantProfile {
  readonly tenantId: string;
  readonly localAccountId: string | undefined;
  readonly name: string | undefined;
  readonly isHomeTenant: boolean | undefined;
}

/** An Account entry as stored (one per realm when MSAL Python wrote it; one per home account from MSAL Node). */
export interface AccountEntry {
  readonly key: string;
  readonly home_account_id: string;
  readonly environment: string;
  readonly realm: string | undefined;
  readonly local_account_id: string | undefined;
  /** `""` when the identity provider sent no username, as the schema asks. */
  readonly username: string;
  readonly authority_type: string | undefined;
  readonly account_source: string | undefined;
  readonly tenantProfiles: readonly TenantProfile[] | undefined;
}

/** An AppMetadata entry: remembers whether the app is in a family (FOCI). */
export interface AppMetadataEntry {
  readonly key: string;
  readonly client_id: string;
  readonly environment: string;
  readonly family_id: string | undefined;
}

/** An account as {@link TokenCache.getAccounts} returns it: grouped by `home_account_id`, as MSAL Python does. */
export interface Account {
  readonly home_account_id: string;
  readonly environment: string;
  readonly username: string;
  readonly local_account_id: string | undefined;
  readonly realm: string | undefined;
  readonly authority_type: string;
  readonly account_source: string | undefined;
  /** Present when the entry was written by MSAL Node 2+ (multi-tenant accounts). */
  readonly tenantProfiles?: readonly TenantProfile[];
}

/** What {@link TokenCache.findAccessToken} looks for. */
export interface AccessTokenQuery {
  readonly clientId: string;
  /** The authority host and its aliases; the first is preferred, the next are tried only on a miss. */
  readonly environments: readonly string[];
  readonly realm: string;
  /**
   * Other names of `realm`, tried for app tokens only and only on a miss: the tenant as the authority names it (a
   * domain such as `contoso.onmicrosoft.com`), which is where msal-node files app tokens.
   */
  readonly realmAliases?: readonly string[] | undefined;
  /** `undefined` for app tokens (client credentials). */
  readonly homeAccountId: string | undefined;
  /** Every requested scope must be in the entry's target (case-insensitive); the entry may have more. */
  readonly scopes: readonly string[];
  /** Only tokens bound to this key; when absent, only tokens bound to no key. */
  readonly keyId?: string | undefined;
  /** Only tokens of this on-behalf-of partition; when absent, only tokens of none. */
  readonly userAssertionHash?: string | undefined;
  /**
   * Only tokens with one of these extended cache keys (`ext_cache_key`, tried in order); when absent or empty, only
   * tokens with none.
   */
  readonly extCacheKeys?: readonly string[] | undefined;
  /** Only tokens of this type (case-insensitive), e.g. `Bearer`, `ssh-cert`, `pop`. */
  readonly tokenType?: string | undefined;
}

/** What {@link TokenCache.findRefreshTokens} looks for: the app's own RTs (`clientId`) or a family's (`familyId`). */
export type RefreshTokenQuery = {
  readonly homeAccountId: string;
  readonly environment: string;
  readonly userAssertionHash?: string | undefined;
} & ({ readonly clientId: string; readonly familyId?: undefined } | { readonly familyId: string; readonly clientId?: undefined });

/** What {@link TokenCache.findIdToken} looks for. */
export interface IdTokenQuery {
  readonly homeAccountId: string;
  readonly environment: string;
  readonly realm: string;
  readonly clientId: string;
}

/** Every entry that belongs to one home account in one environment (for sign-out and removeAccount). */
export interface AccountEntries {
  readonly accessTokens: readonly AccessTokenEntry[];
  readonly refreshTokens: readonly RefreshTokenEntry[];
  readonly idTokens: readonly IdTokenEntry[];
  readonly accounts: readonly AccountEntry[];
}

/** Options of {@link TokenCache}. */
export interface TokenCacheOptions {
  /** Where "now" comes from; defaults to the system clock. */
  readonly clock?: Clock | undefined;
  /**
   * Delete expired access tokens that a lookup meets (default true, as MSAL Python has done since late 2024). A purge counts as a
   * change. Turn it off for a read-only cache.
   */
  readonly purgeExpiredAccessTokens?: boolean | undefined;
}
