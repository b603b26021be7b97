/**
 * The in-memory token cache in the unified MSAL schema, with indexed lookups.
 */
import type { CacheAccessContext } from './cache-access.js';
import type { AccessTokenRecord } from './access-token-index.js';
import type { RawEntry } from './cache-entries.js';
import { accessTokenKey, accountKey, appMetadataKey, idTokenKey, refreshTokenKey } from './cache-keys.js';
import { CacheStore } from './cache-store.js';
import type {
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
  TokenCacheOptions,
  TokenResponseEvent,
} from './cache-types.js';
import { AppMetadataIndex } from './credential-indexes.js';
import { entriesFromEvent } from './response-entries.js';
import { checkCredentialType, checkEntryObject, keyOf, removalKey, searchEntries, type CacheEntry, type SearchOptions } from './cache-search.js';
import { AuthorityType, CredentialType } from './credential-type.js';
import { checkOptionKeys, optionShape, type OptionKeys } from '../util/options.js';
import { requireNonEmptyString } from '../util/checks.js';

const systemClock: Clock = { now: () => Date.now() / 1000 };

/** Every key of {@link TokenCacheOptions}, for subclasses whose options extend them. */
export const TOKEN_CACHE_OPTION_KEYS: OptionKeys<TokenCacheOptions> = { clock: true, purgeExpiredAccessTokens: true };
const OPTIONS = optionShape<TokenCacheOptions>('TokenCache options', TOKEN_CACHE_OPTION_KEYS);
const SEARCH_OPTIONS = optionShape<SearchOptions>('search options', { target: true, query: true, now: true });

/** Whitespace inside a requested scope: such a request cannot use the exact-scope shortcut. */
const ODD_SCOPE = /\s/;

const DEFAULT_AUTHORITY_TYPES: readonly string[] = ['MSSTS', 'ADFS'];

/** The extended cache keys of a request without any: shared, so a hit allocates no array. */
const NO_KEYS: readonly string[] = Object.freeze([]);

function requireStringArray(value: unknown, name: string, nonEmpty: boolean): readonly string[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of strings`);
  for (const item of value as unknown[]) if (typeof item !== 'string') throw new TypeError(`${name} must be an array of strings`);
  if (nonEmpty && value.length === 0) throw new TypeError(`${name} must not be empty`);
  return value as readonly string[];
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value !== undefined && typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return value === '' ? undefined : value;
}

/**
 * MSAL Python's `TokenCache`: holds access tokens, refresh tokens, id tokens, accounts and app metadata in the unified
 * MSAL schema. Every lookup the silent flow makes is answered from an index, so a hit costs the same whatever the
 * number of tenants or accounts in the cache.
 *
 * Not persisted: see {@link SerializableTokenCache} for `serialize`/`deserialize`.
 *
 * @example
 * ```ts
 * const cache = new TokenCache();
 * cache.add({ clientId, scopes: ['https://graph.microsoft.com/.default'], environment: 'login.microsoftonline.com',
 *   realm: tenantId, grantType: 'client_credentials', response: tokenResponse });
 * const hit = cache.findAccessToken({ clientId, environments: ['login.microsoftonline.com'], realm: tenantId,
 *   homeAccountId: undefined, scopes: ['https://graph.microsoft.com/.default'] });
 * ```
 */
export class TokenCache {
  /** MSAL Python's `TokenCache.CredentialType`: the section names {@link search} and {@link modify} take. */
  static readonly CredentialType = CredentialType;
  /** MSAL Python's `TokenCache.AuthorityType`: the `authority_type` values of Account entries. */
  static readonly AuthorityType = AuthorityType;

  /**
   * Whether the cache changed since this flag was last reset (MSAL Python's `has_state_changed`). Every `add` sets it,
   * even one that changed nothing, as Python does; so does every modification or removal, including the purge of an
   * expired access token during a lookup. {@link SerializableTokenCache} resets it on serialize and deserialize.
   */
  hasStateChanged = false;

  /** The entries and their indexes. Every change goes through `store.write`. */
  protected readonly store: CacheStore;
  readonly #clock: Clock;
  readonly #purge: boolean;
  /** Reused by every lookup to collect expired tokens without allocating. */
  readonly #expired: AccessTokenRecord[] = [];

  /**
   * @param options - an injectable clock, and whether lookups purge expired access tokens.
   * @throws TypeError when `options.clock` has no `now` function.
   */
  constructor(options: TokenCacheOptions = {}) {
    // A subclass's options add keys of its own: it checks them itself.
    if (isExactly(new.target)) checkOptionKeys(options, OPTIONS);
    const clock = options.clock ?? systemClock;
    if (typeof clock.now !== 'function') throw new TypeError('options.clock.now must be a function');
    this.#clock = clock;
    this.#purge = options.purgeExpiredAccessTokens ?? true;
    this.store = new CacheStore((section, key, before, after) => {
      this.hasStateChanged = true;
      this.entryWritten(section, key, before, after);
    });
  }

  /**
   * Called after every change of one entry (by `add`, `remove*`, a lookup's purge, or a subclass's own loading), with
   * the entry before and after (`undefined`: absent). Does nothing here; a cache that mirrors changes elsewhere (the
   * distributed cache) overrides it to learn exactly which entries a mutation touched, without diffing.
   */
  protected entryWritten(section: CacheSection, key: string, before: RawEntry | undefined, after: RawEntry | undefined): void {
    void section;
    void key;
    void before;
    void after;
  }

  /**
   * Whether other processes can read what this cache holds: true when a subclass keeps its entries outside the process
   * (it overrides {@link beforeRead} or {@link write}, as `PersistedTokenCache` and `DistributedTokenCache` do),
   * false for the in-memory caches. `ManagedIdentityClient` refuses a shared cache: nothing in a cache can tell one
   * managed identity from another, so tokens would cross identities.
   *
   * A subclass that only observes reads and writes, keeping everything in this process, may override this to return
   * `false`.
   */
  get sharedBeyondProcess(): boolean {
    return keepsEntriesElsewhere(this);
  }

  /**
   * Called by applications before they read the cache for a request. A cache kept outside the process reloads here
   * when its store changed. The in-memory cache does nothing and returns `undefined` (not a promise), so a cache hit
   * costs no `await`.
   *
   * @param context - the application and the partition the request reads.
   */
  beforeRead(context: CacheAccessContext): void | Promise<void> {
    void context;
  }

  /**
   * Applies the changes of one token response (or one removal) through `mutate`. A cache kept outside the process
   * overrides this to lock its store, reload it, run `mutate`, and save once. The in-memory cache just runs `mutate`.
   *
   * @param context - the application and the partition being written.
   * @param mutate - synchronous changes to this cache (`add`, `updateRt`, `remove*`).
   * @returns what `mutate` returns (a promise of it for caches that do I/O).
   */
  write<T>(context: CacheAccessContext, mutate: () => T): T | Promise<T> {
    void context;
    return mutate();
  }

  #now(now: number | undefined, name: string): number {
    if (now === undefined) return this.#clock.now();
    if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError(`${name} must be a finite number of seconds`);
    return now;
  }

  /**
   * Stores what a token response brought, as MSAL Python's `add()` does: an access token, an Account (unless
   * `skipAccountCreation`, or an app token), an id token, a refresh token and, always, the app's metadata.
   *
   * @param event - the response and its context.
   * @param now - the time of the response in epoch seconds; defaults to the clock.
   * @throws TypeError when the event is malformed (names the field).
   * @throws InvalidResponseError when the response's `client_info`, `id_token` or numeric fields cannot be read.
   */
  add(event: TokenResponseEvent, now?: number): void {
    const entries = entriesFromEvent(event, this.#now(now, 'now'));
    if (entries.accessToken !== undefined) this.#put('AccessToken', accessTokenKey(entries.accessToken), entries.accessToken);
    if (entries.account !== undefined) this.#put('Account', accountKey(entries.account), entries.account);
    if (entries.idToken !== undefined) this.#put('IdToken', idTokenKey(entries.idToken), entries.idToken);
    if (entries.refreshToken !== undefined) {
      this.#put('RefreshToken', refreshTokenKey(entries.refreshToken), entries.refreshToken);
    }
    this.#put('AppMetadata', appMetadataKey(entries.appMetadata), entries.appMetadata);
    this.hasStateChanged = true;
  }

  #put(section: CacheSection, key: string, raw: Readonly<Record<string, unknown>> | undefined): boolean {
    return this.store.write(section, key, raw);
  }

  /**
   * The best cached access token for a request, or `undefined`. A token closer than 5 minutes to expiry counts as
   * absent. Among matches, one whose scopes equal the requested ones wins, then the one that expires last.
   *
   * Cost: one map access per environment tried, then the tokens of that one app/tenant/account partition.
   *
   * @param query - see {@link AccessTokenQuery}.
   * @param now - epoch seconds; defaults to the clock.
   * @throws TypeError when the query is malformed.
   */
  findAccessToken(query: AccessTokenQuery, now?: number): AccessTokenHit | undefined {
    const t = this.#now(now, 'now');
    const clientId = requireNonEmptyString(query.clientId, 'query.clientId');
    const environments = requireStringArray(query.environments, 'query.environments', true);
    if (typeof query.realm !== 'string') throw new TypeError('query.realm must be a string');
    const realmAliases = query.realmAliases === undefined ? undefined : requireStringArray(query.realmAliases, 'query.realmAliases', false);
    const homeAccountId = optionalString(query.homeAccountId, 'query.homeAccountId');
    const scopes = requireStringArray(query.scopes, 'query.scopes', false);
    const keyId = optionalString(query.keyId, 'query.keyId');
    const userAssertionHash = optionalString(query.userAssertionHash, 'query.userAssertionHash');
    const tokenType = optionalString(query.tokenType, 'query.tokenType');
    const extCacheKeys = query.extCacheKeys === undefined ? NO_KEYS : requireStringArray(query.extCacheKeys, 'query.extCacheKeys', false);
    const loweredScopes = scopes.length === 1 ? [(scopes[0] ?? '').toLowerCase()] : scopes.map((s) => s.toLowerCase());
    let plainScopes = true;
    for (const s of loweredScopes) if (s === '' || ODD_SCOPE.test(s)) plainScopes = false;
    const expired = this.#purge ? this.#expired : undefined;
    const index = this.store.state.accessTokenIndex;
    const lookup = {
      clientId,
      environments,
      realm: query.realm,
      homeAccountId,
      keyId,
      userAssertionHash,
      extCacheKey: extCacheKeys[0]?.toLowerCase(),
      tokenType: tokenType?.toLowerCase(),
      loweredScopes,
      plainScopes,
    };
    let found = index.find(lookup, t, expired);
    // Further extended keys (an older hash form of the same components) are tried only on a miss.
    for (let i = 1; found === undefined && i < extCacheKeys.length; i++) {
      found = index.find({ ...lookup, extCacheKey: extCacheKeys[i]?.toLowerCase() }, t, expired);
    }
    // Off the hit path: only an app token's miss reads the realm's other names.
    if (found === undefined && realmAliases !== undefined && homeAccountId === undefined) {
      for (const realm of realmAliases) {
        found = index.find({ ...lookup, realm }, t, expired);
        if (found !== undefined) break;
      }
    }
    if (expired !== undefined && expired.length > 0) {
      for (const r of expired) this.#removeAccessTokenRecord(r);
      expired.length = 0;
    }
    if (found === undefined) return undefined;
    const refreshOn = found.refreshOn;
    return { entry: found.entry, aging: refreshOn !== undefined && refreshOn < t };
  }

  #removeAccessTokenRecord(r: AccessTokenRecord): void {
    // Only if that very record is still stored: a lookup may meet the same expired token twice.
    if (this.store.state.accessTokens.entries.get(r.entry.key)?.indexed === r) this.#put('AccessToken', r.entry.key, undefined);
  }

  /**
   * Refresh tokens of an account in one environment, for one app (`clientId`) or one family (`familyId`), newest
   * first (`last_modification_time`), as the silent flow tries them.
   */
  findRefreshTokens(query: RefreshTokenQuery): RefreshTokenEntry[] {
    const hid = requireNonEmptyString(query.homeAccountId, 'query.homeAccountId');
    const env = requireNonEmptyString(query.environment, 'query.environment');
    const uah = optionalString(query.userAssertionHash, 'query.userAssertionHash');
    const index = this.store.state.refreshTokenIndex;
    const found =
      query.familyId !== undefined
        ? index.byFamily(hid, env, requireNonEmptyString(query.familyId, 'query.familyId'), uah)
        : index.byClient(hid, env, requireNonEmptyString(query.clientId, 'query.clientId'), uah);
    return found.sort((a, b) => (b.last_modification_time ?? 0) - (a.last_modification_time ?? 0));
  }

  /** Whether any refresh token is stored for this environment (the silent flow skips aliases that have none). */
  hasRefreshTokens(environment: string): boolean {
    return this.store.state.refreshTokenIndex.hasEnvironment(requireNonEmptyString(environment, 'environment'));
  }

  /** The id token of an account for one app in one tenant, or `undefined`. */
  findIdToken(query: IdTokenQuery): IdTokenEntry | undefined {
    return this.store.state.idTokenIndex.find(
      requireNonEmptyString(query.homeAccountId, 'query.homeAccountId'),
      requireNonEmptyString(query.environment, 'query.environment'),
      requireNonEmptyString(query.realm, 'query.realm'),
      requireNonEmptyString(query.clientId, 'query.clientId'),
    );
  }

  /** The app's metadata in an environment (tells whether the app belongs to a FOCI family), or `undefined`. */
  getAppMetadata(environment: string, clientId: string): AppMetadataEntry | undefined {
    const key = AppMetadataIndex.key(requireNonEmptyString(environment, 'environment'), requireNonEmptyString(clientId, 'clientId'));
    return this.store.state.appMetadataIndex.byKey(key);
  }

  /**
   * Accounts as MSAL Python's `get_accounts` lists them: from the first of `environments` that has any, only MSSTS
   * and ADFS accounts (or `authorityTypes`), one per `home_account_id` (the last entry wins), optionally only those
   * whose username matches case-insensitively.
   */
  getAccounts(options: {
    readonly environments: readonly string[];
    readonly username?: string | undefined;
    readonly authorityTypes?: readonly string[] | undefined;
  }): Account[] {
    const environments = requireStringArray(options.environments, 'options.environments', false);
    const username = optionalString(options.username, 'options.username');
    const types = options.authorityTypes ?? DEFAULT_AUTHORITY_TYPES;
    let grouped = new Map<string, AccountEntry>();
    for (const env of environments) {
      grouped = new Map();
      for (const a of this.store.state.accountIndex.byEnvironment(env) ?? []) {
        if (a.authority_type !== undefined && types.includes(a.authority_type)) grouped.set(a.home_account_id, a);
      }
      if (grouped.size > 0) break;
    }
    const wanted = username?.toLowerCase();
    const out: Account[] = [];
    for (const a of grouped.values()) {
      if (wanted !== undefined && a.username.toLowerCase() !== wanted) continue;
      out.push({
        home_account_id: a.home_account_id,
        environment: a.environment,
        username: a.username,
        local_account_id: a.local_account_id,
        realm: a.realm,
        authority_type: a.authority_type ?? '',
        account_source: a.account_source,
        ...(a.tenantProfiles === undefined ? {} : { tenantProfiles: a.tenantProfiles }),
      });
    }
    return out;
  }

  /**
   * Every entry of one home account in one environment, across apps and tenants: what sign-out and removeAccount
   * delete (the app layer applies MSAL Python's ownership rules to the refresh tokens).
   */
  getAccountEntries(homeAccountId: string, environment: string): AccountEntries {
    const hid = requireNonEmptyString(homeAccountId, 'homeAccountId');
    const env = requireNonEmptyString(environment, 'environment');
    const state = this.store.state;
    return {
      accessTokens: state.accessTokenIndex.forAccount(hid, env).map((r) => r.entry),
      refreshTokens: state.refreshTokenIndex.byAccount(hid, env),
      idTokens: state.idTokenIndex.byAccount(hid, env),
      accounts: state.accountIndex.byAccount(hid, env),
    };
  }

  /** Every access token that can be served, in file order. A full scan: for tools and tests, not the hot path. */
  listAccessTokens(): AccessTokenEntry[] {
    const out: AccessTokenEntry[] = [];
    const state = this.store.state;
    state.accessTokenIndex.indexAll();
    for (const stored of state.accessTokens.entries.values()) if (stored.indexed) out.push(stored.indexed.entry);
    return out;
  }

  /**
   * Replaces a refresh token's secret after a refresh (MSAL Python's `update_rt`) and bumps its
   * `last_modification_time`. The entry is rewritten under MSAL Python's key (an entry read with another MSAL's key
   * moves). Returns false, and writes nothing, when the entry is no longer in the cache (e.g. a concurrent removeAccount).
   * Takes a typed entry or one {@link search} yielded.
   *
   * @throws TypeError when `rt` is not a refresh token or `newSecret` is not a non-empty string.
   */
  updateRt(rt: RefreshTokenEntry | CacheEntry, newSecret: string, now?: number): boolean {
    const oldKey = removalKey('RefreshToken', rt, 'rt');
    requireNonEmptyString(newSecret, 'newSecret');
    const t = this.#now(now, 'now');
    const stored = this.store.state.refreshTokens.entries.get(oldKey);
    if (stored === undefined) return false;
    const updated = { ...stored.raw, secret: newSecret, last_modification_time: String(Math.trunc(t)) };
    const key = refreshTokenKey(updated);
    if (key !== oldKey) this.#put('RefreshToken', oldKey, undefined);
    this.#put('RefreshToken', key, updated);
    return true;
  }

  /**
   * MSAL Python's `search`: the entries of one section that have every field of `query` (equal values) and every
   * scope of `target` (compared exactly), as frozen copies of the stored JSON objects. Access tokens that expired
   * before `now` are skipped, and purged once the iteration has run to its end (unless the cache was built with
   * `purgeExpiredAccessTokens: false`). A yielded entry can be passed back to {@link modify} and the `remove*` methods,
   * which then act on that very entry whatever key another MSAL stored it under.
   *
   * Not for the hot path: it scans the whole section (unlike the typed finders, which are indexed), and it does not
   * reload a persisted cache (call the cache's `beforeRead` first to see other processes' changes).
   *
   * @param credentialType - One of {@link CredentialType}'s values.
   * @param options - `target`, `query`, `now` (epoch seconds).
   * @throws TypeError naming the argument for an unknown credential type or malformed options.
   * @example
   * ```ts
   * for (const rt of cache.search(CredentialType.REFRESH_TOKEN, { query: { client_id: clientId } })) console.log(rt.environment);
   * ```
   */
  search(credentialType: CredentialType, options: SearchOptions = {}): Generator<CacheEntry, void, undefined> {
    const section = checkCredentialType(credentialType);
    checkOptionKeys(options, SEARCH_OPTIONS);
    const target = options.target === undefined ? [] : requireStringArray(options.target, 'options.target', false);
    const query = options.query === undefined ? undefined : checkEntryObject(options.query, 'options.query');
    const now = Math.trunc(this.#now(options.now, 'options.now'));
    const purge = this.#purge
      ? (key: string, raw: RawEntry): void => {
          // Only if that very entry is still stored: it may have changed while the caller iterated.
          if (this.store.state.accessTokens.entries.get(key)?.raw === raw) this.#put('AccessToken', key, undefined);
        }
      : undefined;
    return searchEntries(this.store, section, { target, query, now, purge });
  }

  /**
   * MSAL Python's `find`: {@link search}'s entries as an array (MSAL Python deprecates `find` for `list(search(...))`;
   * both are here). Scans the section: not for the hot path.
   *
   * @throws TypeError as {@link search}.
   */
  find(credentialType: CredentialType, options: SearchOptions = {}): CacheEntry[] {
    return [...this.search(credentialType, options)];
  }

  /**
   * MSAL Python's `modify`: writes `oldEntry` merged with `newKeyValuePairs` back under `oldEntry`'s key (the key is
   * not recomputed, as in MSAL Python, even when the new fields would give another), or removes the entry when
   * `newKeyValuePairs` is omitted or empty. `oldEntry` is an entry {@link search} yielded, or any object of fields, whose
   * key is then the one MSAL Python computes (so modify can also insert, as MSAL Python's can). The indexes follow.
   *
   * On a persisted cache, make the change inside the cache's `write(context, mutate)` so it is locked and saved.
   *
   * @param credentialType - One of {@link CredentialType}'s values.
   * @param oldEntry - The entry to change or remove.
   * @param newKeyValuePairs - Fields to set (JSON values, wire names).
   * @throws TypeError naming the argument when it is malformed; CacheFormatError when the result is not a valid entry
   *   of its section (nothing is changed then).
   */
  modify(credentialType: CredentialType, oldEntry: CacheEntry, newKeyValuePairs?: Readonly<Record<string, unknown>>): void {
    const section = checkCredentialType(credentialType);
    const old = checkEntryObject(oldEntry, 'oldEntry');
    const pairs = newKeyValuePairs === undefined ? undefined : checkEntryObject(newKeyValuePairs, 'newKeyValuePairs');
    const key = keyOf(section, old, false);
    // An empty object removes, as MSAL Python's `if new_key_value_pairs:` does.
    if (pairs === undefined || Object.keys(pairs).length === 0) this.#put(section, key, undefined);
    else this.#put(section, key, { ...old, ...pairs });
  }

  /**
   * Removes an access token: one the typed finders returned, or one {@link search} yielded (or any object of its
   * fields, as MSAL Python's `remove_at` takes). Returns whether it was there.
   *
   * @throws TypeError when the entry is not an access token.
   */
  removeAt(at: AccessTokenEntry | CacheEntry): boolean {
    return this.#put('AccessToken', removalKey('AccessToken', at, 'at'), undefined);
  }

  /** Removes a refresh token (typed, or as {@link search} yields it). Returns whether it was there. @throws TypeError */
  removeRt(rt: RefreshTokenEntry | CacheEntry): boolean {
    return this.#put('RefreshToken', removalKey('RefreshToken', rt, 'rt'), undefined);
  }

  /** Removes an id token (typed, or as {@link search} yields it). Returns whether it was there. @throws TypeError */
  removeIdt(idt: IdTokenEntry | CacheEntry): boolean {
    return this.#put('IdToken', removalKey('IdToken', idt, 'idt'), undefined);
  }

  /**
   * Removes one Account entry (not its tokens: see {@link getAccountEntries}), typed or as {@link search} yields it.
   * Returns whether it was there.
   *
   * @throws TypeError when the entry is not an Account entry.
   */
  removeAccount(account: AccountEntry | CacheEntry): boolean {
    return this.#put('Account', removalKey('Account', account, 'account'), undefined);
  }

  /** Removes an AppMetadata entry (typed, or as {@link search} yields it). Returns whether it was there. */
  removeAppMetadata(appMetadata: AppMetadataEntry | CacheEntry): boolean {
    if (typeof appMetadata !== 'object' || appMetadata === null) throw new TypeError('appMetadata must be an entry of the cache');
    return this.#put('AppMetadata', keyOf('AppMetadata', appMetadata, true), undefined);
  }

  /**
   * Removes the app's own tokens (access tokens with no account: client credentials) in every given environment, any
   * tenant, as MSAL Python's `remove_tokens_for_client`. Returns how many were removed.
   */
  removeTokensForClient(clientId: string, environments: readonly string[]): number {
    requireNonEmptyString(clientId, 'clientId');
    requireStringArray(environments, 'environments', false);
    let removed = 0;
    for (const env of environments) {
      for (const r of this.store.state.accessTokenIndex.forClient(clientId, env)) if (this.#put('AccessToken', r.entry.key, undefined)) removed++;
    }
    return removed;
  }
}

// The two checks below name TokenCache from outside its body on purpose: a class that names itself inside its body is
// emitted by the bundler as `class _TokenCache`, and then reports that as its `name` (the bundles keep no names).

/** Whether `target` (a constructor's `new.target`) is TokenCache itself, not a subclass. */
function isExactly(target: unknown): boolean {
  return target === TokenCache;
}

/** Whether `cache` overrides the hooks through which a cache kept outside the process loads and stores. */
function keepsEntriesElsewhere(cache: TokenCache): boolean {
  return cache.beforeRead !== TokenCache.prototype.beforeRead || cache.write !== TokenCache.prototype.write;
}
