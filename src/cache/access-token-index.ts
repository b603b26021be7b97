/**
 * The access token index. A hit costs a few hash lookups whatever the size of the cache:
 *
 * - a partition key `clientId|environment|realm|homeAccountId|keyId|userAssertionHash` (the first four lower-cased)
 *   leads to the few tokens of one app, tenant, account and binding;
 * - inside a partition, the requested scopes' normalized form (lower-cased, sorted, de-duplicated) leads straight to
 *   tokens whose target is exactly that set, so the common "same scopes as last time" request never scans;
 * - otherwise the partition (and only it) is scanned for a target that contains every requested scope.
 *
 * Scope sets are computed once per entry, when it is indexed, so a lookup parses nothing.
 */
import type { AccessTokenEntry } from './cache-types.js';
import { MultiMap, indexKey } from './multi-map.js';

/** An indexed access token: its view plus what lookups compare, computed once. */
export interface AccessTokenRecord {
  readonly entry: AccessTokenEntry;
  /** Lower-cased scopes of the target. */
  readonly scopes: ReadonlySet<string>;
  /** {@link normalizeScopes} of the target. */
  readonly normalizedTarget: string;
  readonly partition: string;
  readonly owner: string;
}

/** The fields that pick a partition. */
export interface PartitionFields {
  readonly clientId: string;
  readonly environment: string;
  readonly realm: string;
  readonly homeAccountId: string | undefined;
  readonly keyId: string | undefined;
  readonly userAssertionHash: string | undefined;
}

/** Access tokens closer to expiry than this (seconds) are treated as absent, as every MSAL does. */
export const EXPIRY_MARGIN_SECONDS = 300;

const SEP = '\u0000';

/** The partition key. Built by concatenation, not an array join, because it runs on every lookup. */
export function partitionKey(f: PartitionFields): string {
  return (
    f.clientId.toLowerCase() + SEP + f.environment.toLowerCase() + SEP + f.realm.toLowerCase() + SEP +
    (f.homeAccountId === undefined ? '' : f.homeAccountId.toLowerCase()) + SEP +
    (f.keyId ?? '') + SEP + (f.userAssertionHash ?? '')
  );
}

/** Whose tokens these are, for removeAccount (user tokens) and removeTokensForClient (app tokens). */
export function ownerKey(homeAccountId: string | undefined, clientId: string, environment: string): string {
  return homeAccountId === undefined
    ? indexKey('app', clientId.toLowerCase(), environment.toLowerCase())
    : indexKey('user', homeAccountId.toLowerCase(), environment.toLowerCase());
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

/** Builds the record of an access token view. */
export function makeAccessTokenRecord(entry: AccessTokenEntry): AccessTokenRecord {
  const scopes = new Set<string>();
  for (const s of entry.target.split(/\s+/)) if (s !== '') scopes.add(s.toLowerCase());
  return {
    entry,
    scopes,
    normalizedTarget: normalizeScopes([...scopes]),
    partition: partitionKey({
      clientId: entry.client_id,
      environment: entry.environment,
      realm: entry.realm,
      homeAccountId: entry.home_account_id,
      keyId: entry.key_id,
      userAssertionHash: entry.userAssertionHash,
    }),
    owner: ownerKey(entry.home_account_id, entry.client_id, entry.environment),
  };
}

interface Partition {
  readonly all: Set<AccessTokenRecord>;
  readonly byTarget: Map<string, AccessTokenRecord[]>;
}

/** A lookup: everything but the environment, plus the requested scopes already lower-cased. */
export interface AccessTokenLookup {
  readonly clientId: string;
  readonly environments: readonly string[];
  readonly realm: string;
  readonly homeAccountId: string | undefined;
  readonly keyId: string | undefined;
  readonly userAssertionHash: string | undefined;
  /** Lower-cased token type to require, or undefined for any. */
  readonly tokenType: string | undefined;
  readonly loweredScopes: readonly string[];
}

/**
 * Which of two candidates wins: an exact scope match, then the later expiry, then the smaller key (so the answer never
 * depends on insertion order).
 */
function better(a: AccessTokenRecord, aExact: boolean, b: AccessTokenRecord | undefined, bExact: boolean): boolean {
  if (b === undefined) return true;
  if (aExact !== bExact) return aExact;
  if (a.entry.expires_on !== b.entry.expires_on) return a.entry.expires_on > b.entry.expires_on;
  return a.entry.key < b.entry.key;
}

function containsAll(scopes: ReadonlySet<string>, wanted: readonly string[]): boolean {
  for (const s of wanted) if (!scopes.has(s)) return false;
  return true;
}

/** The access token index. Keep it in step with the entries: insert and remove every record exactly once. */
export class AccessTokenIndex {
  readonly #partitions = new Map<string, Partition>();
  readonly #owners = new MultiMap<AccessTokenRecord>();

  /** Indexes a record. */
  insert(r: AccessTokenRecord): void {
    let p = this.#partitions.get(r.partition);
    if (p === undefined) {
      p = { all: new Set(), byTarget: new Map() };
      this.#partitions.set(r.partition, p);
    }
    p.all.add(r);
    const list = p.byTarget.get(r.normalizedTarget);
    if (list === undefined) p.byTarget.set(r.normalizedTarget, [r]);
    else list.push(r);
    this.#owners.add(r.owner, r);
  }

  /** Removes a record from the index. */
  remove(r: AccessTokenRecord): void {
    const p = this.#partitions.get(r.partition);
    if (p !== undefined) {
      p.all.delete(r);
      const list = p.byTarget.get(r.normalizedTarget);
      if (list !== undefined) {
        const i = list.indexOf(r);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) p.byTarget.delete(r.normalizedTarget);
      }
      if (p.all.size === 0) this.#partitions.delete(r.partition);
    }
    this.#owners.delete(r.owner, r);
  }

  /** The records of one owner (see {@link ownerKey}). */
  byOwner(owner: string): ReadonlySet<AccessTokenRecord> | undefined {
    return this.#owners.get(owner);
  }

  /**
   * The best usable token, or undefined. Tokens met that have already expired are pushed to `expired` (allocated by
   * the caller only when needed) so the caller can purge them after the lookup.
   */
  find(q: AccessTokenLookup, now: number, expired: AccessTokenRecord[] | undefined): AccessTokenRecord | undefined {
    let normalized: string | undefined;
    let distinct = 0;
    for (const environment of q.environments) {
      const p = this.#partitions.get(
        partitionKey({
          clientId: q.clientId,
          environment,
          realm: q.realm,
          homeAccountId: q.homeAccountId,
          keyId: q.keyId,
          userAssertionHash: q.userAssertionHash,
        }),
      );
      if (p === undefined) continue;
      if (normalized === undefined) {
        normalized = normalizeScopes(q.loweredScopes);
        distinct = q.loweredScopes.length <= 1 ? q.loweredScopes.length : new Set(q.loweredScopes).size;
      }
      let best: AccessTokenRecord | undefined;
      let bestExact = false;
      // The exact-target list is only an accelerator: every candidate is still checked against the request.
      const exact = p.byTarget.get(normalized);
      if (exact !== undefined) {
        for (const r of exact) {
          if (!this.#usable(r, q, now, expired)) continue;
          if (r.scopes.size !== distinct || !containsAll(r.scopes, q.loweredScopes)) continue;
          if (better(r, true, best, bestExact)) {
            best = r;
            bestExact = true;
          }
        }
      }
      if (best === undefined) {
        for (const r of p.all) {
          if (!this.#usable(r, q, now, expired)) continue;
          if (!containsAll(r.scopes, q.loweredScopes)) continue;
          const isExact = r.scopes.size === distinct;
          if (better(r, isExact, best, bestExact)) {
            best = r;
            bestExact = isExact;
          }
        }
      }
      if (best !== undefined) return best;
    }
    return undefined;
  }

  #usable(r: AccessTokenRecord, q: AccessTokenLookup, now: number, expired: AccessTokenRecord[] | undefined): boolean {
    const e = r.entry;
    if (e.expires_on - now < EXPIRY_MARGIN_SECONDS) {
      if (expired !== undefined && e.expires_on < now) expired.push(r);
      return false;
    }
    return q.tokenType === undefined || e.token_type.toLowerCase() === q.tokenType;
  }
}
