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
 * The store key of a partition:
 * - `<prefix>:<clientId>:app:<environment>:<realm>` for an app's own tokens in one tenant,
 * - `<prefix>:<clientId>:user:<homeAccountId>` for a user's tokens (every environment of that account in one value),
 * - `<prefix>:<clientId>:obo:<userAssertionHash>` for on-behalf-of tokens of one incoming assertion.
 *
 * Environment and realm are lowercased (host names and tenant ids are case-insensitive); the home account id and the
 * assertion hash are kept as they are (the hash is case-sensitive base64).
 *
 * @throws TypeError when `prefix` or `clientId` is not a non-empty string, or the partition is malformed.
 */
export function distributedCacheKey(prefix: string, clientId: string, partition: NamedPartition): string {
  if (typeof prefix !== 'string' || prefix === '') throw new TypeError('prefix must be a non-empty string');
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError('clientId must be a non-empty string');
  const head = `${prefix}:${part(clientId)}`;
  switch (partition.kind) {
    case 'app':
      return `${head}:app:${part(partition.environment.toLowerCase())}:${part(partition.realm.toLowerCase())}`;
    case 'user':
      return `${head}:user:${part(partition.homeAccountId)}`;
    case 'obo':
      return `${head}:obo:${part(partition.userAssertionHash)}`;
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
