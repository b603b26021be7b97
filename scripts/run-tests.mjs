// Runs the test suite on node:test. Node 20's --test does not expand globs, so the files are listed here.
// Usage: node scripts/run-tests.mjs [--fast] [path-filter ...]
//   --fast  skips test/interop and test/e2e (the suites that need Python, browsers or other system services).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

const args = process.argv.slice(2);
const fast = args.includes('--fast');
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

const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: process.env },
);
process.exit(r.status ?? 1);
