// Bench: the distributed cache under load from several instance processes. A cache hit (acquireTokenForClient served
// from Redis) and a write (acquireTokenForClient with forceRefresh: a token from an in-process identity provider,
// stored in Redis), on one redis-server and on a local Redis Cluster (3 primaries + 3 replicas), with 1, 4 and 16
// instance processes (real child processes, each with its own Redis connections), msal-ts's DistributedTokenCache
// beside msal-node's DistributedCachePlugin on the same Redis. Redis round trips per call are counted on the server
// (`INFO commandstats` deltas of EVALSHA, EVAL, GET and SET on every primary). Rounds are interleaved (every
// configuration once per round, rounds repeated) so outside load on the machine falls on all of them alike; the table
// gives medians over rounds. Bounded: a fixed number of calls per configuration, loopback only.
// Needs Debian's redis-server and redis-cli; without them the bench says so and exits 0 (tests, unlike benches, never skip).
// Run: node --import tsx bench/distributed-load.ts [--rounds 3] [--hits 2000] [--writes 1000] [--in-flight 4]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as msalNode from '@azure/msal-node';
import { createClient } from '@redis/client';
import { DistributedTokenCache, RedisDistributedCacheStore, nodeRedisRunner } from '../src/distributed/index.js';
import { connectCluster, startRedisCluster } from '../test/distributed/redis-cluster.js';
import { startRedisServer } from '../test/distributed/redis-server.js';
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
import { median, ns, tenantIds } from './util.js';

for (const tool of ['redis-server', 'redis-cli']) {
  if (spawnSync(tool, ['--version']).error !== undefined) {
    console.log(`bench/distributed-load.ts skipped: ${tool} is not installed (apt-get install redis-server redis-tools)`);
    process.exit(0);
  }
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`--${name} must be a positive integer`);
  return value;
}
const rounds = option('rounds', 3);
const hitCalls = option('hits', 2000);
const writeCalls = option('writes', 1000);
const inFlight = option('in-flight', 4);
const PROCESSES = [1, 4, 16] as const;
const TOPOLOGIES: readonly Topology[] = ['single', 'cluster'];
const CLIENT_ID = '00001111-aaaa-2222-bbbb-3333cccc4444';
const tenants = tenantIds(600);
const hitTenants = tenants.slice(0, 500);
const writeTenants = tenants.slice(500);

const server = await startRedisServer();
const cluster = await startRedisCluster();
const workers: ChildProcess[] = [];
const statClients = new Map<number, ReturnType<typeof createClient>>();

/** Top-level commands the two libraries send: a script's own HGET/HSET calls are not round trips. */
const ROUND_TRIP_COMMANDS = ['evalsha', 'eval', 'get', 'set'];

async function statClient(port: number): Promise<ReturnType<typeof createClient>> {
  let client = statClients.get(port);
  if (client === undefined) {
    client = createClient({ url: `redis://127.0.0.1:${port}` });
    client.on('error', (err: Error) => console.error('redis stats:', err.message));
    await client.connect();
    statClients.set(port, client);
  }
  return client;
}

/** The calls of the round-trip commands on the topology's primaries, summed. */
async function commandCalls(topology: Topology): Promise<number> {
  const ports = topology === 'single' ? [server.port] : (await cluster.nodes()).filter((n) => n.primary).map((n) => n.port);
  let total = 0;
  for (const port of ports) {
    const info = await (await statClient(port)).info('commandstats');
    for (const command of ROUND_TRIP_COMMANDS) {
      const calls = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1];
      total += Number(calls ?? 0);
    }
  }
  return total;
}

/** Every partition the bench reads or writes, for both libraries, on one topology. */
async function seed(topology: Topology): Promise<void> {
  const client = topology === 'single' ? createClient({ url: server.url }) : await connectCluster(cluster);
  client.on('error', (err: Error) => console.error('redis:', err.message));
  if (topology === 'single') await client.connect();
  try {
    const writer = new DistributedTokenCache(new RedisDistributedCacheStore(nodeRedisRunner(client)), { maxPartitions: 100 });
    // msal-node's partitions: its own serialized cache, made from an entry msal-node wrote itself.
    const template = tenants[0] ?? '';
    const seedApp = new msalNode.ConfidentialClientApplication({
      auth: { clientId: CLIENT_ID, authority: `https://${ENV}/${template}`, clientSecret: 'bench-secret' },
      system: {
        networkClient: {
          sendGetRequestAsync: () => Promise.reject(new Error('bench: unexpected GET')),
          sendPostRequestAsync: () =>
            Promise.resolve({ status: 200, headers: {}, body: { access_token: `at-${template}`, token_type: 'Bearer', expires_in: 86_400 } }) as never,
        },
      },
    });
    await seedApp.acquireTokenByClientCredential({ scopes: SCOPES });
    const templateCache = seedApp.getTokenCache().serialize();
    for (let i = 0; i < tenants.length; i += 100) {
      await Promise.all(
        tenants.slice(i, i + 100).map(async (tenant) => {
          await writer.write({ clientId: CLIENT_ID, partition: { kind: 'app', clientId: CLIENT_ID, environment: ENV, realm: tenant } }, () =>
            writer.add({
              clientId: CLIENT_ID,
              scopes: SCOPES,
              environment: ENV,
              realm: tenant,
              grantType: 'client_credentials',
              response: { access_token: `at-${tenant}`, token_type: 'Bearer', expires_in: 86_400 },
            }),
          );
          await client.set(msalNodeKey(CLIENT_ID, tenant), templateCache.replaceAll(template, tenant));
        }),
      );
    }
  } finally {
    client.destroy();
  }
}

const pending = new Map<number, (result: JobResult) => void>();
let nextJob = 0;

async function startWorker(): Promise<ChildProcess> {
  const setup: WorkerSetup = { singleUrl: server.url, clusterUrls: cluster.urls, clientId: CLIENT_ID, hitTenants, writeTenants };
  const script = fileURLToPath(new URL('./distributed-load-worker.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(setup)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  workers.push(child);
  child.on('exit', (code, signal) => {
    if (code !== 0 && !stopping) {
      console.error(`bench: an instance process exited (${signal ?? code ?? '?'})`);
      process.exitCode = 1;
      void shutdown().then(() => process.exit(1));
    }
  });
  child.on('message', (message: JobResult | 'ready') => {
    if (message === 'ready') return;
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  const [ready] = (await once(child, 'message')) as [unknown];
  if (ready !== 'ready') throw new Error('bench: an instance process did not start');
  return child;
}

function send(child: ChildProcess, job: Omit<Job, 'id'>): Promise<JobResult> {
  const id = nextJob++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    child.send({ ...job, id });
  });
}

interface Sample {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly roundTrips: number;
}

/** One configuration once: `calls` spread over the first `processes` instances, all started together. */
async function runOnce(topology: Topology, library: Library, operation: Operation, processes: number, calls: number, seedValue: number): Promise<Sample> {
  const before = await commandCalls(topology);
  const share = Math.ceil(calls / processes);
  const results = await Promise.all(workers.slice(0, processes).map((w) => send(w, { topology, library, operation, count: share, inFlight, seed: seedValue })));
  const after = await commandCalls(topology);
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const start = results.reduce((m, r) => (BigInt(r.startNs) < m ? BigInt(r.startNs) : m), BigInt(results[0]?.startNs ?? 0));
  const end = results.reduce((m, r) => (BigInt(r.endNs) > m ? BigInt(r.endNs) : m), 0n);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return {
    perSecond: latencies.length / (Number(end - start) / 1e9),
    p50: at(0.5),
    p99: at(0.99),
    roundTrips: (after - before) / latencies.length,
  };
}

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const w of workers) {
    if (w.connected) w.send('stop');
  }
  await Promise.all(
    workers.map(async (w) => {
      if (w.exitCode !== null || w.signalCode !== null) return;
      const exited = once(w, 'exit');
      const timer = setTimeout(() => w.pid !== undefined && process.kill(w.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
  for (const c of statClients.values()) c.destroy();
  await server.stop();
  await cluster.stop();
}

const LIBRARIES: readonly Library[] = ['msal-ts', 'msal-node'];
const OPERATIONS: readonly Operation[] = ['hit', 'write'];

try {
  const redisVersion = String(spawnSync('redis-server', ['--version']).stdout).match(/v=(\S+)/)?.[1] ?? '?';
  console.log(
    `distributed cache under load: ${hitCalls} hits and ${writeCalls} writes per configuration, ${inFlight} in flight per instance process, ` +
      `${hitTenants.length} tenant partitions read and ${writeTenants.length} written, ${rounds} interleaved rounds`,
  );
  console.log(
    `node ${process.version}, ${process.platform} ${process.arch}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), redis-server ${redisVersion}, ` +
      `load average at start ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  await Promise.all(TOPOLOGIES.map(seed));
  const most = Math.max(...PROCESSES);
  for (let i = 0; i < most; i += 4) await Promise.all(Array.from({ length: Math.min(4, most - i) }, () => startWorker()));

  // Warm-up in every instance: JIT, connections, each tenant's authority and discovery, partitions in memory.
  for (const topology of TOPOLOGIES) {
    for (const library of LIBRARIES) {
      for (const operation of OPERATIONS) {
        const count = operation === 'hit' ? hitTenants.length : writeTenants.length;
        await Promise.all(workers.map((w) => send(w, { topology, library, operation, count, inFlight, seed: 1 })));
      }
    }
  }

  const samples = new Map<string, Sample[]>();
  const keyOf = (t: Topology, p: number, l: Library, o: Operation): string => `${t}|${p}|${l}|${o}`;
  for (let round = 0; round < rounds; round++) {
    // Alternate which library goes first, so neither always runs right after the other's writes.
    const libraries = round % 2 === 0 ? LIBRARIES : [...LIBRARIES].reverse();
    for (const processes of PROCESSES) {
      for (const topology of TOPOLOGIES) {
        for (const operation of OPERATIONS) {
          for (const library of libraries) {
            const sample = await runOnce(topology, library, operation, processes, operation === 'hit' ? hitCalls : writeCalls, 100 + round);
            const key = keyOf(topology, processes, library, operation);
            samples.set(key, [...(samples.get(key) ?? []), sample]);
          }
        }
      }
    }
    console.log(
      `round ${round + 1} of ${rounds} done, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  }

  console.log('| operation | Redis | processes | library | calls/s (median; range) | p50 | p99 | round trips per call |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const operation of OPERATIONS) {
    for (const topology of TOPOLOGIES) {
      for (const processes of PROCESSES) {
        for (const library of LIBRARIES) {
          const list = samples.get(keyOf(topology, processes, library, operation)) ?? [];
          const rates = list.map((s) => s.perSecond);
          const where = topology === 'single' ? '1 node' : 'cluster (3 primaries)';
          console.log(
            `| ${operation} | ${where} | ${processes} | ${library} | ${median(rates).toFixed(0)} (${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}) | ` +
              `${ns(median(list.map((s) => s.p50)))} | ${ns(median(list.map((s) => s.p99)))} | ${median(list.map((s) => s.roundTrips)).toFixed(2)} |`,
          );
        }
      }
    }
  }
} finally {
  await shutdown();
}
