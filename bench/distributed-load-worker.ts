// One instance process of bench/distributed-load.ts: connects to the single redis-server and to the cluster, holds one
// msal-ts ConfidentialClientApplication per topology (with its DistributedTokenCache) and msal-node's
// DistributedCachePlugin adapters for both, then runs the jobs the parent sends over IPC and answers with each call's
// latency. Never started by hand.
import * as msalNode from '@azure/msal-node';
import { createClient, createCluster } from '@redis/client';
import { ConfidentialClientApplication, type HttpClient } from '../src/index.js';
import { DistributedTokenCache, RedisDistributedCacheStore, nodeRedisRunner } from '../src/distributed/index.js';
import {
  ENV,
  SCOPES,
  msalNodeKey,
  type Job,
  type JobResult,
  type Library,
  type Operation,
  type Topology,
  type WorkerSetup,
} from './distributed-load-shared.js';

const setup = JSON.parse(process.argv[2] ?? '{}') as WorkerSetup;
const { clientId, hitTenants, writeTenants } = setup;

let issued = 0;
function tokenBody(): { access_token: string; token_type: string; expires_in: number } {
  return { access_token: `at-${process.pid}-${++issued}`, token_type: 'Bearer', expires_in: 86_400 };
}

/** In-process identity provider: OIDC discovery for any tenant, and a fresh token for every token request. */
const fakeIdp: HttpClient = {
  send(request) {
    const json = (body: unknown) => Promise.resolve({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (request.method === 'GET' && request.url.endsWith('/.well-known/openid-configuration')) {
      const base = request.url.slice(0, request.url.indexOf('/v2.0/'));
      return json({
        issuer: `${base}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
      });
    }
    if (request.method === 'POST' && request.url.endsWith('/oauth2/v2.0/token')) return json(tokenBody());
    return Promise.reject(new Error(`bench: unexpected ${request.method} ${request.url}`));
  },
};
const msalNodeIdp = {
  sendGetRequestAsync: () => Promise.reject(new Error('bench: unexpected GET')),
  sendPostRequestAsync: () => Promise.resolve({ status: 200, headers: {}, body: tokenBody() }) as never,
};

const single = createClient({ url: setup.singleUrl, disableOfflineQueue: true });
single.on('error', (err: Error) => console.error('redis:', err.message));
const cluster = createCluster({ rootNodes: setup.clusterUrls.map((url) => ({ url })), defaults: { disableOfflineQueue: true } });
cluster.on('error', (err: Error) => console.error('redis cluster:', err.message));
await Promise.all([single.connect(), cluster.connect()]);

/** One application object per process and topology, as a web farm instance holds. */
function msalTsApp(topology: Topology): ConfidentialClientApplication {
  const client = topology === 'single' ? single : cluster;
  return new ConfidentialClientApplication(clientId, {
    authority: `https://${ENV}/${hitTenants[0] ?? ''}`,
    clientCredential: 'bench-secret',
    tokenCache: new DistributedTokenCache(new RedisDistributedCacheStore(nodeRedisRunner(client))),
    httpClient: fakeIdp,
  });
}
const msalTs = { single: msalTsApp('single'), cluster: msalTsApp('cluster') };

/**
 * msal-node's ICacheClient over @redis/client: the same two calls for a single client and a cluster client (a
 * cluster client routes GET and SET by the key's slot, and follows MOVED/ASK itself).
 */
function cacheClient(topology: Topology): msalNode.ICacheClient {
  const client = topology === 'single' ? single : cluster;
  return {
    get: async (key) => (await client.get(key)) ?? '',
    set: async (key, value) => (await client.set(key, value)) ?? '',
  };
}
const cacheClients = { single: cacheClient('single'), cluster: cacheClient('cluster') };

/** A new msal-node app per request, as its docs advise: the plugin names one partition per application object. */
function msalNodeApp(topology: Topology, tenant: string): msalNode.ConfidentialClientApplication {
  const key = msalNodeKey(clientId, tenant);
  const partition: msalNode.IPartitionManager = { getKey: () => Promise.resolve(key), extractKey: () => Promise.resolve(key) };
  return new msalNode.ConfidentialClientApplication({
    auth: { clientId, authority: `https://${ENV}/${tenant}`, clientSecret: 'bench-secret' },
    cache: { cachePlugin: new msalNode.DistributedCachePlugin(cacheClients[topology], partition) },
    system: { networkClient: msalNodeIdp },
  });
}

async function call(topology: Topology, library: Library, operation: Operation, tenantIndex: number): Promise<void> {
  const hit = operation === 'hit';
  const tenants = hit ? hitTenants : writeTenants;
  const tenant = tenants[tenantIndex % tenants.length] ?? '';
  if (library === 'msal-ts') {
    const result = await msalTs[topology].acquireTokenForClient(SCOPES, { tenant, forceRefresh: !hit });
    if (result.token_source !== (hit ? 'cache' : 'identity_provider')) throw new Error(`msal-ts: unexpected ${result.token_source}`);
  } else {
    const result = await msalNodeApp(topology, tenant).acquireTokenByClientCredential({ scopes: SCOPES, skipCache: !hit });
    if (result?.fromCache !== hit) throw new Error(`msal-node: fromCache ${String(result?.fromCache)}`);
  }
}

async function runJob(job: Job): Promise<JobResult> {
  const latencies: number[] = [];
  let x = (job.seed ^ process.pid) >>> 0;
  let left = job.count;
  const startNs = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: job.inFlight }, async () => {
      while (left > 0) {
        left--;
        x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
        const t0 = process.hrtime.bigint();
        await call(job.topology, job.library, job.operation, x);
        latencies.push(Number(process.hrtime.bigint() - t0));
      }
    }),
  );
  return { id: job.id, latencies, startNs: String(startNs), endNs: String(process.hrtime.bigint()) };
}

process.on('message', (message: Job | 'stop') => {
  if (message === 'stop') {
    single.destroy();
    cluster.destroy();
    process.disconnect();
    return;
  }
  runJob(message).then(
    (result) => process.send?.(result),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
});
process.send?.('ready');
