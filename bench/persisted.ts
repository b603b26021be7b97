// Bench: the persisted token cache (msal-ts/extensions) beside @azure/msal-node with @azure/msal-node-extensions'
// PersistenceCachePlugin(FilePersistence), in three scenarios:
//   1. cache hits over a persisted file of 1,000 app tokens (per-call tenant), against the same on an in-memory cache;
//   2. cold start: a fresh `node` process that imports the built package, opens a persisted cache of 100 app tokens
//      and gets a token from it, timed as the whole process (median of N runs);
//   3. 4 writer processes writing new tokens into one persisted file under the cross-process lock: throughput, and
//      the tokens missing from the final file.
// The peers are installed on demand outside the repository (bench/fixtures/peers.ts); when they cannot be, the bench
// says why and runs msal-ts alone.
// Run: npm run bench (or node --import tsx bench/persisted.ts [--budget-ms 5000] [--runs 21] [--writes 50] [--rounds 3]
// [--no-peers] [--only 1,2,3] [--faults] [--node PATH]). --faults loads bench/fixtures/fault-probe.cjs into every
// cold-start process (2) and prints each variant's page faults beside its time: on a virtual machine each fault costs
// microseconds. --node runs every cold-start process on another Node binary (22, 24 or 26, say; NODE_COMPILE_CACHE in
// the environment reaches them all). --library-code-cache adds an experiment to the cold start (2): the library as one
// CommonJS file compiled through a code cache of its own, as the `msal-ts` command runs its program (issue 17: what
// keeping the library's compiled code between runs would give; bench/fixtures/library-bundle.ts; not how the package
// loads).
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { FilePersistence } from '../src/extensions/index.js';
import { preparePeers, type Peers } from './fixtures/peers.js';
import { buildLibraryBundle } from './fixtures/library-bundle.js';
import { hitChild, loadPeers, msalNodeCache, msalTsCache, writerChild, writerTenant, type HitResult, type WriterResult } from './fixtures/persisted-child.js';
import { extraCaNote, median, ns, roundOrder, tenantIds } from './util.js';

const SELF = fileURLToPath(import.meta.url);
const REPO = fileURLToPath(new URL('..', import.meta.url));
const COLD_START = join(REPO, 'bench', 'fixtures', 'persisted-cold-start.cjs');
const HIT_TOKENS = 1_000;
const COLD_TOKENS = 100;
const WRITERS = 4;

interface Args {
  budgetMs: number;
  runs: number;
  writes: number;
  rounds: number;
  peers: boolean;
  /** Scenario numbers to run (1: hits, 2: cold start, 3: writers); all by default. */
  only: Set<string>;
  /** Cold start: count each process's page faults too. */
  faults: boolean;
  /** Cold start: the node binary its processes run on. */
  node: string;
  /** Cold start: add the library run through a code cache of its own (an experiment). */
  libraryCodeCache: boolean;
}

function parse(argv: readonly string[]): Args {
  const args: Args = {
    budgetMs: 5_000,
    runs: 21,
    writes: 50,
    rounds: 3,
    peers: true,
    only: new Set(['1', '2', '3']),
    faults: false,
    node: process.execPath,
    libraryCodeCache: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const next = (): number => Number(argv[++i]);
    if (argv[i] === '--budget-ms') args.budgetMs = Math.min(next(), 15_000);
    else if (argv[i] === '--runs') args.runs = next();
    else if (argv[i] === '--writes') args.writes = next();
    else if (argv[i] === '--rounds') args.rounds = next();
    else if (argv[i] === '--no-peers') args.peers = false;
    else if (argv[i] === '--only') args.only = new Set((argv[++i] ?? '').split(','));
    else if (argv[i] === '--faults') args.faults = true;
    else if (argv[i] === '--node') args.node = argv[++i] ?? process.execPath;
    else if (argv[i] === '--library-code-cache') args.libraryCodeCache = true;
  }
  return args;
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** Runs `--child <spec>` of this file in a fresh process and returns its last stdout line, parsed. */
async function child<T>(spec: object): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', SELF, '--child', JSON.stringify(spec)], {
    cwd: REPO,
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as T;
}

function ensureDist(): void {
  const missing = (): boolean => !existsSync(join(REPO, 'dist', 'index.js')) || !existsSync(join(REPO, 'dist', 'extensions.js'));
  if (!missing()) return;
  console.log('dist/ is missing: npm run build');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'inherit' });
  if (missing()) throw new Error(`npm run build did not produce dist/index.js and dist/extensions.js (exit ${r.status ?? r.signal})`);
}

async function hits(args: Args, dir: string, peers: Peers | undefined): Promise<string[]> {
  console.log(`\n1. acquireTokenForClient cache hit, ${HIT_TOKENS.toLocaleString('en')} app tokens (one per tenant), per-call tenant, median per call`);
  const run = (variant: string): Promise<HitResult> =>
    child<HitResult>({ mode: 'hit', variant, file: join(dir, `${variant}.json`), size: HIT_TOKENS, budget: args.budgetMs, peersDir: peers?.dir ?? '' });
  const memory = await run('msal-ts-memory');
  const persisted = await run('msal-ts-persisted');
  const rows: Array<[string, HitResult]> = [
    ['msal-ts, in-memory SerializableTokenCache', memory],
    ['msal-ts, PersistedTokenCache(FilePersistence)', persisted],
  ];
  if (peers !== undefined) {
    rows.push(['msal-node, in-memory', await run('msal-node-memory')]);
    rows.push(['msal-node, PersistenceCachePlugin(FilePersistence)', await run('msal-node-persisted')]);
  }
  for (const [name, r] of rows) {
    console.log(`${name.padEnd(52)} ${ns(r.median).padStart(11)}   (${r.calls} timed calls, file loads while timed: ${r.loadsWhileTimed})`);
  }
  const statNs = persisted.statNs ?? NaN;
  const bound = 2 * (memory.median + statNs);
  console.log(`one bigint statSync of the cache file: ${ns(statNs)}; stamp() calls per hit: ${(persisted.stampsPerCall ?? NaN).toFixed(2)}`);
  const met = persisted.median <= bound;
  const theirs = rows[3]?.[1];
  return [
    `1. persisted hit ${ns(persisted.median)} vs 2 x (in-memory ${ns(memory.median)} + stat ${ns(statNs)}) = ${ns(bound)}: ` +
      `${met ? 'MET' : 'MISSED'}` +
      (theirs === undefined ? '' : `; msal-node + extensions ${ns(theirs.median)} (${(theirs.median / persisted.median).toFixed(0)}x ours)`),
  ];
}

async function coldStart(args: Args, dir: string, peers: Peers | undefined): Promise<string[]> {
  console.log(
    `\n2. cold start: fresh node process, import, open a persisted cache of ${COLD_TOKENS} app tokens, one token from it; whole-process wall time, median of ${args.runs}; node ${spawnSync(args.node, ['--version'], { encoding: 'utf8' }).stdout.trim()}`,
  );
  const tenants = tenantIds(COLD_TOKENS);
  const tenant = tenants[tenants.length - 1] ?? '';
  const variants: Array<{ name: string; spec: object }> = [
    { name: 'node, no library (baseline)', spec: { library: 'none' } },
    // What every token variant does last, without a library: Node's stdout stream on a pipe is not the library's cost.
    { name: 'node, printing the line, no library', spec: { library: 'print', tenant } },
  ];
  const tsFile = join(dir, 'cold-msal-ts.json');
  await new FilePersistence(tsFile).save(msalTsCache(tenants).serialize());
  variants.push({
    name: 'msal-ts (dist/ ESM bundles)',
    spec: {
      library: 'msal-ts',
      entry: pathToFileURL(join(REPO, 'dist', 'index.js')).href,
      extensions: pathToFileURL(join(REPO, 'dist', 'extensions.js')).href,
      file: tsFile,
      tenant,
    },
  });
  // A CommonJS application's require() (Node >= 20.19): the ES modules load synchronously, without the thread pool that
  // import() starts to read them.
  variants.push({
    name: 'msal-ts, require()',
    spec: { library: 'msal-ts-require', entry: join(REPO, 'dist', 'index.js'), extensions: join(REPO, 'dist', 'extensions.js'), file: tsFile, tenant },
  });
  if (peers !== undefined) {
    const nodeFile = join(dir, 'cold-msal-node.json');
    variants.push(
      {
        name: 'msal-node + extensions, CJS',
        spec: { library: 'msal-node-cjs', entry: peers.msalNodeCjs, extensions: peers.extensionsCjs, file: nodeFile, tenant },
      },
      {
        name: 'msal-node + extensions, ESM',
        spec: { library: 'msal-node-esm', entry: peers.msalNodeEsm, extensions: peers.extensionsEsm, file: nodeFile, tenant },
      },
    );
  }
  const experiment = args.libraryCodeCache ? await codeCacheExperiment(args, dir, tsFile, tenant) : undefined;
  const experimentIndex = experiment === undefined ? undefined : variants.push(experiment) - 1;
  const times = variants.map(() => [] as number[]);
  const faults = variants.map(() => [] as number[]);
  const probe = args.faults ? ['-r', join(REPO, 'bench', 'fixtures', 'fault-probe.cjs')] : [];
  // Interleaved, so that a noisy moment on the VM is shared by every variant, in a shuffled order each run (roundOrder).
  for (let run = 0; run < args.runs; run++) {
    roundOrder(variants.length, run).forEach((k) => {
      const v = variants[k];
      if (v === undefined) return;
      const start = process.hrtime.bigint();
      const r = spawnSync(args.node, [...probe, COLD_START, JSON.stringify(v.spec)], { encoding: 'utf8', timeout: 60_000 });
      times[k]?.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (r.status !== 0) throw new Error(`cold start ${v.name} failed: ${r.stderr}`);
      const counted = /msal-ts-bench-faults (\d+)/.exec(r.stderr)?.[1];
      if (args.faults && counted === undefined) throw new Error(`cold start ${v.name}: the fault probe reported nothing`);
      if (counted !== undefined) faults[k]?.push(Number(counted));
      if (v.name.startsWith('node,')) return;
      const out = JSON.parse(r.stdout.trim()) as { fromCache: boolean; codeCacheUsed?: boolean };
      if (!out.fromCache) throw new Error(`cold start ${v.name}: the token did not come from the persisted cache`);
      if (k === experimentIndex && out.codeCacheUsed !== true) throw new Error(`cold start ${v.name}: V8 did not take the code cache`);
    });
  }
  const medians = times.map((t) => median(t));
  variants.forEach((v, k) => {
    const t = times[k] ?? [];
    const f = args.faults ? `, ${median(faults[k] ?? [])} page faults` : '';
    console.log(`${v.name.padEnd(32)} ${ms(medians[k] ?? NaN).padStart(9)}   (min ${ms(Math.min(...t))}, max ${ms(Math.max(...t))})${f}`);
  });
  const ours = medians[2] ?? NaN;
  const required = medians[3] ?? NaN;
  const fastestPeer = peers === undefined ? undefined : Math.min(medians[4] ?? NaN, medians[5] ?? NaN);
  const base = medians[0] ?? NaN;
  console.log(
    `above the bare node baseline: msal-ts +${ms(ours - base)} (+${ms(ours - (medians[1] ?? NaN))} above the printing one)` +
      `, by require() +${ms(required - base)} (+${ms(required - (medians[1] ?? NaN))})` +
      (fastestPeer === undefined ? '' : `, msal-node + extensions (fastest) +${ms(fastestPeer - base)}`),
  );
  if (experimentIndex !== undefined) {
    const own = medians[experimentIndex] ?? NaN;
    console.log(`experiment, the library through a code cache of its own: +${ms(own - base)} (+${ms(own - (medians[1] ?? NaN))} above the printing one)`);
  }
  return [
    `2. cold start ${ms(ours)}: under 100 ms ${ours < 100 ? 'MET' : 'MISSED'}` +
      (fastestPeer === undefined
        ? '; no msal-node to compare'
        : `; faster than msal-node's fastest (${ms(fastestPeer)}): ${ours < fastestPeer ? 'MET' : 'MISSED'}`),
  ];
}

/**
 * The experiment's variant: builds the library bundle and runs the process once, untimed, to write the code cache (as
 * the command's first run does); the timed runs then find it.
 */
async function codeCacheExperiment(args: Args, dir: string, file: string, tenant: string): Promise<{ name: string; spec: object }> {
  const spec = { library: 'msal-ts-code-cache', bundle: await buildLibraryBundle(REPO), codeCache: join(dir, 'library-code-cache.bin'), file, tenant };
  const first = spawnSync(args.node, [COLD_START, JSON.stringify(spec)], { encoding: 'utf8', timeout: 60_000 });
  if (first.status !== 0 || !existsSync(spec.codeCache)) throw new Error(`cold start experiment: the first run wrote no code cache: ${first.stderr}`);
  return { name: 'msal-ts, own code cache (experiment)', spec };
}

/** Counts, in the final file, the tokens each writer wrote (warm-up included). */
function countFinal(file: string, writes: number): { found: number; expected: number; readable: boolean } {
  const expected = WRITERS * (writes + 1);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { found: 0, expected, readable: false };
  }
  const realms = new Set<string>();
  const tokens = typeof json === 'object' && json !== null && 'AccessToken' in json ? json.AccessToken : undefined;
  if (typeof tokens === 'object' && tokens !== null) {
    for (const entry of Object.values(tokens) as unknown[]) {
      const realm: unknown = typeof entry === 'object' && entry !== null && 'realm' in entry ? entry.realm : undefined;
      if (typeof realm === 'string') realms.add(realm);
    }
  }
  let found = 0;
  for (let w = 0; w < WRITERS; w++) for (let i = 0; i <= writes; i++) if (realms.has(writerTenant(w, i))) found++;
  return { found, expected, readable: true };
}

interface Round {
  results: WriterResult[];
  /** Distinct stderr lines of the writers (msal-node-extensions leaks lock file handles: Node warns). */
  warnings: string[];
}

async function writersOf(library: string, file: string, writes: number, peersDir: string): Promise<Round> {
  const procs = Array.from({ length: WRITERS }, (_, w) => {
    const spec = { mode: 'writer', library, file, writer: w, count: writes, peersDir };
    return spawn(process.execPath, ['--import', 'tsx', SELF, '--child', JSON.stringify(spec)], { cwd: REPO, stdio: 'pipe' });
  });
  const warnings = new Set<string>();
  const outputs = procs.map((p) => {
    let text = '';
    let onReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('ready\n')) onReady();
    });
    let errText = '';
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (chunk: string) => (errText += chunk));
    const done = new Promise<string>((resolve, reject) => {
      p.on('error', reject);
      p.on('close', (code) => {
        for (const line of errText.split('\n'))
          if (line.trim() !== '') warnings.add(line.replace(/^\(node:\d+\) /, '').replace(/descriptor \d+/, 'descriptor N'));
        if (code === 0) resolve(text);
        else reject(new Error(`${library} writer exited with ${code}: ${errText.trim()}`));
      });
    });
    return { ready: Promise.race([ready, done.then(() => undefined)]), done };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const p of procs) p.stdin.end('go\n');
  const texts = await Promise.all(outputs.map((o) => o.done));
  return { results: texts.map((t) => JSON.parse(t.trim().split('\n').pop() ?? '') as WriterResult), warnings: [...warnings] };
}

async function writers(args: Args, dir: string, peers: Peers | undefined): Promise<string[]> {
  console.log(
    `\n3. ${WRITERS} writer processes, ${args.writes} new tokens each (one locked write per token response, lock defaults) into one ` +
      `persisted file; ${args.rounds} rounds per library, alternating`,
  );
  const libraries = peers === undefined ? ['msal-ts'] : ['msal-ts', 'msal-node'];
  const summary = new Map<string, { rates: number[]; lost: number; expected: number; corrupt: number; failed: number; warnings: Set<string> }>();
  for (let round = 1; round <= args.rounds; round++) {
    for (const library of libraries) {
      const file = join(dir, `writers-${library}-${round}`, 'cache.json');
      const { results, warnings } = await writersOf(library, file, args.writes, peers?.dir ?? '');
      const span = Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start));
      const written = results.reduce((a, r) => a + r.written, 0);
      const errors = results.reduce((a, r) => a + r.errors, 0);
      const final = countFinal(file, args.writes);
      const lost = final.expected - final.found;
      const firstError = results.find((r) => r.firstError !== undefined)?.firstError;
      const rate = written / (span / 1000);
      const s = summary.get(library) ?? { rates: [], lost: 0, expected: 0, corrupt: 0, failed: 0, warnings: new Set<string>() };
      s.rates.push(rate);
      s.lost += lost;
      s.expected += final.expected;
      s.corrupt += final.readable ? 0 : 1;
      s.failed += errors;
      for (const w of warnings) s.warnings.add(w);
      summary.set(library, s);
      console.log(
        `round ${round} ${library.padEnd(9)} ${rate.toFixed(0).padStart(5)} writes/s  (${written} writes in ${ms(span)}, ` +
          `${errors} failed calls${firstError === undefined ? '' : ` e.g. "${firstError}"`}; final file: ` +
          (final.readable ? `${final.found} of ${final.expected} tokens, ${lost} lost)` : 'NOT valid JSON: every token lost)'),
      );
    }
  }
  const goals: string[] = [];
  for (const [library, s] of summary) {
    const name = library === 'msal-ts' ? 'msal-ts PersistedTokenCache' : 'msal-node PersistenceCachePlugin';
    for (const w of s.warnings) console.log(`${library} writers' stderr: ${w}`);
    goals.push(
      `3. ${name}: median ${median(s.rates).toFixed(0)} writes/s; ${s.lost} of ${s.expected} tokens lost over ${args.rounds} rounds` +
        `${s.corrupt > 0 ? ` (${s.corrupt} rounds ended with a corrupt file)` : ''}; ${s.failed} failed calls`,
    );
  }
  return goals;
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  console.log('persisted token cache bench');
  const caNote = extraCaNote();
  if (caNote !== undefined) console.log(caNote);
  console.log(
    `node ${process.version}, ${process.platform} ${process.arch}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), ` +
      `1-min load average ${os.loadavg()[0]?.toFixed(2) ?? '?'} at the start`,
  );
  ensureDist();
  const outcome = args.peers ? preparePeers() : { ok: false as const, reason: '--no-peers was given', log: [] };
  for (const line of outcome.log) console.log(line);
  const peers = outcome.ok ? outcome.peers : undefined;
  if (outcome.ok) {
    console.log(
      `peers: @azure/msal-node ${outcome.peers.msalNodeVersion} + @azure/msal-node-extensions ${outcome.peers.extensionsVersion} from ${outcome.peers.dir}`,
    );
  } else {
    console.log(`msal-node + msal-node-extensions NOT run, only msal-ts: ${outcome.reason}`);
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'msal-ts-bench-persisted-'));
  try {
    if (peers !== undefined) {
      // The cold start's msal-node file, in msal-node's own format (it does not serve app tokens msal-ts wrote: see BENCHMARKS.md).
      const { msal } = loadPeers(peers.dir);
      writeFileSync(join(dir, 'cold-msal-node.json'), await msalNodeCache(msal, tenantIds(COLD_TOKENS)), { mode: 0o600 });
    }
    const goals: string[] = [];
    if (args.only.has('1')) goals.push(...(await hits(args, dir, peers)));
    if (args.only.has('2')) goals.push(...(await coldStart(args, dir, peers)));
    if (args.only.has('3')) goals.push(...(await writers(args, dir, peers)));
    console.log(`\ngoals (1-min load average ${os.loadavg()[0]?.toFixed(2) ?? '?'} at the end)`);
    for (const g of goals) console.log(g);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runChild(spec: Record<string, unknown>): Promise<void> {
  const str = (key: string): string => {
    const value = spec[key];
    return typeof value === 'string' ? value : '';
  };
  const num = (key: string): number => Number(spec[key]);
  let out: unknown;
  if (spec.mode === 'hit') out = await hitChild(str('variant'), str('file'), num('size'), num('budget'), str('peersDir'));
  else out = await writerChild(str('library'), str('file'), num('writer'), num('count'), str('peersDir'));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

const at = process.argv.indexOf('--child');
if (at >= 0) await runChild(JSON.parse(process.argv[at + 1] ?? '{}') as Record<string, unknown>);
else await main();
