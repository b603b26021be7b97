/**
 * MSAL Python's generic cache access (`search`, `find`, `modify`, the `remove_*` family) over the store. These scan a
 * section: they serve tools (list every refresh token or account across environments), not the silent flow, whose
 * typed finders stay indexed. Every change goes through `CacheStore.write`, so the indexes follow.
 */
import { isDeepStrictEqual } from 'node:util';
import type { RawEntry } from './cache-entries.js';
import { accessTokenKey, accountKey, appMetadataKey, idTokenKey, refreshTokenKey } from './cache-keys.js';
import type { CacheStore } from './cache-store.js';
import type { CacheSection } from './cache-types.js';
import { CredentialType } from './credential-type.js';

/** An entry as {@link TokenCache.search} yields it: a frozen copy of the stored JSON object, wire field names. */
export type CacheEntry = Readonly<Record<string, unknown>>;

/** Options of {@link TokenCache.search} and {@link TokenCache.find}. */
export interface SearchOptions {
  /** Scopes every yielded entry's `target` must contain (compared exactly, as MSAL Python compares them). */
  readonly target?: readonly string[] | undefined;
  /** Field values every yielded entry must have (each key present, each value equal). */
  readonly query?: Readonly<Record<string, unknown>> | undefined;
  /** Epoch seconds; access tokens that expired before it are skipped (and purged). Defaults to the cache's clock. */
  readonly now?: number | undefined;
}

const SECTIONS: ReadonlySet<string> = new Set(Object.values(CredentialType));

/** Where each yielded copy came from, so modify/remove find the very entry even when another MSAL wrote its key. */
const ORIGIN = new WeakMap<object, { readonly section: CacheSection; readonly key: string }>();

/** @throws TypeError naming `credentialType` when it is not one of {@link CredentialType}'s values. */
export function checkCredentialType(value: unknown): CacheSection {
  if (typeof value !== 'string' || !SECTIONS.has(value)) {
    throw new TypeError(`credentialType must be one of ${[...SECTIONS].join(', ')} (see CredentialType)`);
  }
  return value as CacheSection;
}

/** The key MSAL Python's `key_makers` give these fields. */
export function pythonKey(section: CacheSection, fields: RawEntry): string {
  switch (section) {
    case 'AccessToken':
      return accessTokenKey(fields);
    case 'RefreshToken':
      return refreshTokenKey(fields);
    case 'IdToken':
      return idTokenKey(fields);
    case 'Account':
      return accountKey(fields);
    case 'AppMetadata':
      return appMetadataKey(fields);
  }
}

/**
 * The stored key an entry names: the one it was yielded from by `search`, else a typed entry's own `key` (from the
 * typed finders) when `typedKey` allows it, else the key MSAL Python would compute from its fields.
 */
export function keyOf(section: CacheSection, entry: object, typedKey: boolean): string {
  const origin = ORIGIN.get(entry);
  if (origin !== undefined && origin.section === section) return origin.key;
  const fields = entry as RawEntry;
  if (typedKey && typeof fields['key'] === 'string') return fields['key'];
  return pythonKey(section, fields);
}

/**
 * The key a remove method (or `updateRt`) acts on, after MSAL Python's check of the entry's kind: a typed entry (with
 * its `key`) passes; any other must say it is of `section` (`credential_type`, or `authority_type` for an Account).
 *
 * @throws TypeError naming `name` when the entry is not one of `section`.
 */
export function removalKey(section: CacheSection, entry: unknown, name: string): string {
  if (typeof entry !== 'object' || entry === null) throw new TypeError(`${name} must be an entry of the cache`);
  const fields = entry as RawEntry;
  if (typeof fields['key'] !== 'string' && ORIGIN.get(entry)?.section !== section) {
    const ok = section === 'Account' ? Object.hasOwn(fields, 'authority_type') : fields['credential_type'] === section;
    if (!ok) {
      throw new TypeError(
        section === 'Account' ? `${name} must be an Account entry (with authority_type)` : `${name} must be a ${section} entry (credential_type "${section}")`,
      );
    }
  }
  return keyOf(section, entry, true);
}

/** Whether `entry` has every field of `query` with an equal value (MSAL Python's `is_subdict_of`). */
function matchesQuery(entry: RawEntry, query: Readonly<Record<string, unknown>> | undefined): boolean {
  if (query === undefined) return true;
  for (const [name, value] of Object.entries(query)) {
    if (!Object.hasOwn(entry, name) || !isDeepStrictEqual(entry[name], value)) return false;
  }
  return true;
}

function hasTarget(entry: RawEntry, wanted: ReadonlySet<string>): boolean {
  if (wanted.size === 0) return true;
  const have = new Set(typeof entry['target'] === 'string' ? entry['target'].split(/\s+/) : []);
  for (const scope of wanted) if (!have.has(scope)) return false;
  return true;
}

function expired(entry: RawEntry, now: number): boolean {
  const expiresOn = Number(entry['expires_on']);
  return Number.isFinite(expiresOn) && Math.trunc(expiresOn) < now;
}

function frozenCopy(section: CacheSection, key: string, raw: RawEntry): CacheEntry {
  const copy = Object.freeze(structuredClone(raw) as Record<string, unknown>);
  ORIGIN.set(copy, { section, key });
  return copy;
}

/** What {@link searchEntries} looks for, checked by the caller. */
export interface SearchRequest {
  readonly target: readonly string[];
  readonly query: Readonly<Record<string, unknown>> | undefined;
  /** Epoch seconds: access tokens expired before it are skipped. */
  readonly now: number;
  /** Removes an expired access token once the iteration has ended; none when the cache does not purge. */
  readonly purge: ((key: string, raw: RawEntry) => void) | undefined;
}

/**
 * MSAL Python's `search`: yields matching entries of one section. Access tokens that expired before `now` are skipped,
 * and removed through `purge` once the iteration has run to its end (as MSAL Python removes them). An access-token
 * query naming `home_account_id`, `environment`, `client_id` and `realm`, with a target, yields the entry stored
 * under exactly that key first. Works on a snapshot, so modifying yielded entries while iterating is safe.
 */
export function* searchEntries(store: CacheStore, section: CacheSection, search: SearchRequest): Generator<CacheEntry, void, undefined> {
  const { target, query, now, purge } = search;
  const table = store.state.table(section);
  const snapshot = [...table.entries.values()];
  const wanted = new Set(target);
  const isAccessToken = section === 'AccessToken';
  let preferred: string | undefined;
  if (isAccessToken && query !== undefined && target.length > 0) {
    const { home_account_id, environment, client_id, realm, ext_cache_key } = query;
    if ([home_account_id, environment, client_id, realm].every((v) => v !== undefined)) {
      const key = accessTokenKey({ home_account_id, environment, client_id, realm, ext_cache_key, target: [...target].sort().join(' ') });
      const stored = table.entries.get(key);
      if (stored !== undefined && !expired(stored.raw, now) && matchesQuery(stored.raw, query)) {
        preferred = key;
        yield frozenCopy(section, key, stored.raw);
      }
    }
  }
  const stale: Array<{ key: string; raw: RawEntry }> = [];
  // As MSAL Python 1.36+: a token with an extended cache key (fmi_path, ...) is only yielded to a query naming its key.
  const withExtKey = query !== undefined && Object.hasOwn(query, 'ext_cache_key');
  for (const { key, raw } of snapshot) {
    if (isAccessToken && expired(raw, now)) {
      stale.push({ key, raw });
      continue;
    }
    if (isAccessToken && !withExtKey && typeof raw['ext_cache_key'] === 'string' && raw['ext_cache_key'] !== '') continue;
    if (key !== preferred && matchesQuery(raw, query) && hasTarget(raw, wanted)) yield frozenCopy(section, key, raw);
  }
  if (purge !== undefined) for (const { key, raw } of stale) purge(key, raw);
}

function isJsonValue(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (depth > 16 || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.every((v) => isJsonValue(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return false;
  return Object.values(value).every((v) => isJsonValue(v, depth + 1));
}

/** @throws TypeError naming `name` when `value` is not a plain object of JSON values. */
export function checkEntryObject(value: unknown, name: string): RawEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !isJsonValue(value)) {
    throw new TypeError(`${name} must be a plain object of JSON values (an entry as search yields it)`);
  }
  return value as RawEntry;
}
