// npm run bench: every benchmark scenario, one after another; `npm run bench -- memory` (or any scenario's name, with
// its options after it) runs that one alone. Numbers go to BENCHMARKS.md by hand, with the machine.
import { spawnSync } from 'node:child_process';

const all = [
  'import-time',
  'cache-lookup',
  'cache-load',
  'client-credentials',
  'silent',
  'managed-identity',
  'persisted',
  'distributed',
  'distributed-load',
  'cli',
  'memory',
];
const [first, ...rest] = process.argv.slice(2);
// A name selects that scenario and its variants: `distributed` runs distributed and distributed-load.
const only = first !== undefined && !first.startsWith('-');
const scenarios = only ? all.filter((name) => name === first || name.startsWith(`${first}-`)) : all;
if (scenarios.length === 0) {
  console.error(`no benchmark scenario named ${first}; the scenarios: ${all.join(', ')}`);
  process.exit(2);
}
const args = only ? rest : process.argv.slice(2);
for (const name of scenarios) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
