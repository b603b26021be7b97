// Bench: cache hits of this build's dist/ beside another build's (for example main's), each measurement in a fresh
// process that loads one build only: acquireTokenForClient with a per-call tenant over 1 / 1,000 / 100,000 app tokens
// (as bench/client-credentials.ts) and acquireTokenSilent over 1 / 1,000 / 10,000 users (as bench/silent.ts, on the
// same msal-node-written cache).
//
// Why processes, and why a control: with both builds in one process, the one loaded second was faster at large sizes
// (1.25x at 100,000 tenants, the same build against itself), so the ratio said where a build ran, not what it was.
// Here each round runs three processes one after the other: this build, the baseline, and the baseline again (the
// control); the order rotates every round, so each variant takes each place equally often, and a busy moment on a
// shared machine falls on whichever runs then. The ratios are per round (neighbouring processes), then their median:
// the control's ratio is what "no difference" reads as on this machine today.
//
// Each process: every tenant or user served once, then `--batches` batches of 100 calls; median ns per call (wall),
// and CPU ns per call (user + system of the process over all batches). Needs npm run build first.
// Each process is bench/fixtures/hits-worker.mjs, run by plain node.
// Run: node --import tsx bench/compare-builds.ts --baseline-dist DIR [--dist DIR] [--rounds 9] [--batches 200]
//      [--client 1,1000,100000] [--silent 1,1000,10000]   (a size list of `none` skips that scenario)
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { HITS_WORKER, hitsJob, twoBuilds, withUserCaches, type HitsJob, type HitsResult, type Scenario } from './fixtures/hits-job.js';
import { flagReader, median, ns } from './util.js';

const { flag, sizes } = flagReader(process.argv.slice(2));
const { dist, baseline } = twoBuilds(flag, 'bench/compare-builds');
const ROUNDS = Number(flag('--rounds') ?? 9);
const BATCHES = Number(flag('--batches') ?? 200);

function run(job: HitsJob): HitsResult {
  const r = spawnSync(process.execPath, [HITS_WORKER, JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`bench/compare-builds: a worker failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as HitsResult;
}

const VARIANTS = ['this', 'baseline', 'control'] as const;
type Variant = (typeof VARIANTS)[number];

interface Comparison {
  /** Median over the rounds of each variant's per-process median. */
  readonly wall: Record<Variant, number>;
  /** Per-round ratios of wall time: this / baseline, control / baseline. */
  readonly ratios: { readonly build: number[]; readonly control: number[] };
  readonly cpuRatios: { readonly build: number[]; readonly control: number[] };
  readonly load: [number, number];
}

function compare(scenario: Scenario, size: number, cacheFile: string | undefined): Comparison {
  const walls: Record<Variant, number[]> = { this: [], baseline: [], control: [] };
  const ratios = { build: [] as number[], control: [] as number[] };
  const cpuRatios = { build: [] as number[], control: [] as number[] };
  const loadBefore = loadavg()[0] ?? NaN;
  for (let round = 0; round < ROUNDS; round++) {
    const got = {} as Record<Variant, HitsResult>;
    for (let k = 0; k < VARIANTS.length; k++) {
      const variant = VARIANTS[(round + k) % VARIANTS.length] ?? 'this';
      got[variant] = run({ ...hitsJob(variant === 'this' ? dist : baseline, scenario, size, cacheFile), batches: BATCHES });
      walls[variant].push(got[variant].wall);
    }
    ratios.build.push(got.this.wall / got.baseline.wall);
    ratios.control.push(got.control.wall / got.baseline.wall);
    cpuRatios.build.push(got.this.cpu / got.baseline.cpu);
    cpuRatios.control.push(got.control.cpu / got.baseline.cpu);
  }
  return {
    wall: { this: median(walls.this), baseline: median(walls.baseline), control: median(walls.control) },
    ratios,
    cpuRatios,
    load: [loadBefore, loadavg()[0] ?? NaN],
  };
}

const spread = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${median(sorted).toFixed(2)} (${(sorted[0] ?? NaN).toFixed(2)}-${(sorted.at(-1) ?? NaN).toFixed(2)})`;
};

function report(label: string, c: Comparison): void {
  console.log(
    `${label}: this ${ns(c.wall.this)}, baseline ${ns(c.wall.baseline)}, control ${ns(c.wall.control)}; ` +
      `wall this/baseline ${spread(c.ratios.build)}, control/baseline ${spread(c.ratios.control)}; ` +
      `CPU this/baseline ${spread(c.cpuRatios.build)}, control/baseline ${spread(c.cpuRatios.control)}; ` +
      `load ${c.load[0].toFixed(2)} -> ${c.load[1].toFixed(2)}`,
  );
}

console.log(
  `cache hits, ${dist} (this) beside ${baseline} (baseline, and again as the control): one process per measurement, ` +
    `${ROUNDS} rounds in rotating order, ${BATCHES} batches of 100 calls per process; ratios are medians of per-round ratios (min-max)`,
);
for (const size of sizes('--client', [1, 1_000, 100_000])) {
  report(`acquireTokenForClient, ${size.toLocaleString('en-US')} tenant${size === 1 ? '' : 's'}`, compare('client', size, undefined));
}
await withUserCaches(sizes('--silent', [1, 1_000, 10_000]), (size, cacheFile) => {
  report(`acquireTokenSilent, ${size.toLocaleString('en-US')} user${size === 1 ? '' : 's'}`, compare('silent', size, cacheFile));
});
