// Bench: how long importing the package takes in a fresh process (a CLI pays this on every run), msal-ts's built
// bundle (dist/, run `npm run build` first) beside @azure/msal-node (ESM and CJS). Median of 15 fresh processes each.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { median } from './util.js';

if (!existsSync('dist/index.js')) {
  console.error('bench/import-time: dist/ is missing; run npm run build first');
  process.exit(1);
}

const probes: Array<[string, string]> = [
  ['msal-ts (ESM bundle)', "const t=performance.now(); await import('msal-ts'); console.log(performance.now()-t)"],
  ['@azure/msal-node (ESM)', "const t=performance.now(); await import('@azure/msal-node'); console.log(performance.now()-t)"],
  [
    '@azure/msal-node (CJS)',
    "import { createRequire } from 'node:module'; const r=createRequire(process.cwd()+'/x.js'); const t=performance.now(); r('@azure/msal-node'); console.log(performance.now()-t)",
  ],
];

console.log('import time in a fresh process (median of 15)');
for (const [name, code] of probes) {
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    times.push(Number(out.trim()));
  }
  console.log(`${name.padEnd(26)} ${median(times).toFixed(1)} ms`);
}
