/**
 * `msal-ts/distributed`: a token cache shared by many instances of an app through Redis (or any store with
 * compare-and-set), partitioned per app tenant, per user and per on-behalf-of assertion. Importing `msal-ts` does not
 * load this entry point, and this entry point never imports a Redis client: pass your own.
 */
export { DistributedTokenCache, type DistributedTokenCacheOptions } from './distributed-token-cache.js';
export { InMemoryDistributedCacheStore } from './memory-store.js';
export {
  RedisDistributedCacheStore,
  nodeRedisRunner,
  type NodeRedisScriptClient,
  type RedisDistributedCacheStoreOptions,
  type RedisScript,
  type RedisScriptRunner,
} from './redis-store.js';
export {
  AZURE_REDIS_SCOPE,
  entraRedisCredentials,
  type EntraRedisCredentialsOptions,
  type RedisAccessToken,
  type RedisBasicAuth,
  type RedisStreamingCredentialsProvider,
} from './redis-entra-credentials.js';
export { distributedCacheKey, partitionOfEntry, type NamedPartition } from './partition-key.js';
export type { DistributedCacheStore, StoreSetOptions, StoredValue } from './store.js';
export { DistributedCacheError, type DistributedCacheFailure } from '../errors.js';
