/**
 * Where a partition lives in the store, and which partition a cache entry belongs to.
 */
import type { CachePartition } from '../cache/cache-access.js';
import type { RawEntry } from '../cache/cache-entries.js';
import type { CacheSection } from '../cache/cache-types.js';

/** A partition a store key can name (every kind but `any`). */
export type NamedPartition = Exclude<CachePartition, { kind: 'any' }>;

/** Key components are URI-encoded, so a `:` inside one (a host with a port) cannot make two partitions collide. */
function part(value: string): string {
  return encodeURIComponent(value);
}

/**
 * Checks a key prefix: non-empty, and without `{` or `}`, which would change the Redis Cluster hash tag of every key
 * (all partitions in one slot, or a tag that no longer names the partition).
 *
 * @throws TypeError naming `name` when the prefix is not a non-empty string or contains a brace.
 */
export function checkKeyPrefix(prefix: unknown, name: string): string {
  if (typeof prefix !== 'string' || prefix === '') throw new TypeError(`${name} must be a non-empty string`);
  if (prefix.includes('{') || prefix.includes('}')) {
    throw new TypeError(`${name} must not contain "{" or "}" (the store key's Redis Cluster hash tag is msal-ts's)`);
  }
  return prefix;
}

/**
 * The store key of a partition:
 * - `<prefix>:{<clientId>:app:<environment>:<realm>}` for an app's own tokens in one tenant,
 * - `<prefix>:{<clientId>:user:<homeAccountId>}` for a user's tokens (every environment of that account in one value),
 * - `<prefix>:{<clientId>:obo:<userAssertionHash>}` for on-behalf-of tokens of one incoming assertion.
 *
 * The braces are a Redis Cluster hash tag around the partition's whole identity: the slot depends on the partition
 * alone (so partitions spread over every slot), and any companion key a future operation needs (`<key>:lock`) would
 * land in the partition's slot, so one script can touch both. Components are URI-encoded, so none contains a brace.
 *
 * Environment and realm are lowercased (host names and tenant ids are case-insensitive); the home account id and the
 * assertion hash are kept as they are (the hash is case-sensitive base64).
 *
 * @throws TypeError when `prefix` is not a non-empty string without braces, `clientId` is not a non-empty string, or
 *   the partition is malformed.
 */
export function distributedCacheKey(prefix: string, clientId: string, partition: NamedPartition): string {
  checkKeyPrefix(prefix, 'prefix');
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError('clientId must be a non-empty string');
  const head = part(clientId);
  switch (partition.kind) {
    case 'app':
      return `${prefix}:{${head}:app:${part(partition.environment.toLowerCase())}:${part(partition.realm.toLowerCase())}}`;
    case 'user':
      return `${prefix}:{${head}:user:${part(partition.homeAccountId)}}`;
    case 'obo':
      return `${prefix}:{${head}:obo:${part(partition.userAssertionHash)}}`;
    default:
      throw new TypeError('partition.kind must be "app", "user" or "obo"');
  }
}

function field(raw: RawEntry, name: string): string | undefined {
  const value = raw[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The partition a stored entry belongs to, from its own fields: an entry with an assertion hash is on-behalf-of, an
 * entry with a home account id belongs to that user, an access token with neither is the app's own (its environment
 * and realm). `undefined` for AppMetadata (shared by every partition of the app) and for entries that fit none.
 */
export function partitionOfEntry(section: CacheSection, raw: RawEntry): NamedPartition | undefined {
  if (section === 'AppMetadata') return undefined;
  const uah = field(raw, 'userAssertionHash') ?? field(raw, 'user_assertion_hash');
  if (uah !== undefined) return { kind: 'obo', userAssertionHash: uah };
  const environment = field(raw, 'environment');
  const hid = field(raw, 'home_account_id');
  if (hid !== undefined) return { kind: 'user', homeAccountId: hid, environment: environment ?? '' };
  const realm = field(raw, 'realm');
  const clientId = field(raw, 'client_id');
  if (section === 'AccessToken' && environment !== undefined && realm !== undefined && clientId !== undefined) {
    return { kind: 'app', clientId, environment, realm };
  }
  return undefined;
}
