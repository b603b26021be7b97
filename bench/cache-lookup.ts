// Bench: TokenCache.findAccessToken hits in ONE cache holding 1, 1,000 and 100,000 tenants' app tokens.
// The cost of a hit must not grow with the cache: it is a partition-key map access plus the tenant's few tokens.
// Each tenant holds two tokens: one for Graph's .default (looked up with the exact scope) and one for two scopes of
// another API (looked up with one of them: the subset path, which scans the tenant's partition only).
// Run: node --import tsx bench/cache-lookup.ts [--sizes 1,1000,100000] [--budget-ms 15000]
import os from 'node:os';
import { TokenCache, type AccessTokenQuery } from '../src/cache/index.js';
import { median, ns, parseArgs, tenantIds } from './util.js';

const CLIENT_ID = '00001111-aaaa-2222-bbbb-3333cccc4444';
const ENVIRONMENT = 'login.microsoftonline.com';
const GRAPH = ['https://graph.microsoft.com/.default'];
const API = ['api://backend/read', 'api://backend/write'];
const NOW = 1_800_000_000;
const { sizes, budgetMs } = parseArgs(process.argv.slice(2), [1, 1_000, 100_000]);

function fill(tenants: readonly string[]): TokenCache {
  const cache = new TokenCache({ clock: { now: () => NOW } });
  for (const tenant of tenants) {
    for (const scopes of [GRAPH, API]) {
      cache.add(
        {
          clientId: CLIENT_ID,
          scopes,
          environment: ENVIRONMENT,
          realm: tenant,
          grantType: 'client_credentials',
          response: { access_token: `at-${tenant}-${scopes.length}`, token_type: 'Bearer', expires_in: 86_400 },
        },
        NOW,
      );
    }
  }
  return cache;
}

/** A deterministic shuffle, so lookups do not walk memory in insertion order. */
function shuffled<T>(values: readonly T[]): T[] {
  const out = [...values];
  let seed = 42;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const ENVIRONMENTS = [ENVIRONMENT, 'login.windows.net'];

/** The query the app layer builds for each call: fresh object, the tenant's realm string, shared arrays. */
function query(realm: string, scopes: readonly string[]): AccessTokenQuery {
  return { clientId: CLIENT_ID, environments: ENVIRONMENTS, realm, homeAccountId: undefined, scopes };
}

/**
 * Median ns per hit over batches of 1,000 lookups cycling through every tenant in a shuffled order (so memory is as
 * cold as a daemon serving all its tenants makes it). The secret is read, as a caller would.
 */
function measure(cache: TokenCache, realms: readonly string[], scopes: readonly string[], budget: number): { median: number; calls: number } {
  const batch = 1_000;
  const samples: number[] = [];
  let sink = 0;
  for (const realm of realms) if (cache.findAccessToken(query(realm, scopes), NOW) === undefined) throw new Error('bench: expected a hit');
  const deadline = performance.now() + budget;
  let i = 0;
  while (samples.length < 1_000 && performance.now() < deadline) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) {
      sink += cache.findAccessToken(query(realms[i++ % realms.length] ?? '', scopes), NOW)?.entry.secret.length ?? 0;
    }
    samples.push(Number(process.hrtime.bigint() - start) / batch);
  }
  if (sink === 0) throw new Error('bench: no hits');
  return { median: median(samples), calls: samples.length * batch };
}

console.log(`findAccessToken hits, one cache; Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}`);
console.log('tenants  | entries  | fill      | exact-scope hit | subset-scope hit');
for (const size of sizes) {
  const tenants = tenantIds(size);
  const started = performance.now();
  const cache = fill(tenants);
  const fillMs = performance.now() - started;
  const order = shuffled(tenants);
  const exact = measure(cache, order, GRAPH, budgetMs / 2);
  const subset = measure(cache, order, ['api://backend/read'], budgetMs / 2);
  console.log(
    `${String(size).padEnd(8)} | ${String(size * 2).padEnd(8)} | ${`${fillMs.toFixed(0)} ms`.padEnd(9)} | ` +
      `${ns(exact.median).padEnd(15)} | ${ns(subset.median)}`,
  );
}
