// Runs the test suite on node:test. Node 20's --test does not expand globs, so the files are listed here.
// Usage: node scripts/run-tests.mjs [--fast] [--long] [path-filter ...]
//   --fast  skips test/interop and test/e2e (the suites that need Python, browsers or other system services).
//   --long  gives the fuzz targets of test/fuzz their long budget (at least 1,000,000 inputs in total).
// When fuzz targets ran, prints how many inputs each file generated and how many properties failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';

const args = process.argv.slice(2);
const fast = args.includes('--fast');
const long = args.includes('--long');
// Filters are written with '/' (as in the README); on Windows the listed paths use '\\'.
const filters = args.filter((a) => !a.startsWith('--')).map((a) => a.replaceAll('/', sep));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let files = walk('test');
if (fast) files = files.filter((f) => !f.startsWith(join('test', 'interop')) && !f.startsWith(join('test', 'e2e')));
if (filters.length > 0) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

// Each fuzz file appends one JSON line per target here (test/fuzz/budget.ts).
const reportDir = mkdtempSync(join(tmpdir(), 'msal-ts-fuzz-'));
const report = join(reportDir, 'report.jsonl');
const env = { ...process.env, FUZZ_REPORT: report };
if (long) env.FUZZ_LONG = '1';

const started = Date.now();
// A test still running after 10 minutes (the slowest takes under 30 s) fails by name, where a hang would otherwise hold
// the run until CI's hard limit kills it without a word. Not for --long, whose fuzz targets run as long as they need.
const timeout = long ? [] : ['--test-timeout=600000'];
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...timeout, '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env,
});
const seconds = Math.round((Date.now() - started) / 1000);

let lines = [];
try {
  lines = readFileSync(report, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
} catch {
  // No fuzz target ran.
}
rmSync(reportDir, { recursive: true, force: true });
if (lines.length > 0) {
  const perFile = new Map();
  let total = 0;
  let failed = 0;
  for (const { file, inputs, failed: f } of lines) {
    perFile.set(file, (perFile.get(file) ?? 0) + inputs);
    total += inputs;
    if (f) failed++;
  }
  console.log(`\nfuzz (${long ? 'long' : process.env.npm_lifecycle_event === 'fuzz' ? 'fuzz' : 'ci'} budget): generated inputs per file`);
  for (const [file, n] of [...perFile].sort()) console.log(`  ${String(n).padStart(9)}  ${file}`);
  console.log(
    `  ${String(total).padStart(9)}  total, ${lines.length} targets, ${failed} failed properties, test run ${r.status === 0 ? 'passed' : 'FAILED'}, ${seconds} s`,
  );
}
process.exit(r.status ?? 1);
