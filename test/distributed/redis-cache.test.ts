// DistributedTokenCache on a real redis-server: two app instances share tokens through Redis (checked with the
// emulator's counters), TTLs follow the tokens, six processes writing one partition at once lose nothing, and a Redis
// crash gives typed errors, then recovery with valid partitions.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication } from '../../src/index.js';
import type { CacheAccessContext } from '../../src/cache/index.js';
import { DistributedCacheError, DistributedTokenCache, RedisDistributedCacheStore, nodeRedisRunner } from '../../src/distributed/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { appTokenEvent, buildIdToken, buildResponse } from '../cache/helpers.js';
import { connectClient, startRedisServer, type RedisServer } from './redis-server.js';

type Client = Awaited<ReturnType<typeof connectClient>>;

const GRAPH = ['https://graph.microsoft.com/.default'];
const ENV = 'login.microsoftonline.com';

function appContext(tenant: string): CacheAccessContext {
  return { clientId: 'app', partition: { kind: 'app', clientId: 'app', environment: ENV, realm: tenant } };
}

function newCache(client: Client, prefix: string): DistributedTokenCache {
  return new DistributedTokenCache(new RedisDistributedCacheStore(nodeRedisRunner(client), { operationTimeoutMs: 2000 }), {
    keyPrefix: prefix,
  });
}

/** Every stored partition under a prefix, parsed: proves none is half-written or not JSON. */
async function partitions(client: Client, prefix: string): Promise<Map<string, Record<string, Record<string, { secret: string }>>>> {
  const out = new Map<string, Record<string, Record<string, { secret: string }>>>();
  for (const key of await client.keys(`${prefix}:*`)) {
    const hash = await client.hGetAll(key);
    assert.deepEqual(Object.keys(hash).sort(), ['d', 'v'], `${key} has its data and version`);
    out.set(key, JSON.parse(hash['d'] ?? '') as Record<string, Record<string, { secret: string }>>);
  }
  return out;
}

async function waitUntilReady(client: Client): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (client.isReady) {
      try {
        await client.ping();
        return;
      } catch {
        // reconnecting
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the client did not reconnect');
}

describe('DistributedTokenCache on Redis', () => {
  let server: RedisServer;
  let client: Client;
  let emulator: Emulator;
  const children: ChildProcess[] = [];

  before(async () => {
    server = await startRedisServer();
    client = await connectClient(server.url);
    emulator = await startEmulator({
      config: { apps: [{ clientId: DEFAULT_IDS.daemonClientId, signInAudience: 'AzureADMultipleOrgs' }] },
    });
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    client.destroy(); // not close(): a graceful QUIT can wait forever on a client that is reconnecting
    await server.stop();
    await emulator.close();
  });

  function daemon(tokenCache: DistributedTokenCache): ConfidentialClientApplication {
    return new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      tokenCache,
    });
  }

  it('instance B gets the token instance A acquired, with no token request, per tenant partition', async () => {
    const a = daemon(newCache(client, 'cc'));
    const first = await a.acquireTokenForClient(GRAPH);
    assert.equal(first.token_source, 'identity_provider');
    const second = await a.acquireTokenForClient(GRAPH, { tenant: DEFAULT_IDS.secondTenantId });
    assert.equal(second.token_source, 'identity_provider');

    emulator.resetCounters();
    const b = daemon(newCache(client, 'cc'));
    const fromB = await b.acquireTokenForClient(GRAPH);
    assert.equal(fromB.token_source, 'cache');
    assert.equal(fromB.access_token, first.access_token);
    const otherFromB = await b.acquireTokenForClient(GRAPH, { tenant: DEFAULT_IDS.secondTenantId });
    assert.equal(otherFromB.access_token, second.access_token);
    assert.equal(emulator.counters()['token'] ?? 0, 0, 'B made no token request');

    const keys = (await client.keys('cc:*')).sort();
    const head = `cc:{${DEFAULT_IDS.daemonClientId}:app:`;
    assert.equal(keys.length, 2);
    assert.ok(keys.every((k) => k.startsWith(head)));
    assert.ok(keys.some((k) => k.endsWith(`:${DEFAULT_IDS.tenantId}}`)));
    assert.ok(keys.some((k) => k.endsWith(`:${DEFAULT_IDS.secondTenantId}}`)));
    for (const key of keys) {
      const ttl = await client.ttl(key);
      assert.ok(ttl > first.expires_in - 60 && ttl <= first.expires_in + 1, `TTL ${ttl} follows the token's ${first.expires_in} s`);
    }
  });

  it('a forced refresh by B replaces the token for A too, and refreshes the TTL', async () => {
    const a = daemon(newCache(client, 'refresh'));
    const b = daemon(newCache(client, 'refresh'));
    const original = await a.acquireTokenForClient(GRAPH);
    const [key] = await client.keys('refresh:*');
    assert.ok(key);
    await client.expire(key, 100);
    const renewed = await b.acquireTokenForClient(GRAPH, { forceRefresh: true });
    assert.notEqual(renewed.access_token, original.access_token);
    assert.ok((await client.ttl(key)) > 1000, 'the write restarted the TTL');
    const seenByA = await a.acquireTokenForClient(GRAPH);
    assert.equal(seenByA.token_source, 'cache');
    assert.equal(seenByA.access_token, renewed.access_token);
  });

  it('stores a new user sign-in in the user partition with the refresh token lifetime as TTL', async () => {
    const cache = newCache(client, 'users');
    const response = buildResponse({
      uid: 'alice',
      utid: 'contoso',
      access_token: 'at',
      refresh_token: 'rt',
      id_token: buildIdToken({ oid: 'alice', tid: 'contoso', preferred_username: 'alice@contoso' }),
    });
    await cache.write({ clientId: 'app', partition: { kind: 'any' } }, () =>
      cache.add({ clientId: 'app', scopes: ['User.Read'], environment: ENV, realm: 'contoso', grantType: 'authorization_code', response }),
    );
    const ttl = await client.ttl('users:{app:user:alice.contoso}');
    assert.ok(ttl > 90 * 24 * 3600 - 60 && ttl <= 90 * 24 * 3600, `TTL ${ttl}`);
    const reader = newCache(client, 'users');
    await reader.beforeRead({ clientId: 'app', partition: { kind: 'user', homeAccountId: 'alice.contoso', environment: ENV } });
    assert.equal(reader.findRefreshTokens({ homeAccountId: 'alice.contoso', environment: ENV, clientId: 'app' })[0]?.secret, 'rt');
  });

  it('six processes writing distinct tokens into the same partition at once lose none', async () => {
    const writers = 6;
    const perWriter = 5;
    const fixture = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));
    const started = Array.from({ length: writers }, (_, id) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, server.url, String(id), String(perWriter), 'shared'], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      let out = '';
      const ready = new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('ready\n')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`writer ${id} exited early with ${code}`)));
      });
      return { child, ready, output: () => out };
    });
    await Promise.all(started.map((s) => s.ready));
    // 'close', not 'exit': the output is checked below, and 'exit' can come before the last of it has been read.
    const exits = started.map((s) => once(s.child, 'close'));
    for (const s of started) s.child.stdin?.end('go\n');
    const codes = await Promise.all(exits);
    assert.deepEqual(
      codes.map(([code]) => code as number),
      Array<number>(writers).fill(0),
    );
    assert.ok(started.every((s) => s.output().includes('done')));

    const stored = await partitions(client, 'msal');
    const doc = stored.get('msal:{app:app:login.microsoftonline.com:shared}');
    assert.ok(doc);
    const secrets = Object.values(doc['AccessToken'] ?? {})
      .map((e) => e.secret)
      .sort();
    const expected = Array.from({ length: writers }, (_, id) => Array.from({ length: perWriter }, (_, i) => `secret-${id}-${i}`))
      .flat()
      .sort();
    assert.deepEqual(secrets, expected);
  });
});

describe('DistributedTokenCache across a Redis crash', () => {
  let server: RedisServer;
  let client: Client;

  before(async () => {
    server = await startRedisServer();
    client = await connectClient(server.url);
  });

  after(async () => {
    client.destroy(); // not close(): a graceful QUIT can wait forever on a client that is reconnecting
    await server.stop();
  });

  it('gives typed errors while Redis is down, serves nothing it could not write, and recovers when it is back', async () => {
    const cache = newCache(client, 'crash');
    const ctx = appContext('contoso');
    await cache.write(ctx, () => cache.add(appTokenEvent('contoso', GRAPH, 'before-crash'), Date.now() / 1000));
    await cache.beforeRead(ctx); // now holds the stored version

    // Writes in flight when the server dies, and writes while it is down: each settles, with a typed error or not.
    const inFlight = Array.from({ length: 10 }, (_, i) =>
      Promise.resolve(cache.write(appContext(`t${i}`), () => cache.add(appTokenEvent(`t${i}`, GRAPH, `flight-${i}`), Date.now() / 1000))),
    );
    const settling = Promise.allSettled(inFlight); // handled now: some reject while the server is being killed
    await server.kill();
    const settled = await settling;
    for (const s of settled) {
      if (s.status === 'rejected') assert.ok(s.reason instanceof DistributedCacheError, String(s.reason));
    }
    await assert.rejects(Promise.resolve(cache.beforeRead(ctx)), (err: unknown) => {
      assert.ok(err instanceof DistributedCacheError);
      assert.ok(err.reason === 'unavailable' || err.reason === 'timeout', err.reason);
      return true;
    });
    await assert.rejects(
      async () => cache.write(appContext('down'), () => cache.add(appTokenEvent('down', GRAPH, 'during-outage'), Date.now() / 1000)),
      DistributedCacheError,
    );
    const lookup = (tenant: string) =>
      cache.findAccessToken({ clientId: 'app', environments: [ENV], realm: tenant, homeAccountId: undefined, scopes: GRAPH })?.entry.secret;
    assert.equal(lookup('down'), undefined, 'a token that never reached Redis is not served from memory');

    await server.restart(); // no persistence: Redis comes back empty
    await waitUntilReady(client);
    // The cache still holds the pre-crash version: its compare-and-set fails, it re-reads (absent) and writes.
    await cache.write(ctx, () => cache.add(appTokenEvent('contoso', GRAPH, 'after-crash'), Date.now() / 1000));
    const stored = await partitions(client, 'crash');
    const doc = stored.get('crash:{app:app:login.microsoftonline.com:contoso}');
    assert.deepEqual(
      Object.values(doc?.['AccessToken'] ?? {}).map((e) => e.secret),
      ['after-crash'],
    );

    const other = newCache(client, 'crash');
    await other.beforeRead(ctx);
    assert.equal(
      other.findAccessToken({ clientId: 'app', environments: [ENV], realm: 'contoso', homeAccountId: undefined, scopes: GRAPH })?.entry.secret,
      'after-crash',
    );
    await cache.beforeRead(appContext('down'));
    assert.equal(lookup('down'), undefined);
  });
});
