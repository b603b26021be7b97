// Bench: the cold start of issue 17 counted in CPU instructions instead of timed, so that the figure does not depend
// on what else the machine runs. The process is bench/persisted.ts's (bench/fixtures/persisted-cold-start.cjs): a fresh
// `node` imports dist/index.js and dist/extensions.js, opens a PersistedTokenCache over a file of 100 app tokens and
// gets one (tenant-id authority, no network); beside it the same fixture with no library (Node's own start), and with
// --baseline-dist the same process on another build. Each runs under valgrind (cachegrind, no cache simulation), which
// reports the instructions the whole process executed. Instructions are not time: waits for the disk and the thread
// pool, cache misses and branch mispredictions are not counted. They do show what the library makes the CPU do, and
// a before/after comparison that a loaded machine cannot blur. Slow: each process runs 50 to 100 times slower.
// Beside bare Node, the same process printing the line a token run prints, with no library: Node's stdout stream on a
// pipe is part of every variant's figure but is not msal-ts's. And the same process loading msal-ts by require(),
// as a CommonJS application does (Node >= 20.19), instead of import(). --node runs another Node binary (22 or 24, say);
// NODE_COMPILE_CACHE in the environment reaches every process (give it a directory a run already filled).
// --tokens N puts N app tokens in the file instead of issue 17's 100. --library-code-cache adds the experiment of
// bench/persisted.ts's flag of that name (the library through a code cache of its own; bench/fixtures/library-bundle.ts).
// The baseline must sit in a checkout or worktree (a package.json of "type": "module" above it; the bench checks).
// Run: node --import tsx bench/cold-start-instructions.ts [--baseline-dist DIR] [--runs 3] [--node PATH] [--tokens N]; needs dist/
// and valgrind.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FilePersistence } from '../src/extensions/index.js';
import { buildLibraryBundle } from './fixtures/library-bundle.js';
import { msalTsCache } from './fixtures/persisted-child.js';
import { countInstructions, extraCaNote, flagReader, median, moduleScopeProblem, tenantIds } from './util.js';

const { flag } = flagReader(process.argv.slice(2));
const RUNS = Number(flag('--runs') ?? 3);
const baseline = flag('--baseline-dist');
const NODE = flag('--node') ?? process.execPath;
const TOKENS = Number(flag('--tokens') ?? 100);
const LIBRARY_CODE_CACHE = process.argv.includes('--library-code-cache');
const FIXTURE = resolve('bench/fixtures/persisted-cold-start.cjs');
if (!existsSync('dist/index.js') || (baseline !== undefined && !existsSync(join(baseline, 'index.js')))) {
  console.error('bench/cold-start-instructions: needs dist/ (npm run build) and, when given, --baseline-dist DIR holding another build');
  process.exit(1);
}
const scopeProblem = moduleScopeProblem('dist') ?? (baseline === undefined ? undefined : moduleScopeProblem(baseline));
if (scopeProblem !== undefined) {
  console.error(`bench/cold-start-instructions: ${scopeProblem}`);
  process.exit(1);
}

/** Instructions the whole process executed; checks that a library run served its token from the cache. */
function instructions(spec: object): number {
  const { instructions: count, stdout } = countInstructions('bench/cold-start-instructions', [FIXTURE, JSON.stringify(spec)], NODE);
  if (JSON.stringify(spec).includes('msal-ts') && !stdout.includes('"fromCache":true')) throw new Error('the token did not come from the cache');
  if (JSON.stringify(spec).includes('msal-ts-code-cache') && !stdout.includes('"codeCacheUsed":true')) throw new Error('V8 did not take the code cache');
  return count;
}

const dir = mkdtempSync(join(tmpdir(), 'msal-ts-bench-cold-instructions-'));
try {
  const tenants = tenantIds(TOKENS);
  const file = join(dir, 'cache.json');
  await new FilePersistence(file).save(msalTsCache(tenants).serialize());
  // Written a minute ago: a file written within the last 2 s is hashed on its first read.
  const past = new Date(Date.now() - 60_000);
  utimesSync(file, past, past);
  const spec = (dist: string): object => ({
    library: 'msal-ts',
    entry: pathToFileURL(join(dist, 'index.js')).href,
    extensions: pathToFileURL(join(dist, 'extensions.js')).href,
    file,
    tenant: tenants[tenants.length - 1],
  });
  const variants: Array<[string, object]> = [
    ['node, no library', { library: 'none' }],
    ['node printing the line, no library', { library: 'print', tenant: tenants[tenants.length - 1] }],
    ['this build', spec(resolve('dist'))],
    // A CommonJS application's require() of the same files (Node >= 20.19 loads ES modules synchronously for it).
    [
      'this build, by require()',
      { ...spec(resolve('dist')), library: 'msal-ts-require', entry: resolve('dist/index.js'), extensions: resolve('dist/extensions.js') },
    ],
  ];
  if (baseline !== undefined) variants.push([`baseline ${baseline}`, spec(resolve(baseline))]);
  if (LIBRARY_CODE_CACHE) {
    const experiment = {
      ...spec(resolve('dist')),
      library: 'msal-ts-code-cache',
      bundle: await buildLibraryBundle(resolve('.')),
      codeCache: join(dir, 'code-cache.bin'),
    };
    // The run that writes the code cache, not counted, with the counted runs' V8 flags (V8 refuses code made under others).
    const first = spawnSync(NODE, ['--random-seed=1', FIXTURE, JSON.stringify(experiment)], { encoding: 'utf8' });
    if (first.status !== 0 || !existsSync(experiment.codeCache)) throw new Error(`the experiment's first run wrote no code cache: ${first.stderr}`);
    variants.push(['experiment: own code cache', experiment]);
  }
  const counts = variants.map(() => [] as number[]);
  for (let run = 0; run < RUNS; run++) variants.forEach(([, s], k) => counts[k]?.push(instructions(s)));
  const medians = counts.map((c) => median(c));
  const bare = medians[0] ?? NaN;
  const printing = medians[1] ?? NaN;
  const version = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const caNote = extraCaNote();
  if (caNote !== undefined) console.log(caNote);
  console.log(`cold start in instructions (valgrind), median of ${RUNS}, ${TOKENS} app tokens in the file; node ${version}`);
  variants.forEach(([name], k) => {
    const m = medians[k] ?? NaN;
    const above =
      k === 0 ? '' : `, above node: +${((m - bare) / 1e6).toFixed(1)} M` + (k === 1 ? '' : `, above printing node: +${((m - printing) / 1e6).toFixed(1)} M`);
    console.log(`${name.padEnd(40)} ${(m / 1e6).toFixed(1)} M instructions${above}`);
  });
  if (baseline !== undefined) {
    const ours = (medians[2] ?? NaN) - bare;
    const theirs = (medians[4] ?? NaN) - bare;
    console.log(`this build's share against the baseline's: ${(ours / theirs).toFixed(3)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
