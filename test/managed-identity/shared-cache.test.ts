// Managed identity tokens never cross identities through a cache. Two services with different identities (two
// emulators: different IMDS answers) that share a store outside the process (one Redis, one cache file) must never be
// served each other's tokens. A system-assigned identity has no id a cache could be partitioned by (every one is
// `SYSTEM_ASSIGNED_MANAGED_IDENTITY`), and a user-assigned id in a configuration proves nothing about which identity
// the resource really has, so a cache shared beyond the process is refused at construction.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MANAGED_IDENTITY_IDS } from '../../src/emulator/index.js';
import { DistributedTokenCache, RedisDistributedCacheStore, nodeRedisRunner } from '../../src/distributed/index.js';
import { FilePersistence, PersistedTokenCache } from '../../src/extensions/index.js';
import {
  ManagedIdentityError,
  SerializableTokenCache,
  SystemAssignedManagedIdentity,
  TokenCache,
  UserAssignedManagedIdentity,
  type CacheAccessContext,
  type ManagedIdentity,
} from '../../src/index.js';
import { connectClient, startRedisServer, type RedisServer } from '../distributed/redis-server.js';
import { startMiTestBed, VAULT, type MiTestBed } from './helpers.js';

const SYSTEM = new SystemAssignedManagedIdentity();
const USER = new UserAssignedManagedIdentity({ clientId: MANAGED_IDENTITY_IDS.userAssignedClientId });

type Outcome = { token: string } | { error: unknown };

/** Service `bed` asks for a token through a client built on `cache`; construction errors count as outcomes too. */
async function attempt(bed: MiTestBed, identity: ManagedIdentity, cache: TokenCache): Promise<Outcome> {
  try {
    const client = bed.client('DEFAULT_TO_VM', identity, { tokenCache: cache });
    return { token: (await client.acquireTokenForClient({ resource: VAULT })).access_token };
  } catch (error) {
    return { error };
  }
}

function assertRefused(outcome: Outcome, what: string): void {
  assert.ok('error' in outcome, `${what}: a shared cache was accepted`);
  assert.ok(outcome.error instanceof ManagedIdentityError, `${what}: ${String(outcome.error)}`);
  assert.equal(outcome.error.reason, 'shared_token_cache');
  assert.match(outcome.error.message, /in memory/);
}

describe('managed identity tokens never cross identities through a cache', () => {
  let serviceA: MiTestBed;
  let serviceB: MiTestBed;
  let redis: RedisServer;
  let dir: string;
  const closers: Array<() => Promise<unknown>> = [];

  before(async () => {
    [serviceA, serviceB, redis] = await Promise.all([startMiTestBed(), startMiTestBed(), startRedisServer()]);
    dir = mkdtempSync(join(tmpdir(), 'msal-ts-mi-shared-'));
  });
  after(async () => {
    for (const close of closers) await close();
    await Promise.all([serviceA.close(), serviceB.close(), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const identity of [SYSTEM, USER]) {
    it(`two services on one Redis: B never gets A's token (${identity.idType})`, async () => {
      const redisCache = async (): Promise<DistributedTokenCache> => {
        const client = await connectClient(redis.url);
        closers.push(() => client.close());
        return new DistributedTokenCache(new RedisDistributedCacheStore(nodeRedisRunner(client)));
      };
      const a = await attempt(serviceA, identity, await redisCache());
      const b = await attempt(serviceB, identity, await redisCache());
      if ('token' in a && 'token' in b) assert.ok(b.token !== a.token, "service B was served service A's token");
      assertRefused(a, 'service A');
      assertRefused(b, 'service B');
    });

    it(`two services on one cache file: B never gets A's token (${identity.idType})`, async () => {
      const file = join(dir, `${identity.idType}.json`);
      const a = await attempt(serviceA, identity, new PersistedTokenCache(new FilePersistence(file)));
      const b = await attempt(serviceB, identity, new PersistedTokenCache(new FilePersistence(file)));
      if ('token' in a && 'token' in b) assert.ok(b.token !== a.token, "service B was served service A's token");
      assertRefused(a, 'service A');
      assertRefused(b, 'service B');
    });
  }

  it('a custom cache that keeps its store outside the process (overrides beforeRead or write) is refused too', () => {
    class ExternalCache extends SerializableTokenCache {
      override beforeRead(context: CacheAccessContext): void {
        void context;
      }
    }
    const cache = new ExternalCache();
    assert.equal(cache.sharedBeyondProcess, true);
    assert.throws(
      () => serviceA.client('DEFAULT_TO_VM', SYSTEM, { tokenCache: cache }),
      (err: unknown) => {
        assert.ok(err instanceof ManagedIdentityError);
        assert.equal(err.reason, 'shared_token_cache');
        return true;
      },
    );
  });

  it('the default and an in-memory cache work, each service with its own', async () => {
    assert.equal(new SerializableTokenCache().sharedBeyondProcess, false);
    assert.equal(new TokenCache().sharedBeyondProcess, false);
    const a = await attempt(serviceA, SYSTEM, new SerializableTokenCache());
    const b = await attempt(serviceB, SYSTEM, new SerializableTokenCache());
    assert.ok('token' in a && 'token' in b);
    assert.notEqual(a.token, b.token);
    const again = serviceA.client('DEFAULT_TO_VM', SYSTEM);
    assert.equal((await again.acquireTokenForClient({ resource: VAULT })).token_source, 'identity_provider', 'the default cache is per client');
  });

  it('a cache that declares itself private to the process (sharedBeyondProcess false) is accepted', async () => {
    class OneProcessCache extends SerializableTokenCache {
      override beforeRead(context: CacheAccessContext): void {
        void context;
      }
      override get sharedBeyondProcess(): boolean {
        return false;
      }
    }
    const client = serviceA.client('DEFAULT_TO_VM', SYSTEM, { tokenCache: new OneProcessCache() });
    assert.equal((await client.acquireTokenForClient({ resource: VAULT })).token_source, 'identity_provider');
    assert.equal((await client.acquireTokenForClient({ resource: VAULT })).token_source, 'cache');
  });
});
