// Bench: CPU instructions per cache hit of this build's dist/ beside another build's, counted by valgrind (cachegrind,
// no cache simulation) instead of timed, so that the figure does not depend on what else the machine is running.
// The scenarios of bench/compare-builds.ts, run by a plain JavaScript worker (bench/fixtures/count-hits-worker.mjs).
// Each build and size runs twice, with and without N extra hits after the warm-up; the difference over N is the
// instructions one hit executes (with its share of garbage collection and compilation). The processes run with
// --single-threaded (V8 compiles and collects on the main thread, so when its optimized code arrives does not depend on
// thread scheduling) and a fixed random seed (bench/util.ts): two counts of one build then agree within a few
// instructions per hit, where they moved by hundreds before. Instructions are not time (cache misses and branch
// mispredictions are not counted, and those dominate at 100,000 tenants), but at the sizes whose data fits in the CPU
// caches they are what a hit costs. Needs valgrind (Linux) and npm run build first; each process runs about 20 to 50
// times slower than natively.
// Run: node --import tsx bench/count-instructions.ts --baseline-dist DIR [--dist DIR] [--calls 300000] [--runs 1]
//      [--client 1,1000] [--silent 1,1000]   (a size list of `none` skips that scenario)
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUTHORITY, buildCache, CLIENT_ID, SCOPES, uidOf } from './fixtures/user-cache.js';
import { countInstructions, flagReader, median } from './util.js';

const { flag, sizes } = flagReader(process.argv.slice(2));
const baseline = flag('--baseline-dist');
const dist = resolve(flag('--dist') ?? 'dist');
const CALLS = Number(flag('--calls') ?? 300_000);
const RUNS = Number(flag('--runs') ?? 1);
if (baseline === undefined || !existsSync(join(baseline, 'index.js')) || !existsSync(join(dist, 'index.js'))) {
  console.error('bench/count-instructions: needs dist/ (npm run build, or --dist DIR) and --baseline-dist DIR holding another build');
  process.exit(1);
}
const WORKER = fileURLToPath(new URL('./fixtures/count-hits-worker.mjs', import.meta.url));

type Scenario = 'client' | 'silent';

/** Instructions the whole worker process executed (valgrind's "I refs"). */
function instructions(job: object): number {
  return countInstructions('bench/count-instructions', ['--single-threaded', WORKER, JSON.stringify(job)]).instructions;
}

/** Instructions per hit of one build, median over the runs. */
function perHit(build: string, scenario: Scenario, size: number, cacheFile: string | undefined): number {
  const counts: number[] = [];
  const users =
    scenario === 'silent' ? { authority: AUTHORITY, clientId: CLIENT_ID, scopes: SCOPES, uids: Array.from({ length: size }, (_, i) => uidOf(i)) } : {};
  for (let run = 0; run < RUNS; run++) {
    const job = { dist: build, scenario, size, cacheFile, ...users };
    counts.push((instructions({ ...job, calls: CALLS }) - instructions({ ...job, calls: 0 })) / CALLS);
  }
  return median(counts);
}

function report(label: string, scenario: Scenario, size: number, cacheFile?: string): void {
  const ours = perHit(dist, scenario, size, cacheFile);
  const theirs = perHit(resolve(baseline ?? ''), scenario, size, cacheFile);
  console.log(`${label}: this ${ours.toFixed(0)} instructions per hit, baseline ${theirs.toFixed(0)}; this/baseline ${(ours / theirs).toFixed(3)}`);
}

console.log(`instructions per cache hit, ${dist} (this) beside ${resolve(baseline)} (baseline): ${CALLS} hits counted, ${RUNS} run(s) each`);
for (const size of sizes('--client', [1, 1_000])) {
  report(`acquireTokenForClient, ${size.toLocaleString('en-US')} tenant${size === 1 ? '' : 's'}`, 'client', size);
}
const silentSizes = sizes('--silent', [1, 1_000]);
if (silentSizes.length > 0) {
  const dir = mkdtempSync(join(tmpdir(), 'msal-ts-count-'));
  try {
    for (const size of silentSizes) {
      const cacheFile = join(dir, `users-${size}.json`);
      writeFileSync(cacheFile, await buildCache(size));
      report(`acquireTokenSilent, ${size.toLocaleString('en-US')} user${size === 1 ? '' : 's'}`, 'silent', size, cacheFile);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
