// npm run bench: every benchmark scenario, one after another; `npm run bench -- memory` (or any scenario's name, with
// its options after it) runs that one alone. Numbers go to BENCHMARKS.md by hand, with the machine.
import { spawnSync } from 'node:child_process';

const all = ['import-time', 'cache-lookup', 'client-credentials', 'silent', 'managed-identity', 'persisted', 'distributed', 'cli', 'memory'];
const [first, ...rest] = process.argv.slice(2);
const only = first !== undefined && all.includes(first);
const scenarios = only ? [first] : all;
const args = only ? rest : process.argv.slice(2);
for (const name of scenarios) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
