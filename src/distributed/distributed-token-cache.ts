/**
 * A token cache shared by many instances of an app (web farm, daemon fleet) through a {@link DistributedCacheStore},
 * one stored value per partition, written with compare-and-set so that no instance's write is ever lost.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheAccessContext, CachePartition } from '../cache/cache-access.js';
import type { RawEntry } from '../cache/cache-entries.js';
import type { CacheSection, Clock, TokenCacheOptions } from '../cache/cache-types.js';
import { TOKEN_CACHE_OPTION_KEYS, TokenCache } from '../cache/token-cache.js';
import { CacheFormatError, DistributedCacheError, MsalError } from '../errors.js';
import {
  EMPTY_PARTITION,
  applyChanges,
  parsePartition,
  partitionExpiry,
  serializePartition,
  withoutUnreadableEntries,
  type EntryChange,
  type PartitionDoc,
} from './partition-doc.js';
import { checkKeyPrefix, distributedCacheKey, partitionOfEntry, type NamedPartition } from './partition-key.js';
import type { DistributedCacheStore, StoredValue } from './store.js';
import { checkOptionKeys, optionShape } from '../util/options.js';
import { requireNonEmptyString } from '../util/checks.js';

/** Options of {@link DistributedTokenCache}. */
export interface DistributedTokenCacheOptions extends TokenCacheOptions {
  /** First part of every store key. Default `msal`. No `{` or `}` (the key's Redis Cluster hash tag is msal-ts's). */
  keyPrefix?: string | undefined;
  /**
   * Partitions kept in memory; the least recently used one is dropped beyond this. Default 1000. Keep it above the
   * number of requests an instance serves at once, or a request may find its partition already dropped (it then asks
   * the identity provider again: slower, never wrong).
   */
  maxPartitions?: number | undefined;
  /** Compare-and-set attempts per partition write before a `conflict` {@link DistributedCacheError}. Default 10. */
  maxWriteAttempts?: number | undefined;
  /**
   * How long a refresh token without an `expires_on` is assumed to live after the partition's last write, in seconds:
   * Entra's 90-day sliding inactivity window by default.
   */
  refreshTokenLifetimeSeconds?: number | undefined;
  /**
   * Seconds during which a partition read from the store is used without asking the store again. Default 0: every
   * `beforeRead` asks (one round trip; the partition is parsed again only when its version changed). A larger value
   * saves the round trip but lets an instance miss another instance's changes (a sign-out included) for that long.
   */
  maxStalenessSeconds?: number | undefined;
}

const OPTIONS = optionShape<DistributedTokenCacheOptions>('DistributedTokenCache options', {
  ...TOKEN_CACHE_OPTION_KEYS,
  keyPrefix: true,
  maxPartitions: true,
  maxWriteAttempts: true,
  refreshTokenLifetimeSeconds: true,
  maxStalenessSeconds: true,
});

/** A partition this instance holds in memory. */
interface Loaded {
  readonly doc: PartitionDoc;
  /** The store's version of `doc`; `null`: absent from the store; `undefined`: written by us, version not known yet. */
  version: string | null | undefined;
  /** What we wrote, while `version` is unknown: a read returning exactly this text tells us the version. */
  committedText: string | undefined;
  /** When the store last confirmed `doc` (clock seconds). */
  confirmedAt: number;
  /** Increases with every install, so a read that started before a newer install does not overwrite it. */
  readonly stamp: number;
}

interface JournalEntry {
  readonly section: CacheSection;
  readonly key: string;
  /** The entry before the mutation's first change to it. */
  readonly before: RawEntry | undefined;
  after: RawEntry | undefined;
}

const systemClock: Clock = { now: () => Date.now() / 1000 };
const NINETY_DAYS = 90 * 24 * 3600;
/** The longest TTL set (about 68 years): a stored token may claim any expiry, a store takes only sane integers. */
const MAX_TTL_SECONDS = 2 ** 31 - 1;

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer`);
  return v;
}

/** Narrows a caller's context; the message names the field. */
function checkContext(context: CacheAccessContext): CachePartition {
  if (typeof context !== 'object' || context === null) throw new TypeError('context must be an object');
  requireNonEmptyString(context.clientId, 'context.clientId');
  const p: unknown = context.partition;
  if (typeof p !== 'object' || p === null) throw new TypeError('context.partition must be an object');
  const partition = p as CachePartition;
  switch (partition.kind) {
    case 'app':
      requireNonEmptyString(partition.clientId, 'context.partition.clientId');
      requireNonEmptyString(partition.environment, 'context.partition.environment');
      requireNonEmptyString(partition.realm, 'context.partition.realm');
      return partition;
    case 'user':
      requireNonEmptyString(partition.homeAccountId, 'context.partition.homeAccountId');
      return partition;
    case 'obo':
      requireNonEmptyString(partition.userAssertionHash, 'context.partition.userAssertionHash');
      return partition;
    case 'any':
      return partition;
    default:
      throw new TypeError('context.partition.kind must be "app", "user", "obo" or "any"');
  }
}

/**
 * A {@link TokenCache} kept in a {@link DistributedCacheStore} (Redis), one value per partition: an app's tokens in
 * one tenant, a user's tokens, or the on-behalf-of tokens of one incoming assertion.
 *
 * - `beforeRead(context)` loads exactly the partition the context names (a round trip; a partition whose version did
 *   not change is not parsed again). A context of kind `any` loads nothing: the read sees the partitions this instance
 *   already holds.
 * - `write(context, mutate)` runs the mutation in memory, records which entries it wrote or removed, sorts them into
 *   partitions by their own fields (see {@link partitionOfEntry}: a new user's sign-in lands in that user's partition
 *   even when the context could not name it), and writes each changed partition with compare-and-set on the version
 *   it read. On a conflict it reads the partition again, applies the same entry changes (idempotent puts and
 *   removals) and retries, so a concurrent write by another instance is never lost; two writes of the same entry:
 *   the later one wins.
 * - Each partition's TTL is the latest expiry of the tokens it holds, refreshed by every write.
 * - Memory: at most `maxPartitions` partitions are held (least recently used dropped).
 * - A store failure rejects with {@link DistributedCacheError}; the store then holds the previous partition or the
 *   new one, never a mix, and this instance forgets the partition so the next read reloads it.
 *
 * `serialize`/`deserialize` of the whole cache are not offered: the store is the persistence.
 *
 * @example
 * ```ts
 * import { createClient } from '@redis/client';
 * import { DistributedTokenCache, RedisDistributedCacheStore, nodeRedisRunner } from 'msal-ts/distributed';
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
 * client.on('error', (err) => console.error('redis', err.message));
 * await client.connect();
 * const tokenCache = new DistributedTokenCache(new RedisDistributedCacheStore(nodeRedisRunner(client)));
 * const app = new ConfidentialClientApplication(clientId, { authority, clientCredential, tokenCache });
 * ```
 */
export class DistributedTokenCache extends TokenCache {
  readonly #store: DistributedCacheStore;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #maxPartitions: number;
  readonly #maxAttempts: number;
  readonly #rtLifetime: number;
  readonly #staleness: number;
  /** Partitions in memory, least recently used first. */
  readonly #partitions = new Map<string, Loaded>();
  readonly #loading = new Map<string, Promise<void>>();
  /** Set while a mutation runs: every entry it writes or removes. */
  #journal: Map<string, JournalEntry> | undefined;
  #stamp = 0;

  /**
   * @param store - where partitions live: {@link RedisDistributedCacheStore}, {@link InMemoryDistributedCacheStore}.
   * @param options - see {@link DistributedTokenCacheOptions}.
   * @throws TypeError when `store` lacks get/set/delete or an option has the wrong type; RangeError when a numeric
   *   option is out of range.
   */
  constructor(store: DistributedCacheStore, options: DistributedTokenCacheOptions = {}) {
    checkOptionKeys(options, OPTIONS);
    super(options);
    if (
      typeof store !== 'object' ||
      store === null ||
      typeof store.get !== 'function' ||
      typeof store.set !== 'function' ||
      typeof store.delete !== 'function'
    ) {
      throw new TypeError('store must implement get, set and delete');
    }
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
    this.#prefix = options.keyPrefix === undefined ? 'msal' : checkKeyPrefix(options.keyPrefix, 'options.keyPrefix');
    this.#maxPartitions = positiveInteger(options.maxPartitions, 1000, 'options.maxPartitions');
    this.#maxAttempts = positiveInteger(options.maxWriteAttempts, 10, 'options.maxWriteAttempts');
    this.#rtLifetime = positiveInteger(options.refreshTokenLifetimeSeconds, NINETY_DAYS, 'options.refreshTokenLifetimeSeconds');
    const staleness = options.maxStalenessSeconds ?? 0;
    if (typeof staleness !== 'number' || !Number.isFinite(staleness) || staleness < 0) {
      throw new RangeError('options.maxStalenessSeconds must be a non-negative number');
    }
    this.#staleness = staleness;
  }

  /** Records, while a mutation runs, each entry it writes or removes: exactly what the store must learn. */
  protected override entryWritten(section: CacheSection, key: string, before: RawEntry | undefined, after: RawEntry | undefined): void {
    const journal = this.#journal;
    if (journal === undefined) return; // loading or forgetting partitions, not a mutation
    const id = `${section}\n${key}`;
    const seen = journal.get(id);
    if (seen === undefined) journal.set(id, { section, key, before, after });
    else seen.after = after;
  }

  /** How many partitions this instance holds in memory (at most `maxPartitions`). */
  get loadedPartitions(): number {
    return this.#partitions.size;
  }

  /** The store key of a context's partition, or `undefined` for `any`. */
  keyOf(context: CacheAccessContext): string | undefined {
    const partition = checkContext(context);
    return partition.kind === 'any' ? undefined : distributedCacheKey(this.#prefix, context.clientId, partition);
  }

  /**
   * Loads the partition the context names from the store (see the class notes).
   *
   * @throws TypeError when the context is malformed.
   * @throws DistributedCacheError (rejection) when the store cannot be read.
   */
  override beforeRead(context: CacheAccessContext): void | Promise<void> {
    const key = this.keyOf(context);
    if (key === undefined) return undefined;
    const loaded = this.#partitions.get(key);
    if (loaded !== undefined && this.#staleness > 0 && loaded.version !== undefined && this.#clock.now() - loaded.confirmedAt < this.#staleness) {
      this.#touch(key, loaded);
      return undefined;
    }
    let pending = this.#loading.get(key);
    if (pending === undefined) {
      pending = this.#refresh(key, context.correlationId).finally(() => this.#loading.delete(key));
      this.#loading.set(key, pending);
    }
    return pending;
  }

  /**
   * Runs `mutate` on the in-memory cache and writes every partition it changed to the store (see the class notes).
   *
   * @throws TypeError when the context is malformed or `mutate` is not a function; whatever `mutate` throws.
   * @throws DistributedCacheError (rejection) when a partition cannot be written: `unavailable`/`timeout` from the
   *   store, `conflict` after `maxWriteAttempts` lost compare-and-sets. Other partitions of the same mutation may
   *   have been written: each partition is atomic on its own.
   */
  override write<T>(context: CacheAccessContext, mutate: () => T): T | Promise<T> {
    const partition = checkContext(context);
    if (typeof mutate !== 'function') throw new TypeError('mutate must be a function');
    if (this.#journal !== undefined) return mutate(); // nested: the outer write records and persists it
    // The mutation decides from what memory holds (a sign-out removes the refresh tokens it sees), so the partition it
    // names is read first, as beforeRead reads it: an instance that never loaded it, or holds an old version, would
    // otherwise remove nothing, or only what it knew of.
    const loading = partition.kind === 'any' ? undefined : this.beforeRead(context);
    if (loading !== undefined) return loading.then(() => this.#mutate(context, partition, mutate));
    return this.#mutate(context, partition, mutate);
  }

  #mutate<T>(context: CacheAccessContext, partition: CachePartition, mutate: () => T): T | Promise<T> {
    const journal = new Map<string, JournalEntry>();
    this.#journal = journal;
    let result: T;
    try {
      result = mutate();
    } catch (err) {
      this.#journal = undefined;
      for (const [key, changes] of this.#group(context, partition, journal)) this.#forget(key, changes);
      throw err;
    } finally {
      this.#journal = undefined;
    }
    if (journal.size === 0) return result;
    return this.#persist(context, partition, journal).then(() => result);
  }

  /** Sorts a mutation's changes by partition key; AppMetadata goes to every partition the mutation wrote. */
  #group(context: CacheAccessContext, partition: CachePartition, journal: Map<string, JournalEntry>): Map<string, EntryChange[]> {
    const groups = new Map<string, EntryChange[]>();
    const shared: EntryChange[] = [];
    const named = partition.kind === 'any' ? undefined : partition;
    for (const j of journal.values()) {
      if (j.before === undefined && j.after === undefined) continue;
      const change: EntryChange = { section: j.section, key: j.key, after: j.after };
      if (j.section === 'AppMetadata') {
        shared.push(change);
        continue;
      }
      // An on-behalf-of response (its account and id token included) belongs to the assertion it was redeemed for.
      const raw = j.after ?? j.before;
      const target: NamedPartition | undefined =
        partition.kind === 'obo' ? partition : ((raw === undefined ? undefined : partitionOfEntry(j.section, raw)) ?? named);
      // An entry no partition claims (malformed, in an `any` write) stays in memory only.
      if (target === undefined) continue;
      const key = distributedCacheKey(this.#prefix, context.clientId, target);
      let list = groups.get(key);
      if (list === undefined) groups.set(key, (list = []));
      list.push(change);
    }
    if (groups.size === 0 && shared.length > 0 && named !== undefined) {
      groups.set(distributedCacheKey(this.#prefix, context.clientId, named), []);
    }
    for (const list of groups.values()) list.push(...shared);
    return groups;
  }

  async #persist(context: CacheAccessContext, partition: CachePartition, journal: Map<string, JournalEntry>): Promise<void> {
    const groups = [...this.#group(context, partition, journal)];
    const outcomes = await Promise.allSettled(groups.map(([key, changes]) => this.#commit(key, changes, context.correlationId)));
    let failure: unknown;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      const group = groups[i];
      if (group !== undefined) this.#forget(group[0], group[1]);
      failure ??= outcome.reason;
    });
    if (failure === undefined) return;
    if (failure instanceof Error) throw failure;
    throw new DistributedCacheError('unavailable', 'a partition write failed', { cause: failure, correlationId: context.correlationId });
  }

  /** Writes one partition: compare-and-set on the version read, re-reading and re-applying on conflict. */
  async #commit(key: string, changes: readonly EntryChange[], correlationId: string | undefined): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let base: PartitionDoc;
      let version: string | null;
      const loaded = this.#partitions.get(key);
      if (attempt === 1 && loaded !== undefined && loaded.version !== undefined) {
        base = loaded.doc;
        version = loaded.version;
      } else {
        const stored = await this.#get(key, correlationId);
        base = stored === undefined ? EMPTY_PARTITION : (parsePartition(stored.value) ?? EMPTY_PARTITION);
        version = stored === undefined ? null : stored.version;
      }
      const next = applyChanges(base, changes);
      const text = serializePartition(next);
      const now = this.#clock.now();
      const ttlSeconds = Math.min(MAX_TTL_SECONDS, Math.max(1, Math.ceil(partitionExpiry(next, now, this.#rtLifetime) - now)));
      if (await this.#set(key, text, ttlSeconds, version, correlationId)) {
        this.#install(key, next, undefined, text);
        return;
      }
      if (attempt >= this.#maxAttempts) {
        throw new DistributedCacheError('conflict', `the partition changed under ${attempt} write attempts in a row`, {
          correlationId,
        });
      }
      // Jitter, so instances that collided do not collide again in lockstep.
      await sleep(Math.random() * Math.min(50, 2 ** attempt));
    }
  }

  async #refresh(key: string, correlationId: string | undefined): Promise<void> {
    const stampBefore = this.#partitions.get(key)?.stamp;
    const stored = await this.#get(key, correlationId);
    const current = this.#partitions.get(key);
    // Something newer (our own write) was installed while this read was in flight.
    if (current !== undefined && current.stamp !== stampBefore) return;
    if (stored === undefined) {
      this.#install(key, EMPTY_PARTITION, null, undefined);
      return;
    }
    if (current !== undefined && (current.version === stored.version || (current.version === undefined && current.committedText === stored.value))) {
      current.version = stored.version;
      current.committedText = undefined;
      current.confirmedAt = this.#clock.now();
      this.#touch(key, current);
      return;
    }
    this.#install(key, parsePartition(stored.value) ?? EMPTY_PARTITION, stored.version, undefined);
  }

  /** Makes `doc` the partition's content in memory, replacing what this instance held for it. */
  #install(key: string, doc: PartitionDoc, version: string | null | undefined, committedText: string | undefined): void {
    const old = this.#partitions.get(key);
    let installed = doc;
    try {
      this.#replaceEntries(old?.doc ?? EMPTY_PARTITION, doc);
    } catch (err) {
      if (!(err instanceof CacheFormatError)) throw err;
      installed = withoutUnreadableEntries(doc);
      this.#replaceEntries(doc, installed);
    }
    this.#partitions.delete(key);
    this.#partitions.set(key, { doc: installed, version, committedText, confirmedAt: this.#clock.now(), stamp: ++this.#stamp });
    while (this.#partitions.size > this.#maxPartitions) {
      const oldest = this.#partitions.keys().next();
      if (oldest.done === true || oldest.value === key) break;
      this.#forget(oldest.value, []);
    }
  }

  /**
   * Drops a partition from memory (its entries and the given changes' entries), so the next read reloads it. AppMetadata
   * stays: every partition of the app shares it.
   */
  #forget(key: string, changes: readonly EntryChange[]): void {
    const loaded = this.#partitions.get(key);
    this.#partitions.delete(key);
    const doomed = applyChanges(loaded?.doc ?? EMPTY_PARTITION, changes);
    this.#replaceEntries(doomed, EMPTY_PARTITION);
  }

  /** Moves the in-memory entries from `from` to `to`; entries the same in both are not touched. */
  #replaceEntries(from: PartitionDoc, to: PartitionDoc): void {
    const state = this.store.state;
    for (const [section, entries] of from.sections) {
      if (section === 'AppMetadata') continue;
      const target = to.sections.get(section);
      for (const key of entries.keys()) if (target?.has(key) !== true) this.store.write(section, key, undefined);
    }
    for (const [section, entries] of to.sections) {
      const table = state.table(section);
      for (const [key, raw] of entries) if (table.entries.get(key)?.raw !== raw) this.store.write(section, key, raw);
    }
  }

  #touch(key: string, loaded: Loaded): void {
    this.#partitions.delete(key);
    this.#partitions.set(key, loaded);
  }

  async #get(key: string, correlationId: string | undefined): Promise<StoredValue | undefined> {
    try {
      return await this.#store.get(key);
    } catch (err) {
      throw storeFailure(err, correlationId);
    }
  }

  async #set(key: string, value: string, ttlSeconds: number, ifVersion: string | null, correlationId: string | undefined): Promise<boolean> {
    try {
      return await this.#store.set(key, value, { ttlSeconds, ifVersion });
    } catch (err) {
      throw storeFailure(err, correlationId);
    }
  }
}

/** A store's rejection as a {@link DistributedCacheError} carrying the request's correlation id. */
function storeFailure(err: unknown, correlationId: string | undefined): MsalError {
  if (err instanceof DistributedCacheError) {
    return new DistributedCacheError(err.reason, err.message, { cause: err.cause, correlationId: err.correlationId ?? correlationId });
  }
  if (err instanceof MsalError) return err;
  return new DistributedCacheError('unavailable', 'the distributed cache store failed', { cause: err, correlationId });
}
