// Bench: concurrent acquireTokenForClient cache reads across 10,000 'app' partitions (one per tenant) on one local
// Redis: msal-ts's DistributedTokenCache beside @azure/msal-node's DistributedCachePlugin. Both libraries get an HTTP
// client that throws, so every timed call is a cache hit served through Redis. A bounded number of requests.
// Needs Debian's redis-server; without it the bench says so and exits 0 (tests, unlike benches, never skip).
// Run: node --import tsx bench/distributed.ts [--partitions 10000] [--requests 20000] [--concurrency 64]
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { createClient } from '@redis/client';
import * as msalNode from '@azure/msal-node';
import { ConfidentialClientApplication, type HttpClient } from '../src/index.js';
import { DistributedTokenCache, RedisDistributedCacheStore, nodeRedisRunner, type DistributedTokenCacheOptions } from '../src/distributed/index.js';
import { startRedisServer } from '../test/distributed/redis-server.js';
import { ns, tenantIds } from './util.js';

if (spawnSync('redis-server', ['--version']).error !== undefined) {
  console.log('bench/distributed.ts skipped: redis-server is not installed (apt-get install redis-server)');
  process.exit(0);
}

const CLIENT_ID = '00001111-aaaa-2222-bbbb-3333cccc4444';
const SCOPES = ['https://graph.microsoft.com/.default'];
const ENV = 'login.microsoftonline.com';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`--${name} must be a positive integer`);
  return value;
}
const partitions = option('partitions', 10_000);
const requests = option('requests', 20_000);
const concurrency = option('concurrency', 64);

const noNetwork: HttpClient = { send: () => Promise.reject(new Error('bench: unexpected network request')) };
const msalNodeNoNetwork = {
  sendGetRequestAsync: () => Promise.reject(new Error('bench: unexpected GET')),
  sendPostRequestAsync: () => Promise.reject(new Error('bench: unexpected POST')),
};

/** The same pseudo-random tenant order for every library (a fixed-seed LCG), uniform over the partitions. */
function tenantOrder(count: number, seed: number): Uint32Array {
  const out = new Uint32Array(count);
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    out[i] = x % partitions;
  }
  return out;
}

interface Row {
  readonly label: string;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** Runs `total` calls, `concurrency` at a time, and measures each call (nanoseconds) and the whole run. */
async function drive(call: (tenant: number) => Promise<void>, order: Uint32Array): Promise<{ perSecond: number; p50: number; p99: number }> {
  const latencies = new Float64Array(order.length);
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < order.length) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        await call(order[i] ?? 0);
        latencies[i] = Number(process.hrtime.bigint() - t0);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort();
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { perSecond: order.length / seconds, p50: at(0.5), p99: at(0.99) };
}

async function measure(label: string, call: (tenant: number) => Promise<void>): Promise<Row> {
  await drive(call, tenantOrder(Math.min(requests, 5_000), 7)); // warm-up: JIT, connections
  return { label, ...(await drive(call, tenantOrder(requests, 42))) };
}

const server = await startRedisServer();
const client = createClient({ url: server.url, disableOfflineQueue: true });
client.on('error', (err: Error) => console.error('redis:', err.message));
await client.connect();
const tenants = tenantIds(partitions);

try {
  console.log(
    `distributed cache: ${requests} acquireTokenForClient cache hits, ${concurrency} at a time, over ${partitions} tenant partitions on one local Redis`,
  );
  console.log(
    `node ${process.version}, ${process.platform} ${process.arch}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), redis-server ${String(spawnSync('redis-server', ['--version']).stdout).match(/v=(\S+)/)?.[1] ?? '?'}`,
  );

  // msal-ts partitions: one app token per tenant, written through the cache itself.
  const store = new RedisDistributedCacheStore(nodeRedisRunner(client));
  const seeder = new DistributedTokenCache(store, { maxPartitions: 100 });
  for (let i = 0; i < tenants.length; i += 200) {
    await Promise.all(
      tenants.slice(i, i + 200).map(async (tenant) =>
        seeder.write({ clientId: CLIENT_ID, partition: { kind: 'app', clientId: CLIENT_ID, environment: ENV, realm: tenant } }, () =>
          seeder.add({
            clientId: CLIENT_ID,
            scopes: SCOPES,
            environment: ENV,
            realm: tenant,
            grantType: 'client_credentials',
            response: { access_token: `at-${tenant}`, token_type: 'Bearer', expires_in: 86_400 },
          }),
        ),
      ),
    );
  }

  function msalTsCall(options: DistributedTokenCacheOptions): (tenant: number) => Promise<void> {
    const app = new ConfidentialClientApplication(CLIENT_ID, {
      authority: `https://${ENV}/${tenants[0] ?? ''}`,
      clientCredential: 'bench-secret',
      tokenCache: new DistributedTokenCache(store, options),
      httpClient: noNetwork,
    });
    return async (i) => {
      const result = await app.acquireTokenForClient(SCOPES, { tenant: tenants[i] });
      if (result.token_source !== 'cache') throw new Error('msal-ts: not a cache hit');
    };
  }

  // msal-node partitions: its own serialized cache per tenant, made from an entry msal-node wrote itself.
  const template = tenants[0] ?? '';
  const seed = new msalNode.ConfidentialClientApplication({
    auth: { clientId: CLIENT_ID, authority: `https://${ENV}/${template}`, clientSecret: 'bench-secret' },
    system: {
      networkClient: {
        ...msalNodeNoNetwork,
        sendPostRequestAsync: () =>
          Promise.resolve({ status: 200, headers: {}, body: { access_token: `at-${template}`, token_type: 'Bearer', expires_in: 86_400 } }) as never,
      },
    },
  });
  await seed.acquireTokenByClientCredential({ scopes: SCOPES });
  const templateCache = seed.getTokenCache().serialize();
  for (let i = 0; i < tenants.length; i += 200) {
    await Promise.all(tenants.slice(i, i + 200).map((tenant) => client.set(`msalnode:${CLIENT_ID}.${tenant}`, templateCache.replaceAll(template, tenant))));
  }

  /** msal-node's ICacheClient over @redis/client. */
  const cacheClient: msalNode.ICacheClient = {
    get: async (key) => (await client.get(key)) ?? '',
    set: async (key, value) => (await client.set(key, value)) ?? '',
  };
  /** msal-node's IPartitionManager for one tenant: its docs advise `clientId.tenantId` keys for multi-tenant daemons. */
  const partitionFor = (tenant: string): msalNode.IPartitionManager => ({
    getKey: () => Promise.resolve(`msalnode:${CLIENT_ID}.${tenant}`),
    extractKey: () => Promise.resolve(`msalnode:${CLIENT_ID}.${tenant}`),
  });
  // msal-node's plugin has one partition per application object, so (as its docs and samples advise) each request
  // gets a new ConfidentialClientApplication whose plugin names that request's partition.
  const msalNodeCall = async (i: number): Promise<void> => {
    const tenant = tenants[i] ?? '';
    const app = new msalNode.ConfidentialClientApplication({
      auth: { clientId: CLIENT_ID, authority: `https://${ENV}/${tenant}`, clientSecret: 'bench-secret' },
      cache: { cachePlugin: new msalNode.DistributedCachePlugin(cacheClient, partitionFor(tenant)) },
      system: { networkClient: msalNodeNoNetwork },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: SCOPES });
    if (result?.fromCache !== true) throw new Error('msal-node: not a cache hit');
  };

  const rows: Row[] = [];
  rows.push(await measure('msal-ts, defaults (1,000 partitions in memory)', msalTsCall({})));
  rows.push(await measure(`msal-ts, maxPartitions ${partitions} (all in memory)`, msalTsCall({ maxPartitions: partitions })));
  rows.push(await measure('msal-ts, maxStalenessSeconds 5 (no round trip when fresh)', msalTsCall({ maxPartitions: partitions, maxStalenessSeconds: 5 })));
  rows.push(await measure('@azure/msal-node DistributedCachePlugin (new app per request)', msalNodeCall));

  console.log('| library | requests/s | p50 | p99 |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.label} | ${r.perSecond.toFixed(0)} | ${ns(r.p50)} | ${ns(r.p99)} |`);
} finally {
  client.destroy();
  await server.stop();
}
