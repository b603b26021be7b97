/**
 * A {@link DistributedCacheStore} on Redis. Each key holds a hash `{ v: version, d: data }` with a TTL; the three
 * operations are Lua scripts, so a compare-and-set is one atomic step on the server (no WATCH/MULTI round trips, and
 * no window in which another client can slip a write between the check and the set).
 *
 * The Redis client is reached through {@link RedisScriptRunner}, one method that runs a script: the adapter for
 * `@redis/client` is {@link nodeRedisRunner}; one for ioredis is a few lines (see docs/distributed.md). This module
 * never imports a Redis client itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DistributedCacheError, MsalError } from '../errors.js';
import { base64UrlEncode } from '../protocol/base64url.js';
import { checkOptionKeys, optionShape } from '../util/options.js';
import { checkKey, checkSetArguments, type DistributedCacheStore, type StoreSetOptions, type StoredValue } from './store.js';

/** A Lua script and its SHA-1 (for EVALSHA). */
export interface RedisScript {
  readonly source: string;
  readonly sha1: string;
}

/**
 * Runs a Lua script on Redis (EVAL, or EVALSHA with a fallback to EVAL when the server answers NOSCRIPT) and resolves
 * with the raw reply. Every script here touches exactly one key, `keys[0]`, so it also works on Redis Cluster.
 */
export interface RedisScriptRunner {
  run(script: RedisScript, keys: readonly string[], args: readonly string[]): Promise<unknown>;
}

/** What {@link nodeRedisRunner} needs of an `@redis/client` client (a `RedisClientType`, or a cluster). */
export interface NodeRedisScriptClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of {@link RedisDistributedCacheStore}. */
export interface RedisDistributedCacheStoreOptions {
  /**
   * Milliseconds to wait for each Redis command before rejecting with a `timeout` {@link DistributedCacheError}.
   * Default 5000. A client that queues commands while disconnected would otherwise keep callers waiting until Redis
   * comes back.
   */
  operationTimeoutMs?: number | undefined;
}

function script(source: string): RedisScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

const GET = script(`return redis.call('HMGET', KEYS[1], 'v', 'd')`);

// ARGV: mode ('any' | 'absent' | 'match'), expected version, new version, data, ttl seconds.
// HGET of a missing key or field is false in Lua, so 'match' fails on an absent key.
const SET = script(`local cur = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == 'absent' then
  if cur then return 0 end
elseif ARGV[1] == 'match' then
  if cur ~= ARGV[2] then return 0 end
end
redis.call('HSET', KEYS[1], 'v', ARGV[3], 'd', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1`);

const DELETE = script(`return redis.call('DEL', KEYS[1])`);

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

/**
 * The {@link RedisScriptRunner} for an `@redis/client` (node-redis 5 or 6) client or cluster: EVALSHA first, EVAL when
 * the server does not have the script cached yet (after a restart, or on a new cluster node).
 *
 * @example
 * ```ts
 * import { createClient } from '@redis/client';
 * const client = createClient({ url: 'redis://127.0.0.1:6379', disableOfflineQueue: true });
 * client.on('error', (err) => log(err)); // node-redis emits connection errors; an unhandled 'error' event is fatal
 * await client.connect();
 * const store = new RedisDistributedCacheStore(nodeRedisRunner(client));
 * ```
 */
export function nodeRedisRunner(client: NodeRedisScriptClient): RedisScriptRunner {
  if (typeof client !== 'object' || client === null || typeof client.eval !== 'function' || typeof client.evalSha !== 'function') {
    throw new TypeError('client must be an @redis/client client (with eval and evalSha)');
  }
  return {
    async run(s, keys, args) {
      const options = { keys: [...keys], arguments: [...args] };
      try {
        return await client.evalSha(s.sha1, options);
      } catch (err) {
        if (!isNoScript(err)) throw err;
        return client.eval(s.source, options);
      }
    },
  };
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return undefined;
}

const OPTIONS = optionShape<RedisDistributedCacheStoreOptions>('RedisDistributedCacheStore options', { operationTimeoutMs: true });

/**
 * A {@link DistributedCacheStore} on Redis (or anything that runs Redis Lua scripts: Valkey, KeyDB, Azure Cache for
 * Redis, Redis Cluster).
 *
 * - A key is a hash `{ v, d }`: `v` a random 128-bit version, `d` the value. A compare-and-set is one Lua script.
 * - Every successful `set` writes the value, a new version and the TTL in that one script, so a value is never
 *   visible without its version or TTL, and a half-written value cannot exist.
 * - Failures reject with {@link DistributedCacheError}: `unavailable` (connection lost, Redis refusing), `timeout`.
 *
 * @example
 * ```ts
 * const store = new RedisDistributedCacheStore(nodeRedisRunner(client), { operationTimeoutMs: 2000 });
 * const cache = new DistributedTokenCache(store);
 * ```
 */
export class RedisDistributedCacheStore implements DistributedCacheStore {
  readonly #runner: RedisScriptRunner;
  readonly #timeoutMs: number;

  /**
   * @param runner - runs the scripts; {@link nodeRedisRunner} for `@redis/client`.
   * @param options - see {@link RedisDistributedCacheStoreOptions}.
   * @throws TypeError when `runner` has no `run` function; RangeError when `operationTimeoutMs` is not a positive
   *   integer.
   */
  constructor(runner: RedisScriptRunner, options: RedisDistributedCacheStoreOptions = {}) {
    checkOptionKeys(options, OPTIONS);
    if (typeof runner !== 'object' || runner === null || typeof runner.run !== 'function') {
      throw new TypeError('runner must have a run(script, keys, args) function');
    }
    const timeout = options.operationTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(timeout) || timeout < 1) throw new RangeError('options.operationTimeoutMs must be a positive integer');
    this.#runner = runner;
    this.#timeoutMs = timeout;
  }

  get(key: string): Promise<StoredValue | undefined> {
    checkKey(key);
    return this.#run('get', GET, key, []).then((reply) => {
      if (!Array.isArray(reply) || reply.length !== 2) {
        throw new DistributedCacheError('unavailable', 'Redis answered a read with an unexpected reply');
      }
      const version = asText(reply[0]);
      const value = asText(reply[1]);
      // A hash missing either field was not written by this store: treat it as absent, and let the next
      // compare-and-set (which requires the version field) replace it.
      return version === undefined || value === undefined ? undefined : { value, version };
    });
  }

  set(key: string, value: string, options: StoreSetOptions): Promise<boolean> {
    checkSetArguments(key, value, options);
    const wanted = options.ifVersion;
    const mode = wanted === undefined ? 'any' : wanted === null ? 'absent' : 'match';
    const version = base64UrlEncode(randomBytes(16));
    const args = [mode, typeof wanted === 'string' ? wanted : '', version, value, String(options.ttlSeconds)];
    return this.#run('write', SET, key, args).then((reply) => {
      if (reply === 1) return true;
      if (reply === 0) return false;
      throw new DistributedCacheError('unavailable', 'Redis answered a write with an unexpected reply');
    });
  }

  delete(key: string): Promise<void> {
    checkKey(key);
    return this.#run('delete', DELETE, key, []).then(() => undefined);
  }

  #run(what: string, s: RedisScript, key: string, args: readonly string[]): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new DistributedCacheError('timeout', `Redis did not answer a ${what} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      timer.unref();
    });
    const command = Promise.resolve()
      .then(() => this.#runner.run(s, [key], args))
      .catch((err: unknown) => {
        if (err instanceof MsalError) throw err;
        throw new DistributedCacheError('unavailable', `Redis ${what} failed`, { cause: err });
      });
    return Promise.race([command, timedOut]).finally(() => clearTimeout(timer));
  }
}
