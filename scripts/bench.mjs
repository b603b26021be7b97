// npm run bench: every benchmark scenario, one after another. Numbers go to BENCHMARKS.md by hand, with the machine.
import { spawnSync } from 'node:child_process';

const scenarios = ['bench/import-time.ts', 'bench/cache-lookup.ts', 'bench/client-credentials.ts', 'bench/silent.ts', 'bench/managed-identity.ts', 'bench/persisted.ts', 'bench/distributed.ts', 'bench/distributed-load.ts', 'bench/cli.ts'].filter((file) => process.argv[2] === undefined || process.argv[2].startsWith('-') || file.includes(process.argv[2]));
for (const file of scenarios) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
