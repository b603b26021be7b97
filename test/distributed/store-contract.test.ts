// The DistributedCacheStore contract, one table of cases run against the in-memory store and against Redis (a real
// redis-server on loopback): versions, compare-and-set, TTLs set and refreshed, deletes, and argument checks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DistributedCacheError,
  InMemoryDistributedCacheStore,
  RedisDistributedCacheStore,
  nodeRedisRunner,
  type DistributedCacheStore,
} from '../../src/distributed/index.js';
import { ManualClock } from '../cache/helpers.js';
import { connectClient, startRedisServer, type RedisServer } from './redis-server.js';

type Client = Awaited<ReturnType<typeof connectClient>>;

/** What the table needs from each store: the store, its remaining TTL for a key, and a way to age a key. */
interface Subject {
  readonly store: DistributedCacheStore;
  ttl(key: string): Promise<number | undefined>;
  /** Leaves the key `seconds` closer to expiry. */
  age(key: string, seconds: number): Promise<void>;
}

let counter = 0;
const freshKey = (): string => `contract:${process.pid}:${++counter}`;

function contract(name: string, subject: () => Subject): void {
  describe(`store contract: ${name}`, () => {
    it('reads nothing for a key never written', async () => {
      assert.equal(await subject().store.get(freshKey()), undefined);
    });

    it('writes unconditionally and reads the value with a version', async () => {
      const { store } = subject();
      const key = freshKey();
      assert.equal(await store.set(key, 'one', { ttlSeconds: 60 }), true);
      const got = await store.get(key);
      assert.equal(got?.value, 'one');
      assert.equal(typeof got?.version, 'string');
      assert.equal(await store.set(key, 'two', { ttlSeconds: 60 }), true);
      const again = await store.get(key);
      assert.equal(again?.value, 'two');
      assert.notEqual(again?.version, got?.version);
    });

    it('ifVersion null writes only when the key is absent', async () => {
      const { store } = subject();
      const key = freshKey();
      assert.equal(await store.set(key, 'first', { ttlSeconds: 60, ifVersion: null }), true);
      assert.equal(await store.set(key, 'second', { ttlSeconds: 60, ifVersion: null }), false);
      assert.equal((await store.get(key))?.value, 'first');
    });

    it('ifVersion writes only over that version, and the loser of a race sees false and changes nothing', async () => {
      const { store } = subject();
      const key = freshKey();
      await store.set(key, 'base', { ttlSeconds: 60 });
      const read = await store.get(key);
      assert.ok(read);
      // Two writers read the same version; the first wins, the second must fail.
      assert.equal(await store.set(key, 'writer A', { ttlSeconds: 60, ifVersion: read.version }), true);
      assert.equal(await store.set(key, 'writer B', { ttlSeconds: 60, ifVersion: read.version }), false);
      assert.equal((await store.get(key))?.value, 'writer A');
    });

    it('concurrent compare-and-sets on one version: exactly one wins', async () => {
      const { store } = subject();
      const key = freshKey();
      await store.set(key, 'base', { ttlSeconds: 60 });
      const read = await store.get(key);
      assert.ok(read);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(key, `w${i}`, { ttlSeconds: 60, ifVersion: read.version })));
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal((await store.get(key))?.value, `w${winner}`);
    });

    it('ifVersion on an absent key fails', async () => {
      const { store } = subject();
      const key = freshKey();
      assert.equal(await store.set(key, 'x', { ttlSeconds: 60, ifVersion: 'some-version' }), false);
      assert.equal(await store.get(key), undefined);
    });

    it('never reuses a version after a delete, so an old compare-and-set cannot succeed', async () => {
      const { store } = subject();
      const key = freshKey();
      await store.set(key, 'old', { ttlSeconds: 60 });
      const old = await store.get(key);
      assert.ok(old);
      await store.delete(key);
      assert.equal(await store.get(key), undefined);
      await store.set(key, 'new', { ttlSeconds: 60, ifVersion: null });
      const fresh = await store.get(key);
      assert.notEqual(fresh?.version, old.version);
      assert.equal(await store.set(key, 'stale', { ttlSeconds: 60, ifVersion: old.version }), false);
      assert.equal((await store.get(key))?.value, 'new');
    });

    it('deleting an absent key is not an error', async () => {
      await subject().store.delete(freshKey());
    });

    it('sets the TTL, and every successful write restarts it; a failed one does not', async () => {
      const s = subject();
      const key = freshKey();
      await s.store.set(key, 'v', { ttlSeconds: 1000 });
      const ttl = await s.ttl(key);
      assert.ok(ttl !== undefined && ttl > 990 && ttl <= 1000, `ttl ${ttl}`);
      await s.age(key, 500);
      const aged = await s.ttl(key);
      assert.ok(aged !== undefined && aged <= 500, `aged ttl ${aged}`);
      assert.equal(await s.store.set(key, 'lost', { ttlSeconds: 1000, ifVersion: 'not-the-version' }), false);
      assert.ok(((await s.ttl(key)) ?? 0) <= 500, 'a failed compare-and-set left the TTL alone');
      const read = await s.store.get(key);
      assert.equal(await s.store.set(key, 'w', { ttlSeconds: 800, ifVersion: read?.version }), true);
      const refreshed = await s.ttl(key);
      assert.ok(refreshed !== undefined && refreshed > 790 && refreshed <= 800, `refreshed ttl ${refreshed}`);
    });

    it('keeps values as exact strings (unicode, JSON, empty)', async () => {
      const { store } = subject();
      for (const value of ['', '{"a":"é😀\\u0000"}', 'x'.repeat(100_000)]) {
        const key = freshKey();
        await store.set(key, value, { ttlSeconds: 60 });
        assert.equal((await store.get(key))?.value, value);
      }
    });

    it('refuses bad arguments before any I/O', () => {
      const { store } = subject();
      assert.throws(() => store.get(''), TypeError);
      assert.throws(() => store.delete(''), TypeError);
      assert.throws(() => store.set('k', 'v', { ttlSeconds: 0 }), /ttlSeconds/);
      assert.throws(() => store.set('k', 'v', { ttlSeconds: 1.5 }), RangeError);
      assert.throws(() => store.set('k', 1 as unknown as string, { ttlSeconds: 5 }), TypeError);
      assert.throws(() => store.set('k', 'v', { ttlSeconds: 5, ifVersion: 3 as unknown as string }), /ifVersion/);
    });
  });
}

const clock = new ManualClock(1_700_000_000);
const memory = new InMemoryDistributedCacheStore({ clock });
contract('in-memory', () => ({
  store: memory,
  ttl: (key) => Promise.resolve(memory.ttl(key)),
  age: (_key, seconds) => {
    clock.current += seconds;
    return Promise.resolve();
  },
}));

describe('in-memory store expiry', () => {
  it('forgets a key once its TTL has passed', async () => {
    const c = new ManualClock(1000);
    const store = new InMemoryDistributedCacheStore({ clock: c });
    await store.set('k', 'v', { ttlSeconds: 10 });
    c.current = 1009;
    assert.equal((await store.get('k'))?.value, 'v');
    c.current = 1010;
    assert.equal(await store.get('k'), undefined);
    assert.equal(await store.set('k', 'again', { ttlSeconds: 10, ifVersion: null }), true, 'an expired key is absent');
  });
});

let server: RedisServer | undefined;
let client: Client | undefined;
let redisStore: RedisDistributedCacheStore | undefined;

function redis(): { server: RedisServer; client: Client; store: RedisDistributedCacheStore } {
  assert.ok(server && client && redisStore, 'redis-server started');
  return { server, client, store: redisStore };
}

describe('Redis', () => {
  before(async () => {
    server = await startRedisServer();
    client = await connectClient(server.url);
    redisStore = new RedisDistributedCacheStore(nodeRedisRunner(client));
  });

  after(async () => {
    client?.destroy();
    await server?.stop();
  });

  contract('Redis', () => ({
    store: redis().store,
    ttl: async (key) => {
      const ttl = await redis().client.ttl(key);
      return ttl < 0 ? undefined : ttl;
    },
    age: async (key, seconds) => {
      const { client: c } = redis();
      await c.expire(key, (await c.ttl(key)) - seconds);
    },
  }));

  describe('Redis specifics', () => {
    it('stores a hash of version and data, so the value and its version change together', async () => {
      const { client: c, store } = redis();
      const key = freshKey();
      await store.set(key, 'payload', { ttlSeconds: 60 });
      const hash = await c.hGetAll(key);
      assert.deepEqual(Object.keys(hash).sort(), ['d', 'v']);
      assert.equal(hash['d'], 'payload');
      assert.equal((await store.get(key))?.version, hash['v']);
    });

    it('loads its scripts again after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
      const { client: c, store } = redis();
      const key = freshKey();
      await store.set(key, 'before', { ttlSeconds: 60 });
      await c.scriptFlush();
      assert.equal((await store.get(key))?.value, 'before');
      const read = await store.get(key);
      await c.scriptFlush();
      assert.equal(await store.set(key, 'after', { ttlSeconds: 60, ifVersion: read?.version }), true);
    });

    it('a key of another type is a typed error, not a crash or an overwrite', async () => {
      const { client: c, store } = redis();
      const key = freshKey();
      await c.set(key, 'not a hash');
      await assert.rejects(store.get(key), (err: unknown) => err instanceof DistributedCacheError && err.reason === 'unavailable');
      await assert.rejects(store.set(key, 'x', { ttlSeconds: 5 }), DistributedCacheError);
      assert.equal(await c.get(key), 'not a hash');
    });

    it('a command that never answers is a timeout error', async () => {
      const hanging = new RedisDistributedCacheStore({ run: () => new Promise(() => undefined) }, { operationTimeoutMs: 20 });
      await assert.rejects(hanging.get('k'), (err: unknown) => err instanceof DistributedCacheError && err.reason === 'timeout');
    });

    it('works through a runner that only has EVAL (the shape of the documented ioredis adapter)', async () => {
      const { client: c } = redis();
      const evalOnly = new RedisDistributedCacheStore({
        run: (script, keys, args) => c.eval(script.source, { keys: [...keys], arguments: [...args] }),
      });
      const key = freshKey();
      assert.equal(await evalOnly.set(key, 'v1', { ttlSeconds: 60, ifVersion: null }), true);
      const read = await evalOnly.get(key);
      assert.equal(await evalOnly.set(key, 'v2', { ttlSeconds: 60, ifVersion: read?.version }), true);
      assert.equal((await redis().store.get(key))?.value, 'v2', 'both runners see the same data');
    });
  });
});
