// Bench: loading a serialized cache of N app tokens (`SerializableTokenCache.deserialize`) in a warm process, the code
// already optimized by earlier loads: what a long-running process pays each time a persisted cache changed on disk and
// is read again. Microseconds per token. Each figure comes from a child process of its own (a build's garbage must not
// be collected on another build's time): loads to warm up, then the median of the next (at least 5 and 15, more for
// small caches); three children per build and size,
// the builds in turn, and the median of their three figures. With --baseline-dist DIR, the same for another build's
// dist/. After each load one lookup must find its token, so that a load that skipped work would fail the bench. The
// cold-start benches (persisted.ts, cold-start-instructions.ts) count a fresh process's first load instead.
// Run: node --import tsx bench/cache-load.ts [--tokens 1000,10000,100000] [--baseline-dist DIR]; needs dist/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CLIENT_ID, msalTsCache, SCOPES } from './fixtures/persisted-child.js';
import { flagReader, median, moduleScopeProblem, tenantIds } from './util.js';
import type * as msalTs from '../src/index.js';

/** Loads per child: at least 5 to warm up and 15 counted, more for small caches (each load then takes a millisecond or
 * two, and the code reaches its optimized tiers only after hundreds of thousands of tokens). */
const warmUp = (size: number): number => Math.max(5, Math.ceil(300_000 / size));
const counted = (size: number): number => Math.max(15, Math.ceil(300_000 / size));
const CHILDREN = 3;
const args = process.argv.slice(2);

/** In a child: loads `size` tokens with the build in `dist`, prints the median µs per token. */
async function child(dist: string, size: number): Promise<void> {
  const lib = (await import(pathToFileURL(resolve(dist, 'index.js')).href)) as typeof msalTs;
  const tenants = tenantIds(size);
  const last = tenants[tenants.length - 1] ?? '';
  const text = msalTsCache(tenants).serialize();
  const query = { clientId: CLIENT_ID, environments: ['login.microsoftonline.com'], realm: last, homeAccountId: undefined, scopes: SCOPES };
  const times: number[] = [];
  for (let round = 0; round < warmUp(size) + counted(size); round++) {
    const cache = new lib.SerializableTokenCache();
    const start = performance.now();
    cache.deserialize(text);
    const elapsed = performance.now() - start;
    if (cache.findAccessToken(query, Math.floor(Date.now() / 1000))?.entry.secret !== `at-${last}`)
      throw new Error(`${dist}: the loaded cache does not serve its token`);
    if (round >= warmUp(size)) times.push(elapsed);
  }
  console.log(JSON.stringify({ perTokenUs: (median(times) * 1000) / size, bytes: text.length }));
}

function parent(): void {
  const { flag, sizes } = flagReader(args);
  const baseline = flag('--baseline-dist');
  const dists = baseline === undefined ? ['dist'] : ['dist', baseline];
  for (const dist of dists) {
    const problem = existsSync(join(dist, 'index.js')) ? moduleScopeProblem(dist) : `${dist}/index.js is missing (npm run build)`;
    if (problem !== undefined) {
      console.error(`bench/cache-load: ${problem}`);
      process.exit(1);
    }
  }
  console.log(`cache load, warm, µs per app token (median of ${CHILDREN} processes' medians); node ${process.version}`);
  for (const size of sizes('--tokens', [1_000, 10_000, 100_000])) {
    const figures = dists.map(() => [] as number[]);
    let bytes = 0;
    for (let round = 0; round < CHILDREN; round++) {
      dists.forEach((dist, k) => {
        const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', dist, String(size)], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`bench/cache-load: the child for ${dist} failed: ${r.stderr}`);
        const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { perTokenUs: number; bytes: number };
        figures[k]?.push(out.perTokenUs);
        bytes = out.bytes;
      });
    }
    const perToken = figures.map((f) => median(f));
    const line = dists.map((dist, k) => `${dist} ${(perToken[k] ?? NaN).toFixed(2)} µs`).join(', ');
    const ratio = perToken.length === 2 ? `, this build / baseline ${((perToken[0] ?? NaN) / (perToken[1] ?? NaN)).toFixed(3)}` : '';
    console.log(`${String(size).padStart(7)} tokens (${(bytes / 1e6).toFixed(1)} MB): ${line}${ratio}`);
  }
}

if (args[0] === '--child') await child(args[1] ?? 'dist', Number(args[2]));
else parent();
