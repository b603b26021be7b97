/**
 * The access token index. A hit costs the same whatever the size of the cache:
 *
 * - one map access by the account (`home_account_id`, for user tokens) or by the tenant (`realm`, for app tokens),
 *   with the caller's own strings, whose hashes V8 caches, so a lookup builds and hashes no composite key;
 * - that leads to the few partitions of one account or tenant (one per client, environment, tenant and binding:
 *   `key_id`, `userAssertionHash`, `ext_cache_key`), compared field by field against interned strings;
 * - inside the partition, a token whose scopes equal the request's is found by comparing one interned string (or,
 *   in a partition holding many scope sets, by a per-partition map); otherwise the partition alone is scanned for a
 *   target containing every requested scope.
 *
 * Scope sets, lower-cased fields and expiry numbers are computed once, when an entry is indexed.
 *
 * Tokens read from a file are indexed bucket by bucket ({@link AccessTokenIndex.defer}): the first lookup of an
 * account or tenant indexes that account's or tenant's tokens, so a process that serves one token from a file of
 * thousands parses one bucket, not the file's every entry.
 */
import type { AccessTokenEntry } from './cache-types.js';
import { MultiMap, indexKey } from './multi-map.js';

/** Access tokens closer to expiry than this (seconds) are treated as absent, as every MSAL does. */
export const EXPIRY_MARGIN_SECONDS = 300;

/** A partition grows a scope-set map once it holds more tokens than this. */
const TARGET_MAP_THRESHOLD = 8;

/** The tokens of one client, environment, tenant, account and binding. */
interface Partition {
  readonly clientId: string;
  readonly environment: string;
  readonly realm: string;
  readonly homeAccountId: string;
  readonly keyId: string;
  readonly userAssertionHash: string;
  /** `ext_cache_key`, lower-cased; `''` for none. */
  readonly extCacheKey: string;
  readonly records: AccessTokenRecord[];
  /** `records[0]` when it is the only one: the common case, read without touching the array. */
  only: AccessTokenRecord | undefined;
  byTarget: Map<string, AccessTokenRecord[]> | undefined;
}

/** An indexed access token: its view plus what lookups compare, computed once. */
export interface AccessTokenRecord {
  readonly entry: AccessTokenEntry;
  /** Lower-cased scopes of the target. */
  readonly scopes: ReadonlySet<string>;
  /** Lower-cased, sorted, de-duplicated scopes joined by a space (interned). */
  readonly normalizedTarget: string;
  readonly expiresOn: number;
  readonly refreshOn: number | undefined;
  /** Lower-cased token type (interned). */
  readonly tokenType: string;
  /** Detached until {@link AccessTokenIndex.insert} points it at the shared partition. */
  partition: Partition;
}

/** A lookup, with the requested scopes already lower-cased. */
export interface AccessTokenLookup {
  /**
   * No requested scope is empty or holds whitespace, so "same normalized string" means "same scope set" and the
   * exact path needs no set comparison.
   */
  readonly plainScopes: boolean;
  readonly clientId: string;
  readonly environments: readonly string[];
  readonly realm: string;
  readonly homeAccountId: string | undefined;
  readonly keyId: string | undefined;
  readonly userAssertionHash: string | undefined;
  /** The `ext_cache_key` to require (lower-cased), or undefined for tokens with none. */
  readonly extCacheKey: string | undefined;
  /** Lower-cased token type to require, or undefined for any. */
  readonly tokenType: string | undefined;
  readonly loweredScopes: readonly string[];
}

/** Lower-cased, sorted, de-duplicated scopes joined by a space: equal sets give equal strings. */
export function normalizeScopes(lowered: readonly string[]): string {
  if (lowered.length === 1) return lowered[0] ?? '';
  const sorted = [...lowered].sort();
  let out = '';
  let previous: string | undefined;
  for (const s of sorted) {
    if (s === previous) continue;
    out = previous === undefined ? s : `${out} ${s}`;
    previous = s;
  }
  return out;
}

function containsAll(scopes: ReadonlySet<string>, wanted: readonly string[]): boolean {
  for (const s of wanted) if (!scopes.has(s)) return false;
  return true;
}

/**
 * Which of two candidates wins: an exact scope match, then the later expiry, then the smaller key (so the answer never
 * depends on insertion order).
 */
function better(a: AccessTokenRecord, aExact: boolean, b: AccessTokenRecord | undefined, bExact: boolean): boolean {
  if (b === undefined) return true;
  if (aExact !== bExact) return aExact;
  if (a.expiresOn !== b.expiresOn) return a.expiresOn > b.expiresOn;
  return a.entry.key < b.entry.key;
}

type Bucket = Partition | Partition[];

/** What indexes the tokens a load left unindexed: the store's state, which owns the entries and the index. */
export interface DeferredTokenOwner<D> {
  /** Parses and inserts the token (or finds that it was replaced or deleted meanwhile); twice must do no harm. */
  indexDeferredToken(token: D): void;
  /** The last deferred token has been indexed. */
  deferredTokensIndexed(): void;
}

/**
 * The access token index. Keep it in step with the entries: insert and remove every record exactly once.
 * `D` is what a load hands to {@link AccessTokenIndex.defer} for a token it leaves unindexed.
 */
export class AccessTokenIndex<D> {
  /** User tokens by lower-cased home account id. */
  readonly #byAccount = new Map<string, Bucket>();
  /** App tokens (no account) by lower-cased realm. */
  readonly #byTenant = new Map<string, Bucket>();
  /** Tokens by owner: (account, environment) for user tokens, (client, environment) for app tokens. */
  readonly #owners = new MultiMap<AccessTokenRecord>();
  /** One string object per distinct value, so the hit path compares hot, identical strings. */
  readonly #interned = new Map<string, string>();

  /**
   * One scope set per distinct target text, shared by every record with that target: tokens of many tenants or users
   * mostly carry the same few targets, and a set per token was a fifth of a loaded cache's memory.
   */
  readonly #targets = new Map<string, { readonly scopes: ReadonlySet<string>; readonly normalized: string }>();

  /** Loaded tokens not indexed yet, by the bucket a lookup reads: lower-cased home account id, or realm for app tokens. */
  readonly #deferredByAccount = new Map<string, D[]>();
  readonly #deferredByTenant = new Map<string, D[]>();
  readonly #deferredOwner: DeferredTokenOwner<D>;

  /** @param owner - indexes the tokens a load gave to {@link defer}, and hears when none is left. */
  constructor(owner: DeferredTokenOwner<D>) {
    this.#deferredOwner = owner;
  }

  /** Whether a loaded token still waits for its first lookup. */
  get deferring(): boolean {
    return this.#deferredByTenant.size + this.#deferredByAccount.size > 0;
  }

  /**
   * Leaves a loaded token's indexing to the first lookup of its bucket.
   * @param homeAccountId - the token's non-empty home account id, or undefined for an app token.
   * @param realm - the token's realm.
   */
  defer(homeAccountId: string | undefined, realm: string, token: D): void {
    const map = homeAccountId === undefined ? this.#deferredByTenant : this.#deferredByAccount;
    const key = homeAccountId === undefined ? realm.toLowerCase() : homeAccountId.toLowerCase();
    const list = map.get(key);
    if (list === undefined) map.set(key, [token]);
    else list.push(token);
  }

  /** Indexes one bucket's deferred tokens. Forgets them only once all ran: a throw leaves them for the next lookup. */
  #indexDeferred(map: Map<string, D[]>, key: string): void {
    const list = map.get(key);
    if (list === undefined) return;
    for (const token of list) this.#deferredOwner.indexDeferredToken(token);
    map.delete(key);
    if (!this.deferring) this.#deferredOwner.deferredTokensIndexed();
  }

  /** Indexes every deferred token of one map's buckets. */
  #indexAllDeferred(map: Map<string, D[]>): void {
    for (const key of [...map.keys()]) this.#indexDeferred(map, key);
  }

  /** Indexes every deferred token, for the queries that read across buckets. */
  indexAll(): void {
    this.#indexAllDeferred(this.#deferredByTenant);
    this.#indexAllDeferred(this.#deferredByAccount);
  }

  #target(target: string): { readonly scopes: ReadonlySet<string>; readonly normalized: string } {
    let found = this.#targets.get(target);
    if (found === undefined) {
      const scopes = new Set<string>();
      for (const s of target.split(/\s+/)) if (s !== '') scopes.add(s.toLowerCase());
      found = { scopes, normalized: this.#intern(normalizeScopes([...scopes])) };
      this.#targets.set(target, found);
    }
    return found;
  }

  #intern(s: string): string {
    const existing = this.#interned.get(s);
    if (existing !== undefined) return existing;
    this.#interned.set(s, s);
    return s;
  }

  /** Builds the record of an access token view (does not insert it). */
  makeRecord(entry: AccessTokenEntry): AccessTokenRecord {
    const { scopes, normalized } = this.#target(entry.target);
    const partition: Partition = {
      clientId: this.#intern(entry.client_id.toLowerCase()),
      environment: this.#intern(entry.environment.toLowerCase()),
      realm: entry.realm.toLowerCase(),
      homeAccountId: entry.home_account_id?.toLowerCase() ?? '',
      keyId: entry.key_id ?? '',
      userAssertionHash: entry.userAssertionHash ?? '',
      extCacheKey: entry.ext_cache_key ?? '',
      records: [],
      only: undefined,
      byTarget: undefined,
    };
    return {
      entry,
      scopes,
      normalizedTarget: normalized,
      expiresOn: entry.expires_on,
      refreshOn: entry.refresh_on,
      tokenType: this.#intern(entry.token_type.toLowerCase()),
      partition,
    };
  }

  #map(p: Partition): Map<string, Bucket> {
    return p.homeAccountId === '' ? this.#byTenant : this.#byAccount;
  }

  #bucketKey(p: Partition): string {
    return p.homeAccountId === '' ? p.realm : p.homeAccountId;
  }

  /** Indexes a record, sharing an existing partition with the same fields. */
  insert(r: AccessTokenRecord): void {
    const template = r.partition;
    const map = this.#map(template);
    const key = this.#bucketKey(template);
    const bucket = map.get(key);
    let partition = bucket === undefined ? undefined : findPartition(bucket, template);
    if (partition === undefined) {
      partition = template;
      if (bucket === undefined) map.set(key, partition);
      else if (Array.isArray(bucket)) bucket.push(partition);
      else map.set(key, [bucket, partition]);
    }
    r.partition = partition;
    partition.records.push(r);
    partition.only = partition.records.length === 1 ? r : undefined;
    if (partition.byTarget !== undefined) addTo(partition.byTarget, r);
    else if (partition.records.length > TARGET_MAP_THRESHOLD) {
      partition.byTarget = new Map();
      for (const each of partition.records) addTo(partition.byTarget, each);
    }
    this.#owners.add(ownerKeyOf(partition), r);
  }

  /** Removes an inserted record. */
  remove(r: AccessTokenRecord): void {
    const p = r.partition;
    const i = p.records.indexOf(r);
    if (i < 0) return;
    p.records.splice(i, 1);
    p.only = p.records.length === 1 ? p.records[0] : undefined;
    this.#owners.delete(ownerKeyOf(p), r);
    if (p.byTarget !== undefined) {
      const list = p.byTarget.get(r.normalizedTarget);
      if (list !== undefined) {
        list.splice(list.indexOf(r), 1);
        if (list.length === 0) p.byTarget.delete(r.normalizedTarget);
      }
    }
    if (p.records.length > 0) return;
    const map = this.#map(p);
    const key = this.#bucketKey(p);
    const bucket = map.get(key);
    if (bucket === p) map.delete(key);
    else if (Array.isArray(bucket)) {
      bucket.splice(bucket.indexOf(p), 1);
      const only = bucket[0];
      if (bucket.length === 1 && only !== undefined) map.set(key, only);
    }
  }

  /** Every user token of one account in one environment, across clients and tenants. */
  forAccount(homeAccountId: string, environment: string): AccessTokenRecord[] {
    this.#indexDeferred(this.#deferredByAccount, homeAccountId.toLowerCase());
    return [...(this.#owners.get(indexKey('user', homeAccountId.toLowerCase(), environment.toLowerCase())) ?? [])];
  }

  /** Every app token of one client in one environment, across tenants. */
  forClient(clientId: string, environment: string): AccessTokenRecord[] {
    this.#indexAllDeferred(this.#deferredByTenant);
    return [...(this.#owners.get(indexKey('app', clientId.toLowerCase(), environment.toLowerCase())) ?? [])];
  }

  /**
   * The best usable token, or undefined. Tokens met that have already expired are pushed to `expired` so the caller
   * can purge them after the lookup.
   */
  find(q: AccessTokenLookup, now: number, expired: AccessTokenRecord[] | undefined): AccessTokenRecord | undefined {
    const hid = q.homeAccountId === undefined ? '' : q.homeAccountId.toLowerCase();
    const realm = q.realm.toLowerCase();
    if (this.deferring) {
      this.#indexDeferred(hid === '' ? this.#deferredByTenant : this.#deferredByAccount, hid === '' ? realm : hid);
    }
    const bucket = hid === '' ? this.#byTenant.get(realm) : this.#byAccount.get(hid);
    if (bucket === undefined) return undefined;
    const clientId = q.clientId.toLowerCase();
    const keyId = q.keyId ?? '';
    const uah = q.userAssertionHash ?? '';
    const ext = q.extCacheKey ?? '';
    let normalized: string | undefined;
    for (const environment of q.environments) {
      const env = environment.toLowerCase();
      let p: Partition | undefined;
      if (Array.isArray(bucket)) {
        for (const each of bucket) {
          if (sameOwner(each, clientId, env, realm, hid) && sameBinding(each, keyId, uah, ext)) {
            p = each;
            break;
          }
        }
      } else if (sameOwner(bucket, clientId, env, realm, hid) && sameBinding(bucket, keyId, uah, ext)) {
        p = bucket;
      }
      if (p === undefined) continue;
      normalized ??= normalizeScopes(q.loweredScopes);
      const found = this.#best(p, q, normalized, now, expired);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  #best(p: Partition, q: AccessTokenLookup, normalized: string, now: number, expired: AccessTokenRecord[] | undefined): AccessTokenRecord | undefined {
    let best: AccessTokenRecord | undefined;
    // Only a request with odd scopes compares sets, and counts its distinct scopes for it.
    const distinct = q.plainScopes ? 0 : new Set(q.loweredScopes).size;
    // Tokens whose scope set equals the request's win outright. The normalized string narrows the candidates; only a
    // request with odd scopes (empty, or holding whitespace) needs the set comparison as well.
    const only = p.only;
    if (only !== undefined) {
      if (only.normalizedTarget === normalized && usable(only, q, now, expired) && (q.plainScopes || sameSet(only, q, distinct))) {
        return only;
      }
    } else {
      const exact = p.byTarget === undefined ? p.records : (p.byTarget.get(normalized) ?? []);
      for (const r of exact) {
        if (r.normalizedTarget !== normalized || !usable(r, q, now, expired)) continue;
        if (!q.plainScopes && !sameSet(r, q, distinct)) continue;
        if (better(r, true, best, true)) best = r;
      }
    }
    if (best !== undefined) return best;
    for (const r of p.records) {
      if (r.normalizedTarget === normalized || !usable(r, q, now, expired)) continue;
      if (!containsAll(r.scopes, q.loweredScopes)) continue;
      if (better(r, false, best, false)) best = r;
    }
    return best;
  }
}

function ownerKeyOf(p: Partition): string {
  return p.homeAccountId === '' ? indexKey('app', p.clientId, p.environment) : indexKey('user', p.homeAccountId, p.environment);
}

/** Same application, host, tenant and account (split from {@link sameBinding} to keep the hit path allocation-free). */
function sameOwner(p: Partition, clientId: string, env: string, realm: string, hid: string): boolean {
  return p.clientId === clientId && p.environment === env && p.realm === realm && p.homeAccountId === hid;
}

/** Same key binding (`key_id`), OBO assertion and extended cache key. */
function sameBinding(p: Partition, keyId: string, uah: string, ext: string): boolean {
  return p.keyId === keyId && p.userAssertionHash === uah && p.extCacheKey === ext;
}

function samePartition(p: Partition, t: Partition): boolean {
  return sameOwner(p, t.clientId, t.environment, t.realm, t.homeAccountId) && sameBinding(p, t.keyId, t.userAssertionHash, t.extCacheKey);
}

function findPartition(bucket: Bucket, t: Partition): Partition | undefined {
  if (!Array.isArray(bucket)) {
    return samePartition(bucket, t) ? bucket : undefined;
  }
  return bucket.find((p) => samePartition(p, t));
}

function sameSet(r: AccessTokenRecord, q: AccessTokenLookup, distinct: number): boolean {
  return r.scopes.size === distinct && containsAll(r.scopes, q.loweredScopes);
}

function addTo(map: Map<string, AccessTokenRecord[]>, r: AccessTokenRecord): void {
  const list = map.get(r.normalizedTarget);
  if (list === undefined) map.set(r.normalizedTarget, [r]);
  else list.push(r);
}

function usable(r: AccessTokenRecord, q: AccessTokenLookup, now: number, expired: AccessTokenRecord[] | undefined): boolean {
  if (r.expiresOn - now < EXPIRY_MARGIN_SECONDS) {
    if (expired !== undefined && r.expiresOn < now) expired.push(r);
    return false;
  }
  return q.tokenType === undefined || r.tokenType === q.tokenType;
}
