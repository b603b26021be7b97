/**
 * The cache's state: every section as read or written (unknown sections and fields included), and the indexes over
 * the entries that can be served. {@link CacheStore.write} is the one way entries change, so the indexes and the
 * change signal can never drift from the data.
 */
import { CacheFormatError } from '../errors.js';
import { AccessTokenIndex, type AccessTokenRecord, type DeferredTokenOwner } from './access-token-index.js';
import { checkAccessToken, parseAccessToken, parseAccount, parseAppMetadata, parseIdToken, parseRefreshToken, type RawEntry } from './cache-entries.js';
import type { AccountEntry, AppMetadataEntry, CacheSection, IdTokenEntry, RefreshTokenEntry } from './cache-types.js';
import { AccountIndex, AppMetadataIndex, IdTokenIndex, RefreshTokenIndex } from './credential-indexes.js';
import { toPythonJson } from './python-json.js';

/** One stored entry: its key, its JSON object, and its indexed form when it can be served. */
export interface StoredEntry<V> {
  readonly key: string;
  readonly raw: RawEntry;
  readonly indexed: V | undefined;
}

interface Indexer<V> {
  insert(v: V): void;
  remove(v: V): void;
}

/** The entries of one known section, keeping their file order, and the index they feed. */
class SectionTable<V> {
  readonly entries = new Map<string, StoredEntry<V>>();

  constructor(
    private readonly parse: (key: string, raw: RawEntry) => V | undefined,
    private readonly index: Indexer<V>,
  ) {}

  /** Parses first, so a malformed entry throws before anything changes. */
  set(key: string, raw: RawEntry): void {
    const indexed = this.parse(key, raw);
    this.delete(key);
    this.entries.set(key, { key, raw, indexed });
    if (indexed !== undefined) this.index.insert(indexed);
  }

  /** Stores a loaded entry unparsed and unindexed, for {@link indexStored} to complete when a lookup first needs it. */
  setUnindexed(key: string, raw: RawEntry): StoredEntry<V> {
    const stored: StoredEntry<V> = { key, raw, indexed: undefined };
    this.entries.set(key, stored);
    return stored;
  }

  /** Parses and indexes an entry stored by {@link setUnindexed}, unless it has been replaced or deleted since. */
  indexStored(stored: StoredEntry<V>): void {
    if (this.entries.get(stored.key) !== stored) return;
    const indexed = this.parse(stored.key, stored.raw);
    if (indexed === undefined) return;
    // Replacing the value of a present key keeps its place: file order is unchanged.
    this.entries.set(stored.key, { key: stored.key, raw: stored.raw, indexed });
    this.index.insert(indexed);
  }

  delete(key: string): boolean {
    const old = this.entries.get(key);
    if (old === undefined) return false;
    if (old.indexed !== undefined) this.index.remove(old.indexed);
    return this.entries.delete(key);
  }
}

const KNOWN_SECTIONS: readonly CacheSection[] = ['AccessToken', 'RefreshToken', 'IdToken', 'Account', 'AppMetadata'];

function isKnownSection(name: string): name is CacheSection {
  return (KNOWN_SECTIONS as readonly string[]).includes(name);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Everything a deserialize replaces at once. */
class StoreState implements DeferredTokenOwner<StoredEntry<AccessTokenRecord>> {
  /** Top-level names in the order they appeared (file order, then creation order), as Python's dict keeps them. */
  readonly order: string[] = [];
  /** Sections this library does not know, kept verbatim. */
  readonly extras = new Map<string, unknown>();
  /**
   * The load's shared strings, kept while access tokens it left unindexed wait (see {@link deferAccessToken}): each
   * one's repeating strings are shared when it is indexed.
   */
  loadStrings = new Map<string, string>();
  readonly accessTokenIndex = new AccessTokenIndex<StoredEntry<AccessTokenRecord>>(this);
  readonly refreshTokenIndex = new RefreshTokenIndex();
  readonly idTokenIndex = new IdTokenIndex();
  readonly accountIndex = new AccountIndex();
  readonly appMetadataIndex = new AppMetadataIndex();
  readonly accessTokens = new SectionTable<AccessTokenRecord>((key, raw) => {
    const view = parseAccessToken(key, raw);
    return view === undefined ? undefined : this.accessTokenIndex.makeRecord(view);
  }, this.accessTokenIndex);
  readonly refreshTokens = new SectionTable<RefreshTokenEntry>(parseRefreshToken, this.refreshTokenIndex);
  readonly idTokens = new SectionTable<IdTokenEntry>(parseIdToken, this.idTokenIndex);
  readonly accounts = new SectionTable<AccountEntry>(parseAccount, this.accountIndex);
  readonly appMetadata = new SectionTable<AppMetadataEntry>(parseAppMetadata, this.appMetadataIndex);

  table(section: CacheSection): SectionTable<unknown> {
    switch (section) {
      case 'AccessToken':
        return this.accessTokens;
      case 'RefreshToken':
        return this.refreshTokens;
      case 'IdToken':
        return this.idTokens;
      case 'Account':
        return this.accounts;
      case 'AppMetadata':
        return this.appMetadata;
    }
  }

  indexDeferredToken(stored: StoredEntry<AccessTokenRecord>): void {
    shareStrings(stored.raw, this.loadStrings);
    this.accessTokens.indexStored(stored);
  }

  deferredTokensIndexed(): void {
    this.loadStrings = new Map();
  }

  /** Python creates a section on its first write, even a deletion (`setdefault`), and keeps it, empty or not. */
  ensureSection(section: CacheSection): void {
    if (!this.order.includes(section)) this.order.push(section);
  }
}

/**
 * Fields whose values repeat across entries: every entry of a user carries its `home_account_id`, and nearly every entry
 * the same `environment`, `client_id`, `realm`. JSON.parse makes a string per occurrence; a load keeps one of each.
 */
const SHARED_FIELDS = ['home_account_id', 'environment', 'client_id', 'realm', 'credential_type', 'target', 'token_type', 'authority_type'] as const;

/**
 * Points `entry`'s repeating fields at one string per distinct value (the same text, so nothing that is read or
 * written changes): copies of these were about a seventh of a loaded user cache's heap.
 */
function shareStrings(entry: Record<string, unknown>, seen: Map<string, string>): void {
  for (let i = 0; i < SHARED_FIELDS.length; i++) {
    const field = SHARED_FIELDS[i] as string;
    const value = entry[field];
    if (typeof value !== 'string') continue;
    const shared = seen.get(value);
    // Equal strings compare equal whatever object holds them: assign without asking.
    if (shared === undefined) seen.set(value, value);
    else entry[field] = shared;
  }
}

/** Parses a whole serialized cache into a fresh state; throws {@link CacheFormatError} without side effects. */
function parseState(text: string): StoreState {
  const state = new StoreState();
  // Dropped with its strings' extra references when the load's last unindexed access token is indexed.
  const seen = state.loadStrings;
  if (text === '') return state; // MSAL Python treats an empty state as an empty cache
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new CacheFormatError('the token cache is not valid JSON', { cause });
  }
  if (!isObject(data)) throw new CacheFormatError('the token cache is not a JSON object');
  for (const [name, value] of Object.entries(data)) {
    state.order.push(name);
    if (!isKnownSection(name)) {
      state.extras.set(name, value);
      continue;
    }
    if (!isObject(value)) throw new CacheFormatError(`the "${name}" section of the token cache is not an object`);
    const table = state.table(name);
    // Keys and an indexed loop, not Object.entries: no [key, entry] pair and no iterator result per entry.
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const entry = value[key];
      if (!isObject(entry)) throw new CacheFormatError(`an entry in the "${name}" section is not an object`);
      if (name === 'AccessToken') deferAccessToken(state, key, entry);
      else {
        shareStrings(entry, seen);
        table.set(key, entry);
      }
    }
  }
  if (!state.accessTokenIndex.deferring) state.loadStrings = new Map();
  return state;
}

/**
 * Stores a loaded access token checked but unparsed, indexed when a lookup first reads its account or tenant: they are
 * most of a big cache, and a process usually asks for one. An entry that could never be served (no realm) is just stored.
 */
function deferAccessToken(state: StoreState, key: string, entry: Record<string, unknown>): void {
  checkAccessToken(entry);
  const stored = state.accessTokens.setUnindexed(key, entry);
  const realm = entry['realm'];
  if (typeof realm !== 'string') return;
  const hid = entry['home_account_id'];
  state.accessTokenIndex.defer(typeof hid === 'string' && hid !== '' ? hid : undefined, realm, stored);
}

/**
 * Called after every {@link CacheStore.write}: the entry as it was and as it is now (`undefined`: absent). A write that
 * deletes an absent key reports `undefined` twice.
 */
export type EntryWriteListener = (section: CacheSection, key: string, before: RawEntry | undefined, after: RawEntry | undefined) => void;

/** The state holder. Swaps whole states on load, so a failed load leaves the previous state untouched. */
export class CacheStore {
  #state = new StoreState();
  readonly #onWrite: EntryWriteListener;

  /** @param onWrite - called after every write: the change signal, and what changed. Not called by {@link load}. */
  constructor(onWrite: EntryWriteListener) {
    this.#onWrite = onWrite;
  }

  /** The current state, for reads. Do not keep it across a {@link load}. */
  get state(): StoreState {
    return this.#state;
  }

  /**
   * The single mutation: stores `raw` under `key` in `section`, or deletes the key when `raw` is undefined, keeping
   * every index in step. Returns whether anything was there or written.
   */
  write(section: CacheSection, key: string, raw: RawEntry | undefined): boolean {
    const state = this.#state;
    state.ensureSection(section);
    const table = state.table(section);
    const before = table.entries.get(key)?.raw;
    if (raw === undefined) table.delete(key);
    else table.set(key, raw);
    this.#onWrite(section, key, before, raw);
    return raw !== undefined || before !== undefined;
  }

  /** Replaces the whole state with a parsed text; throws {@link CacheFormatError} and changes nothing on bad input. */
  load(text: string): void {
    this.#state = parseState(text);
  }

  /** The whole cache as MSAL Python's `json.dumps(cache, indent=4)` writes it. */
  dump(): string {
    const state = this.#state;
    const out = Object.create(null) as Record<string, unknown>;
    for (const name of state.order) {
      if (!isKnownSection(name)) {
        out[name] = state.extras.get(name);
        continue;
      }
      // Null-prototype objects, so a key such as "__proto__" read from a file stays an ordinary key.
      const section = Object.create(null) as Record<string, unknown>;
      for (const [key, stored] of state.table(name).entries) section[key] = stored.raw;
      out[name] = section;
    }
    return toPythonJson(out);
  }
}

export type { StoreState };
