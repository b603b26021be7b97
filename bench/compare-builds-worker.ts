// One process of bench/compare-builds.ts: loads one build's dist/, fills one cache, warms up, then times batches of 100 cache hits and prints one JSON line. Never started by hand.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AUTHORITY, CLIENT_ID as PUBLIC_CLIENT_ID, SCOPES as USER_SCOPES, uidOf } from './fixtures/user-cache.js';
import { median, tenantIds } from './util.js';

/** What the parent asks for. */
export interface WorkerJob {
  readonly dist: string;
  readonly scenario: 'client' | 'silent';
  readonly size: number;
  readonly batches: number;
  /** The serialized user cache (silent only). */
  readonly cacheFile?: string | undefined;
}

/** What the worker prints: median wall ns per call over the batches, and CPU ns per call over all of them. */
export interface WorkerResult {
  readonly wall: number;
  readonly cpu: number;
}

// The build's public surface, as far as this bench uses it.
interface Lib {
  SerializableTokenCache: new () => { add(e: unknown): void; deserialize(t: string): void };
  ConfidentialClientApplication: new (id: string, o: unknown) => { acquireTokenForClient(s: string[], o: unknown): Promise<{ token_source: string }> };
  PublicClientApplication: new (
    id: string,
    o: unknown,
  ) => {
    getAccounts(): Promise<Array<{ local_account_id: string }>>;
    acquireTokenSilent(s: string[], o: unknown): Promise<{ token_source: string } | undefined>;
  };
}
type Call = (i: number) => Promise<unknown>;

const CLIENT_ID = '00001111-aaaa-2222-bbbb-3333cccc4444';
const SCOPES = ['https://graph.microsoft.com/.default'];
const noNetwork = { send: () => Promise.reject(new Error('bench: unexpected network request')) };

function appHits(lib: Lib, tenants: string[]): Call {
  const cache = new lib.SerializableTokenCache();
  for (const realm of tenants) {
    cache.add({
      clientId: CLIENT_ID,
      scopes: SCOPES,
      environment: 'login.microsoftonline.com',
      realm,
      grantType: 'client_credentials',
      response: { access_token: `at-${realm}`, token_type: 'Bearer', expires_in: 86_400 },
    });
  }
  const app = new lib.ConfidentialClientApplication(CLIENT_ID, {
    authority: `https://login.microsoftonline.com/${tenants[0] ?? ''}`,
    clientCredential: 'x',
    tokenCache: cache,
    httpClient: noNetwork,
  });
  return (i) => app.acquireTokenForClient(SCOPES, { tenant: tenants[i % tenants.length] });
}

async function silentHits(lib: Lib, serialized: string, count: number): Promise<Call> {
  const cache = new lib.SerializableTokenCache();
  cache.deserialize(serialized);
  const app = new lib.PublicClientApplication(PUBLIC_CLIENT_ID, { authority: AUTHORITY, tokenCache: cache, httpClient: noNetwork });
  const byUid = new Map((await app.getAccounts()).map((a) => [a.local_account_id, a]));
  const accounts = Array.from({ length: count }, (_, i) => byUid.get(uidOf(i)));
  return (i) => app.acquireTokenSilent(USER_SCOPES, { account: accounts[i % count] });
}

const job = JSON.parse(process.argv[2] ?? '{}') as WorkerJob;
const lib = (await import(pathToFileURL(resolve(job.dist, 'index.js')).href)) as Lib;
const call =
  job.scenario === 'client'
    ? appHits(lib, tenantIds(job.size))
    : await silentHits(lib, readFileSync(job.cacheFile ?? join(job.dist, 'missing'), 'utf8'), job.size);
// Every tenant or user once (and at least 20,000 calls, so the hit path is compiled by the optimizing tier first).
for (let i = 0; i < Math.max(job.size, 20_000); i++) {
  const result = (await call(i % job.size)) as { token_source?: string } | undefined;
  if (result?.token_source !== 'cache') throw new Error('bench: not a cache hit');
}
const samples: number[] = [];
const cpuStart = process.cpuUsage();
let i = 0;
for (let batch = 0; batch < job.batches; batch++) {
  const start = process.hrtime.bigint();
  for (let k = 0; k < 100; k++) await call(i++ % job.size);
  samples.push(Number(process.hrtime.bigint() - start) / 100);
}
const cpu = process.cpuUsage(cpuStart);
const result: WorkerResult = { wall: median(samples), cpu: ((cpu.user + cpu.system) * 1000) / (job.batches * 100) };
console.log(JSON.stringify(result));
