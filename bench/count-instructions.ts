// Bench: CPU instructions per cache hit of this build's dist/ beside another build's, counted by valgrind (cachegrind,
// no cache simulation) instead of timed, so that the figure does not depend on what else the machine is running.
// The scenarios of bench/compare-builds.ts, run by the same plain JavaScript worker (bench/fixtures/hits-worker.mjs).
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
import { HITS_WORKER, hitsJob, twoBuilds, withUserCaches, type HitsJob, type Scenario } from './fixtures/hits-job.js';
import { countInstructions, flagReader, median } from './util.js';

const { flag, sizes } = flagReader(process.argv.slice(2));
const { dist, baseline } = twoBuilds(flag, 'bench/count-instructions');
const CALLS = Number(flag('--calls') ?? 300_000);
const RUNS = Number(flag('--runs') ?? 1);

/** Instructions the whole worker process executed (valgrind's "I refs"). */
function instructions(job: HitsJob): number {
  return countInstructions('bench/count-instructions', ['--single-threaded', HITS_WORKER, JSON.stringify(job)]).instructions;
}

/** Instructions per hit of one build, median over the runs. */
function perHit(build: string, scenario: Scenario, size: number, cacheFile: string | undefined): number {
  const counts: number[] = [];
  const job = hitsJob(build, scenario, size, cacheFile);
  for (let run = 0; run < RUNS; run++) {
    counts.push((instructions({ ...job, calls: CALLS }) - instructions({ ...job, calls: 0 })) / CALLS);
  }
  return median(counts);
}

function report(label: string, scenario: Scenario, size: number, cacheFile?: string): void {
  const ours = perHit(dist, scenario, size, cacheFile);
  const theirs = perHit(baseline, scenario, size, cacheFile);
  console.log(`${label}: this ${ours.toFixed(0)} instructions per hit, baseline ${theirs.toFixed(0)}; this/baseline ${(ours / theirs).toFixed(3)}`);
}

console.log(`instructions per cache hit, ${dist} (this) beside ${baseline} (baseline): ${CALLS} hits counted, ${RUNS} run(s) each`);
for (const size of sizes('--client', [1, 1_000])) {
  report(`acquireTokenForClient, ${size.toLocaleString('en-US')} tenant${size === 1 ? '' : 's'}`, 'client', size);
}
await withUserCaches(sizes('--silent', [1, 1_000]), (size, cacheFile) => {
  report(`acquireTokenSilent, ${size.toLocaleString('en-US')} user${size === 1 ? '' : 's'}`, 'silent', size, cacheFile);
});
