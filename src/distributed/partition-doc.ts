/**
 * One partition's content as stored: a unified MSAL cache document (the same JSON `SerializableTokenCache` reads), held
 * as maps of raw entries so a change can be applied to a copy without touching the in-memory cache.
 */
import type { RawEntry } from '../cache/cache-entries.js';
import { parseAccessToken, parseAccount, parseAppMetadata, parseIdToken, parseRefreshToken } from '../cache/cache-entries.js';
import type { CacheSection } from '../cache/cache-types.js';

/** A parsed partition. Treated as immutable: changes make a copy. */
export interface PartitionDoc {
  readonly sections: ReadonlyMap<CacheSection, ReadonlyMap<string, RawEntry>>;
  /** Top-level sections this library does not know, kept verbatim. */
  readonly extras: ReadonlyMap<string, unknown>;
}

/** One entry a mutation wrote (`after`) or removed (`after` undefined). */
export interface EntryChange {
  readonly section: CacheSection;
  readonly key: string;
  readonly after: RawEntry | undefined;
}

export const EMPTY_PARTITION: PartitionDoc = { sections: new Map(), extras: new Map() };

const SECTIONS: readonly CacheSection[] = ['AccessToken', 'RefreshToken', 'IdToken', 'Account', 'AppMetadata'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSection(name: string): name is CacheSection {
  return (SECTIONS as readonly string[]).includes(name);
}

/**
 * Reads a stored partition. `undefined` when it is not a unified cache document at all (not JSON, not an object, a
 * section that is not an object of objects): the caller treats that as an empty partition that its next write
 * replaces. Field types are checked later, when the entries enter the cache.
 */
export function parsePartition(text: string): PartitionDoc | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(data)) return undefined;
  const sections = new Map<CacheSection, Map<string, RawEntry>>();
  const extras = new Map<string, unknown>();
  for (const [name, value] of Object.entries(data)) {
    if (!isSection(name)) {
      extras.set(name, value);
      continue;
    }
    if (!isObject(value)) return undefined;
    const entries = new Map<string, RawEntry>();
    for (const [key, entry] of Object.entries(value)) {
      if (!isObject(entry)) return undefined;
      entries.set(key, entry);
    }
    sections.set(name, entries);
  }
  return { sections, extras };
}

/** Compact JSON in the unified cache format; empty sections are left out. */
export function serializePartition(doc: PartitionDoc): string {
  const out = Object.create(null) as Record<string, unknown>;
  for (const name of SECTIONS) {
    const entries = doc.sections.get(name);
    if (entries === undefined || entries.size === 0) continue;
    // Null-prototype objects, so an entry key such as "__proto__" stays an ordinary key.
    const section = Object.create(null) as Record<string, unknown>;
    for (const [key, raw] of entries) section[key] = raw;
    out[name] = section;
  }
  for (const [name, value] of doc.extras) out[name] = value;
  return JSON.stringify(out);
}

/** A copy of `doc` with `changes` applied. Applying the same changes twice gives the same document. */
export function applyChanges(doc: PartitionDoc, changes: Iterable<EntryChange>): PartitionDoc {
  const sections = new Map<CacheSection, Map<string, RawEntry>>();
  for (const [name, entries] of doc.sections) sections.set(name, new Map(entries));
  for (const c of changes) {
    let entries = sections.get(c.section);
    if (entries === undefined) {
      entries = new Map();
      sections.set(c.section, entries);
    }
    if (c.after === undefined) entries.delete(c.key);
    else entries.set(c.key, c.after);
  }
  return { sections, extras: doc.extras };
}

const PARSERS: Record<CacheSection, (key: string, raw: RawEntry) => unknown> = {
  AccessToken: parseAccessToken,
  RefreshToken: parseRefreshToken,
  IdToken: parseIdToken,
  Account: parseAccount,
  AppMetadata: parseAppMetadata,
};

/** A copy of `doc` without the entries the cache refuses (a known field of the wrong JSON type). */
export function withoutUnreadableEntries(doc: PartitionDoc): PartitionDoc {
  const sections = new Map<CacheSection, Map<string, RawEntry>>();
  for (const [name, entries] of doc.sections) {
    const kept = new Map<string, RawEntry>();
    for (const [key, raw] of entries) {
      try {
        PARSERS[name](key, raw);
        kept.set(key, raw);
      } catch {
        // Left out: such an entry was not written by an MSAL, and one odd entry must not cost the whole partition.
      }
    }
    sections.set(name, kept);
  }
  return { sections, extras: doc.extras };
}

function time(raw: RawEntry, name: string): number | undefined {
  const value = raw[name];
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * When the last token of a partition stops being useful, in epoch seconds: the latest access token `expires_on`, and
 * for each refresh token its `expires_on` when it has one, otherwise `now + refreshTokenLifetimeSeconds` (a refresh
 * token's lifetime slides: every write of the partition restarts it). `now` when the partition holds no token.
 */
export function partitionExpiry(doc: PartitionDoc, now: number, refreshTokenLifetimeSeconds: number): number {
  let latest = now;
  for (const raw of doc.sections.get('AccessToken')?.values() ?? []) {
    const expires = time(raw, 'expires_on');
    if (expires !== undefined && expires > latest) latest = expires;
  }
  for (const raw of doc.sections.get('RefreshToken')?.values() ?? []) {
    const expires = time(raw, 'expires_on') ?? now + refreshTokenLifetimeSeconds;
    if (expires > latest) latest = expires;
  }
  return latest;
}
