// DistributedTokenCache on a Sentinel-managed Redis (one primary, one replica, three sentinels): the store runs
// unchanged on a `createSentinel` client, and a killed primary gives typed, retryable errors until the sentinels promote
// the replica, then success.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CacheAccessContext, TokenResponseEvent } from '../../src/cache/index.js';
import { DistributedCacheError, DistributedTokenCache, RedisDistributedCacheStore, nodeRedisRunner } from '../../src/distributed/index.js';
import { buildIdToken, buildResponse } from '../cache/helpers.js';
import { connectSentinel, startRedisSentinel, type RedisSentinelHandle } from './redis-sentinel.js';

type Sentinel = Awaited<ReturnType<typeof connectSentinel>>;

const ENV = 'login.microsoftonline.com';
const INSTANCES = 4;

function userContext(homeAccountId: string): CacheAccessContext {
  return { clientId: 'app', partition: { kind: 'user', homeAccountId, environment: ENV } };
}

function accessToken(uid: string, scope: string, secret: string): TokenResponseEvent {
  return {
    clientId: 'app',
    scopes: [scope],
    environment: ENV,
    realm: 'contoso',
    grantType: 'refresh_token',
    response: buildResponse({ uid, utid: 'contoso', access_token: secret, id_token: buildIdToken({ oid: uid, tid: 'contoso' }) }),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('DistributedTokenCache on Redis Sentinel (1 primary, 1 replica, 3 sentinels)', () => {
  let sentinel: RedisSentinelHandle;
  const clients: Sentinel[] = [];

  before(async () => {
    sentinel = await startRedisSentinel();
    for (let i = 0; i <= INSTANCES; i++) clients.push(await connectSentinel(sentinel));
  });

  after(async () => {
    for (const c of clients) c.destroy();
    await sentinel.stop();
  });

  function instance(i: number): DistributedTokenCache {
    const client = clients[i];
    if (client === undefined) throw new Error(`no client ${i}`);
    return new DistributedTokenCache(new RedisDistributedCacheStore(nodeRedisRunner(client), { operationTimeoutMs: 3000 }), {
      keyPrefix: 'sentinel',
      maxWriteAttempts: 50,
    });
  }

  it('a killed primary: typed retryable errors until the sentinels promote the replica, then success', async () => {
    const hid = 'busy.contoso';
    const [primary, replica] = sentinel.dataPorts;
    assert.equal(await sentinel.primaryPort(), primary);
    const caches = Array.from({ length: INSTANCES }, (_, i) => instance(i));
    const acknowledged: Array<{ scope: string; secret: string; afterRecovery: boolean }> = [];
    const failures: unknown[] = [];
    let recovered = false;
    let abandoned = false;
    const writer = async (i: number, cache: DistributedTokenCache): Promise<void> => {
      let afterRecoveryWrites = 0;
      for (let n = 0; afterRecoveryWrites < 10; n++) {
        const scope = `scope${i}.${n}`;
        const secret = `at-${i}-${n}`;
        const startedAfterRecovery = recovered;
        for (let attempt = 1; ; attempt++) {
          try {
            await cache.write(userContext(hid), () => cache.add(accessToken('busy', scope, secret)));
            break;
          } catch (err) {
            failures.push(err);
            // A bound on waiting, not a timing assertion: a client that never recovers fails the test, not hangs it.
            if (attempt > 600 || abandoned) throw new Error('no success 600 retries after the kill', { cause: err });
            await pause(50);
          }
        }
        acknowledged.push({ scope, secret, afterRecovery: startedAfterRecovery });
        if (startedAfterRecovery) afterRecoveryWrites++;
        await pause(10);
      }
    };
    const writers = Promise.all(caches.map((cache, i) => writer(i, cache)));
    writers.catch(() => undefined); // awaited below
    let killedAt: number | undefined;
    let promotedAt: number | undefined;
    try {
      while (acknowledged.length < INSTANCES * 5) await pause(10);
      assert.ok(primary !== undefined);
      killedAt = Date.now();
      await sentinel.kill(primary);
      while ((await sentinel.primaryPort()) !== replica) await pause(100);
      promotedAt = Date.now();
      recovered = true;
    } finally {
      abandoned = !recovered;
    }
    await writers;
    const doneAt = Date.now();

    assert.ok(failures.length > 0, 'the kill was felt');
    for (const err of failures) {
      assert.ok(err instanceof DistributedCacheError, `a typed error, not ${String(err)}`);
      assert.ok(['unavailable', 'timeout', 'conflict'].includes(err.reason), err.reason);
    }
    const reader = instance(INSTANCES);
    await reader.beforeRead(userContext(hid));
    const stored = new Map(reader.getAccountEntries(hid, ENV).accessTokens.map((at) => [at.target.toLowerCase(), at.secret]));
    const missing = acknowledged.filter((w) => stored.get(w.scope.toLowerCase()) !== w.secret);
    assert.deepEqual(
      missing.filter((w) => w.afterRecovery),
      [],
      'no write acknowledged after the promotion is lost',
    );
    const reasons = failures.map((err) => (err instanceof DistributedCacheError ? err.reason : 'untyped')).sort();
    console.log(
      `# sentinel failover: ${failures.length} failed calls (${[...new Set(reasons)].map((r) => `${r} ${reasons.filter((x) => x === r).length}`).join(', ')}); replica promoted ${(promotedAt ?? 0) - (killedAt ?? 0)} ms after the kill; ` +
        `all writers done ${doneAt - (killedAt ?? 0)} ms after it; ${acknowledged.length} writes acknowledged, ${missing.length} lost in the replication window`,
    );
  });
});
