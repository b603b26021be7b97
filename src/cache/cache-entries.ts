/**
 * Narrowing of stored entries (untrusted JSON objects, written by any MSAL) into typed views.
 *
 * Policy, chosen so that one odd entry never costs the user their whole cache, while a file that is not a cache at all
 * is refused:
 * - a known field holding a JSON type no MSAL writes (an object where a string belongs, a boolean timestamp) throws
 *   {@link CacheFormatError}: the file is not what it claims to be;
 * - `null` in a field means the field is absent (MSAL Python writes `"home_account_id": null` for app tokens);
 * - an entry missing a field that lookups need (no `secret`, no `expires_on`, a timestamp that is not a number) is
 *   kept in the file as is but left out of every index, so no lookup ever returns it.
 */
import { CacheFormatError } from '../errors.js';
import type { AccessTokenEntry, AccountEntry, AppMetadataEntry, IdTokenEntry, RefreshTokenEntry, TenantProfile } from './cache-types.js';

/** A stored entry: the JSON object as read or written, unknown fields included. */
export type RawEntry = Readonly<Record<string, unknown>>;

function optString(raw: RawEntry, field: string, section: string): string | undefined {
  const value = raw[field];
  // A present or an absent field allocates nothing: a load reads several fields of every entry, most of them absent
  // from an app token (home_account_id, key_id, the assertion hashes), and an error closure made for each of those was
  // 100 KB of young garbage per 100 tokens.
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return undefined;
  throw new CacheFormatError(`an entry in ${section} has a ${typeof value} in "${field}" where a string belongs`);
}

/** A timestamp: a string of a number (the schema) or a number (tolerated). `NaN` when present but not a number. */
function optTime(raw: RawEntry, field: string, section: string): number | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? Number.NaN : Number(trimmed);
  }
  throw new CacheFormatError(`an entry in ${section} has a ${typeof value} in "${field}" where a timestamp belongs`);
}

/** A string field where an empty string means absent, as other MSALs write it. */
function optNonEmpty(raw: RawEntry, field: string, section: string): string | undefined {
  const value = optString(raw, field, section);
  return value === '' ? undefined : value;
}

/** The assertion hash of an on-behalf-of token: MSAL Node's camelCase name first, then MSAL .NET's. */
function userAssertionHash(raw: RawEntry, section: string): string | undefined {
  const value = optString(raw, 'userAssertionHash', section) ?? optString(raw, 'user_assertion_hash', section);
  return value === '' ? undefined : value;
}

/** The fields every credential (access, refresh and id token) carries, read in one place. */
interface CredentialFields {
  readonly credential_type: string | undefined;
  readonly secret: string | undefined;
  readonly home_account_id: string | undefined;
  readonly environment: string | undefined;
  readonly client_id: string | undefined;
}

/**
 * Reads the common credential fields. An empty or absent home account id both mean "app token" (Python writes null,
 * Node writes "").
 */
function credentialFields(raw: RawEntry, section: string): CredentialFields {
  return {
    credential_type: optString(raw, 'credential_type', section),
    secret: optString(raw, 'secret', section),
    home_account_id: optNonEmpty(raw, 'home_account_id', section),
    environment: optString(raw, 'environment', section),
    client_id: optString(raw, 'client_id', section),
  };
}

/**
 * An access token view, or `undefined` when the entry cannot be served. An entry's `ext_cache_key` (MSAL Python,
 * .NET, Go) is kept: lookups then serve it only to requests with the same key. Entries carrying MSAL Node's
 * `additionalCacheKeyComponents` belong to a partition this library does not query, so they are never served.
 */
export function parseAccessToken(key: string, raw: RawEntry): AccessTokenEntry | undefined {
  const s = 'AccessToken';
  const c = credentialFields(raw, s);
  const realm = optString(raw, 'realm', s);
  const target = optString(raw, 'target', s);
  const tokenType = optString(raw, 'token_type', s);
  const cachedAt = optTime(raw, 'cached_at', s);
  const expiresOn = optTime(raw, 'expires_on', s);
  const extended = optTime(raw, 'extended_expires_on', s) ?? optTime(raw, 'ext_expires_on', s);
  const refreshOn = optTime(raw, 'refresh_on', s);
  const keyId = optString(raw, 'key_id', s) ?? optString(raw, 'kid', s);
  const uah = userAssertionHash(raw, s);
  const nodeComponents = raw['additionalCacheKeyComponents'];
  if (nodeComponents !== undefined && nodeComponents !== null && nodeComponents !== '') return undefined;
  const extKey = optString(raw, 'ext_cache_key', s);
  const { secret, environment, client_id: clientId } = c;
  if (secret === undefined || environment === undefined || clientId === undefined || realm === undefined) return undefined;
  if (expiresOn === undefined || Number.isNaN(expiresOn)) return undefined;
  return {
    key,
    credential_type: c.credential_type,
    secret,
    home_account_id: c.home_account_id,
    environment,
    client_id: clientId,
    realm,
    target: target ?? '',
    token_type: tokenType ?? 'Bearer',
    cached_at: nanToUndefined(cachedAt),
    expires_on: expiresOn,
    extended_expires_on: nanToUndefined(extended),
    refresh_on: nanToUndefined(refreshOn),
    key_id: keyId === '' ? undefined : keyId,
    userAssertionHash: uah,
    ext_cache_key: extKey === '' || extKey === undefined ? undefined : extKey.toLowerCase(),
  };
}

/** The fields parseAccessToken reads first, strings then timestamps, in its order. */
const CHECKED_STRINGS = ['credential_type', 'secret', 'home_account_id', 'environment', 'client_id', 'realm', 'target', 'token_type'] as const;
const CHECKED_TIMES = ['cached_at', 'expires_on'] as const;

/**
 * Refuses what {@link parseAccessToken} would refuse, reading the same fields in the same order (the second name of a
 * pair only when the first is absent, as the parse reads it), and builds nothing: a load checks every access token
 * this way and parses one only when a lookup first needs it.
 * @throws CacheFormatError exactly when parseAccessToken would, with the same message.
 */
export function checkAccessToken(raw: RawEntry): void {
  const s = 'AccessToken';
  // Indexed loops: a for...of over an array, in code not yet optimized, allocates a result object per step.
  for (let i = 0; i < CHECKED_STRINGS.length; i++) optString(raw, CHECKED_STRINGS[i] as string, s);
  for (let i = 0; i < CHECKED_TIMES.length; i++) optTime(raw, CHECKED_TIMES[i] as string, s);
  if (optTime(raw, 'extended_expires_on', s) === undefined) optTime(raw, 'ext_expires_on', s);
  optTime(raw, 'refresh_on', s);
  if (optString(raw, 'key_id', s) === undefined) optString(raw, 'kid', s);
  if (optString(raw, 'userAssertionHash', s) === undefined) optString(raw, 'user_assertion_hash', s);
  // The parse stops before `ext_cache_key` for an entry of msal-node's other partitions.
  const nodeComponents = raw['additionalCacheKeyComponents'];
  if (nodeComponents === undefined || nodeComponents === null || nodeComponents === '') optString(raw, 'ext_cache_key', s);
}

function nanToUndefined(value: number | undefined): number | undefined {
  return value === undefined || Number.isNaN(value) ? undefined : value;
}

/** A refresh token view, or `undefined` when the entry lacks what a refresh needs. */
export function parseRefreshToken(key: string, raw: RawEntry): RefreshTokenEntry | undefined {
  const s = 'RefreshToken';
  const c = credentialFields(raw, s);
  const target = optString(raw, 'target', s);
  const familyId = optNonEmpty(raw, 'family_id', s);
  const modified = optTime(raw, 'last_modification_time', s);
  const uah = userAssertionHash(raw, s);
  const { secret, environment, client_id: clientId } = c;
  if (secret === undefined || environment === undefined || clientId === undefined) return undefined;
  return {
    key,
    credential_type: c.credential_type,
    secret,
    home_account_id: c.home_account_id,
    environment,
    client_id: clientId,
    target,
    family_id: familyId,
    last_modification_time: nanToUndefined(modified),
    userAssertionHash: uah,
  };
}

/** An id token view, or `undefined`. */
export function parseIdToken(key: string, raw: RawEntry): IdTokenEntry | undefined {
  const s = 'IdToken';
  const c = credentialFields(raw, s);
  const realm = optString(raw, 'realm', s);
  const { secret, environment, client_id: clientId } = c;
  if (secret === undefined || environment === undefined || clientId === undefined) return undefined;
  return { key, credential_type: c.credential_type, secret, home_account_id: c.home_account_id, environment, realm, client_id: clientId };
}

/** An account view, or `undefined` when it has no home account id or environment. */
export function parseAccount(key: string, raw: RawEntry): AccountEntry | undefined {
  const s = 'Account';
  const hid = optNonEmpty(raw, 'home_account_id', s);
  const environment = optString(raw, 'environment', s);
  const realm = optString(raw, 'realm', s);
  const localAccountId = optString(raw, 'local_account_id', s);
  const username = optString(raw, 'username', s);
  const authorityType = optString(raw, 'authority_type', s);
  const accountSource = optString(raw, 'account_source', s);
  if (hid === undefined || environment === undefined) return undefined;
  return {
    key,
    home_account_id: hid,
    environment,
    realm,
    local_account_id: localAccountId,
    username: username ?? '',
    authority_type: authorityType,
    account_source: accountSource,
    tenantProfiles: parseTenantProfiles(raw['tenantProfiles']),
  };
}

/**
 * MSAL Node stores each tenant profile as a JSON string inside an array. Read tolerantly: a profile that does not
 * parse, or has no tenant id, is skipped; a non-array is ignored (and kept in the file as is).
 */
function parseTenantProfiles(value: unknown): readonly TenantProfile[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const profiles: TenantProfile[] = [];
  for (const item of value as unknown[]) {
    let parsed: unknown = item;
    if (typeof item === 'string') {
      try {
        parsed = JSON.parse(item);
      } catch {
        continue;
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) continue;
    const p = parsed as Record<string, unknown>;
    const tenantId = p['tenantId'];
    if (typeof tenantId !== 'string' || tenantId === '') continue;
    profiles.push({
      tenantId,
      localAccountId: typeof p['localAccountId'] === 'string' ? p['localAccountId'] : undefined,
      name: typeof p['name'] === 'string' ? p['name'] : undefined,
      isHomeTenant: typeof p['isHomeTenant'] === 'boolean' ? p['isHomeTenant'] : undefined,
    });
  }
  return profiles;
}

/** An AppMetadata view, or `undefined`. */
export function parseAppMetadata(key: string, raw: RawEntry): AppMetadataEntry | undefined {
  const s = 'AppMetadata';
  const clientId = optString(raw, 'client_id', s);
  const environment = optString(raw, 'environment', s);
  const familyId = optNonEmpty(raw, 'family_id', s);
  if (clientId === undefined || environment === undefined) return undefined;
  return { key, client_id: clientId, environment, family_id: familyId };
}
