// Bench: cache hits of this build's dist/ beside another build's (for example main's), in one process, in alternating
// batches so that a busy moment on a shared machine weighs on both alike: acquireTokenForClient with a per-call tenant
// over 1 / 1,000 / 100,000 app tokens (as bench/client-credentials.ts) and acquireTokenSilent over 1 / 1,000 / 10,000
// users (as bench/silent.ts, on the same msal-node-written cache). Median ns per call over batches of 100 calls,
// every tenant or user served once before timing. Needs npm run build first.
// Run: node --import tsx bench/compare-builds.ts --baseline-dist ../main/dist [--batches 200]
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AUTHORITY, buildCache, CLIENT_ID as PUBLIC_CLIENT_ID, SCOPES as USER_SCOPES, uidOf } from './fixtures/user-cache.js';
import { median, ns, tenantIds } from './util.js';

const CLIENT_ID = '00001111-aaaa-2222-bbbb-3333cccc4444';
const SCOPES = ['https://graph.microsoft.com/.default'];
const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const baseline = flag('--baseline-dist');
const BATCHES = Number(flag('--batches') ?? 200);
if (baseline === undefined || !existsSync(join(baseline, 'index.js')) || !existsSync('dist/index.js')) {
  console.error('bench/compare-builds: needs dist/ (npm run build) and --baseline-dist DIR holding another build');
  process.exit(1);
}

// The two builds' public surface, as far as this bench uses it.
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
const noNetwork = { send: () => Promise.reject(new Error('bench: unexpected network request')) };

type Call = (i: number) => Promise<unknown>;

async function appHits(lib: Lib, tenants: string[]): Promise<Call> {
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
  const call: Call = (i) => app.acquireTokenForClient(SCOPES, { tenant: tenants[i % tenants.length] });
  for (let i = 0; i < tenants.length; i++) if (((await call(i)) as { token_source: string }).token_source !== 'cache') throw new Error('not a hit');
  return call;
}

async function silentHits(lib: Lib, serialized: string, count: number): Promise<Call> {
  const cache = new lib.SerializableTokenCache();
  cache.deserialize(serialized);
  const app = new lib.PublicClientApplication(PUBLIC_CLIENT_ID, { authority: AUTHORITY, tokenCache: cache, httpClient: noNetwork });
  const byUid = new Map((await app.getAccounts()).map((a) => [a.local_account_id, a]));
  const accounts = Array.from({ length: count }, (_, i) => byUid.get(uidOf(i)));
  const call: Call = (i) => app.acquireTokenSilent(USER_SCOPES, { account: accounts[i % count] });
  for (let i = 0; i < count; i++) if (((await call(i)) as { token_source?: string } | undefined)?.token_source !== 'cache') throw new Error('not a hit');
  return call;
}

/** Alternating batches of 100 calls, this build then the baseline; median ns per call of each. */
async function compare(ours: Call, theirs: Call, size: number): Promise<[number, number]> {
  const a: number[] = [];
  const b: number[] = [];
  let i = 0;
  for (let batch = 0; batch < BATCHES; batch++) {
    for (const [call, out] of [
      [ours, a],
      [theirs, b],
    ] as const) {
      const start = process.hrtime.bigint();
      for (let k = 0; k < 100; k++) await call((i + k) % size);
      out.push(Number(process.hrtime.bigint() - start) / 100);
    }
    i = (i + 100) % size;
  }
  return [median(a), median(b)];
}

const ours = (await import(pathToFileURL(resolve('dist/index.js')).href)) as Lib;
const theirs = (await import(pathToFileURL(resolve(baseline, 'index.js')).href)) as Lib;
console.log(`cache hits, this build (dist/) beside ${baseline}: median per call, alternating batches of 100 calls (${BATCHES} each)`);
for (const size of [1, 1_000, 100_000]) {
  const tenants = tenantIds(size);
  const [x, y] = await compare(await appHits(ours, tenants), await appHits(theirs, tenants), size);
  console.log(
    `acquireTokenForClient, ${size.toLocaleString('en-US').padStart(7)} tenants: this build ${ns(x).padStart(9)}   baseline ${ns(y).padStart(9)}   ratio ${(x / y).toFixed(2)}`,
  );
}
for (const size of [1, 1_000, 10_000]) {
  const serialized = await buildCache(size);
  const [x, y] = await compare(await silentHits(ours, serialized, size), await silentHits(theirs, serialized, size), size);
  console.log(
    `acquireTokenSilent,    ${size.toLocaleString('en-US').padStart(7)} users:   this build ${ns(x).padStart(9)}   baseline ${ns(y).padStart(9)}   ratio ${(x / y).toFixed(2)}`,
  );
}
