import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
// Small helpers shared by the bench scripts.

/**
 * A line for a start-up bench's output when the environment names extra CA certificates: Node 20 reads and parses
 * that file at every process start (on this project's test machine 417 million of bare `node -e 0`'s 511 million
 * instructions, about 40 ms of its wall time). Every variant pays it, so differences between them do not move, but
 * whole-process figures read much higher than Node's start alone. undefined when it is not set.
 */
export function extraCaNote(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env['NODE_EXTRA_CA_CERTS'];
  if (file === undefined || file === '') return undefined;
  return `note: NODE_EXTRA_CA_CERTS=${file} is set; Node 20 loads it at every start, in every variant (unset it to time Node's start alone)`;
}

/**
 * The order in which round `round` of an interleaved start-up bench runs its `count` variants: a shuffle, the same for
 * the same round in every run of the bench. A process run right after another one can be slower (measured: `msal-ts
 * token --output exec-credential` about 3 ms slower right after `msal-ts token` than right after `node -e 0`), so a
 * fixed order, or one merely reversed every other round, would leave a variant always behind the same neighbours.
 */
export function roundOrder(count: number, round: number): number[] {
  const order = Array.from({ length: count }, (_, k) => k);
  let seed = (round + 1) * 0x9e3779b1;
  const next = (): number => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return (seed >>> 0) / 2 ** 32;
  };
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** Nanoseconds, human-readable. */
export function ns(value: number): string {
  if (value < 1_000) return `${value.toFixed(0)} ns`;
  if (value < 1_000_000) return `${(value / 1_000).toFixed(2)} µs`;
  return `${(value / 1_000_000).toFixed(2)} ms`;
}

/** Deterministic GUID-shaped tenant ids. */
export function tenantIds(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const h = i.toString(16).padStart(12, '0');
    out.push(`7e4a0000-0000-4000-8000-${h}`);
  }
  return out;
}

/** `--sizes 1,1000` and `--budget-ms N`. */
export function parseArgs(argv: readonly string[], defaultSizes: number[]): { sizes: number[]; budgetMs: number } {
  let sizes = defaultSizes;
  let budgetMs = 15_000;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sizes') sizes = (argv[++i] ?? '').split(',').map(Number);
    else if (argv[i] === '--budget-ms') budgetMs = Number(argv[++i]);
  }
  return { sizes, budgetMs };
}

/** One measured run: median nanoseconds per call, and how many calls the samples cover. */
export interface Measured {
  median: number;
  calls: number;
}

/**
 * Median nanoseconds per call, over batches of `batch` calls cycling through `count` inputs. Every input is called
 * once first, so first-use work (parsing a tenant's authority, say) is not measured and memory is as cold as a
 * process serving all its inputs makes it. Gives up (undefined) when the warm-up alone overruns `budgetMs`.
 */
export async function measure(call: (i: number) => Promise<unknown>, count: number, batch: number, budgetMs: number): Promise<Measured | undefined> {
  const samples: number[] = [];
  const deadline = performance.now() + budgetMs;
  for (let i = 0; i < count; i++) {
    await call(i);
    if (i % 100 === 0 && performance.now() > deadline) return undefined;
  }
  let i = 0;
  while (samples.length < 500 && performance.now() < deadline) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) await call(i++ % count);
    samples.push(Number(process.hrtime.bigint() - start) / batch);
  }
  return samples.length === 0 ? undefined : { median: median(samples), calls: samples.length * batch };
}

/** `--name value` flags of a bench command line, and `--name 1,1000` size lists (`none`: an empty list). */
export function flagReader(argv: readonly string[]): { flag: (name: string) => string | undefined; sizes: (name: string, fallback: number[]) => number[] } {
  const flag = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const sizes = (name: string, fallback: number[]): number[] => {
    const text = flag(name);
    return text === undefined ? fallback : text === 'none' ? [] : text.split(',').map(Number);
  };
  return { flag, sizes };
}

/**
 * The instructions a whole `node` process executes (valgrind's "I refs": cachegrind without cache simulation), with
 * its stdout. Exits the bench with a message when valgrind is missing; throws when the process fails.
 */
export function countInstructions(
  bench: string,
  nodeArgs: readonly string[],
  node = process.execPath,
  env: NodeJS.ProcessEnv = process.env,
): { instructions: number; stdout: string } {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.error(`${bench}: needs valgrind on the PATH`);
    process.exit(1);
  }
  const args = ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', '--smc-check=all-non-file'];
  // A fixed V8 random seed: otherwise each process draws a random string hash seed, and the search for it alone varies
  // by millions of instructions from one run to the next (measured: 4.2 to 5.7 million at Node's start).
  const r = spawnSync('valgrind', [...args, node, '--random-seed=1', ...nodeArgs], { encoding: 'utf8', maxBuffer: 1 << 24, env });
  const refs = /I\s+refs:\s+([\d,]+)/.exec(r.stderr)?.[1];
  if (r.status !== 0 || refs === undefined) throw new Error(`${bench}: a process failed (${r.status ?? r.signal}):\n${r.stderr.slice(-2000)}`);
  return { instructions: Number(refs.replaceAll(',', '')), stdout: r.stdout };
}

/**
 * Why the build in `dist` would not load as the package loads it, or undefined. Its .js files are ES modules only under
 * a package.json of `"type": "module"`: a copy of dist/ put elsewhere (under /tmp, say) without one still runs, but Node
 * then reads each file as CommonJS first, fails, and parses it again as an ES module, which costs about 11 million
 * instructions at start (measured on Node 20.20.2) and would be counted as the build's.
 */
export function moduleScopeProblem(dist: string): string | undefined {
  for (let dir = resolve(dist); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const type = (JSON.parse(readFileSync(file, 'utf8')) as { type?: unknown }).type;
      return type === 'module' ? undefined : `${file} does not say "type": "module", so ${dist}'s .js files would load as CommonJS first`;
    }
    if (dirname(dir) === dir) return `no package.json above ${dist}: its .js files would load as CommonJS first (build it in a checkout or a git worktree)`;
  }
}
