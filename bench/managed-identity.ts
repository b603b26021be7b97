// Bench: managed identity cache hits, msal-ts's ManagedIdentityClient beside @azure/msal-node's
// ManagedIdentityApplication, both on the App Service source pointed at the emulator. msal-node detects the source
// once per process from process.env, so each library runs in its own child process started with App Service's
// variables; the first call fetches a token from the emulator, every timed call after it is a cache hit.
// Run: npm run bench (or node --import tsx bench/managed-identity.ts [--budget-ms 5000])
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median, ns, parseArgs } from './util.js';

const RESOURCE = 'https://vault.azure.net';
const SELF = fileURLToPath(import.meta.url);

interface Measured {
  median: number;
  calls: number;
}

/** Median nanoseconds per call over batches of 100 calls, within `budget` ms (at most 500 batches). */
async function measure(call: () => Promise<unknown>, budget: number): Promise<Measured> {
  const samples: number[] = [];
  const deadline = performance.now() + budget;
  for (let i = 0; i < 1000; i++) await call();
  while (samples.length < 500 && performance.now() < deadline) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < 100; k++) await call();
    samples.push(Number(process.hrtime.bigint() - start) / 100);
  }
  return { median: median(samples), calls: samples.length * 100 };
}

async function child(library: string, budget: number): Promise<void> {
  let call: () => Promise<boolean>;
  if (library === 'msal-ts') {
    const { ManagedIdentityClient, SystemAssignedManagedIdentity } = await import('../src/index.js');
    const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity());
    call = async () => (await client.acquireTokenForClient({ resource: RESOURCE })).token_source === 'cache';
  } else {
    const { ManagedIdentityApplication } = await import('@azure/msal-node');
    const app = new ManagedIdentityApplication({});
    if (app.getManagedIdentitySource() !== 'AppService') throw new Error('msal-node did not detect App Service');
    call = async () => (await app.acquireToken({ resource: RESOURCE })).fromCache;
  }
  if (await call()) throw new Error(`${library}: the first call should reach the emulator`);
  if (!(await call())) throw new Error(`${library}: the second call was not a cache hit`);
  process.stdout.write(`${JSON.stringify(await measure(call, budget))}\n`);
}

async function main(): Promise<void> {
  const { budgetMs } = parseArgs(process.argv.slice(2), []);
  const budget = Number.isFinite(budgetMs) ? Math.min(budgetMs, 5_000) : 5_000;
  const { startEmulator } = await import('../src/emulator/index.js');
  const stateDir = mkdtempSync(join(os.tmpdir(), 'msal-ts-bench-mi-'));
  const emulator = await startEmulator({ stateDir, managedIdentity: true });
  try {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...emulator.managedIdentityEnvironment('APP_SERVICE') };
    const run = async (library: string): Promise<Measured> => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', SELF, '--child', library, String(budget)], { env, timeout: 120_000 });
      return JSON.parse(stdout.trim()) as Measured;
    };
    const ours = await run('msal-ts');
    const theirs = await run('msal-node');
    console.log(`managed identity (App Service) cache hit: median per call, each library in its own process (budget ${budget} ms)`);
    console.log(`node ${process.version}, ${process.platform} ${process.arch}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'})`);
    console.log('msal-ts        msal-node      msal-node / msal-ts');
    console.log(`${ns(ours.median).padEnd(14)} ${ns(theirs.median).padEnd(14)} ${(theirs.median / ours.median).toFixed(0)}x`);
    console.log(`requests the emulator served: ${emulator.counters()['mi-app-service']} (one per library)`);
  } finally {
    await emulator.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(process.argv[at + 1] ?? '', Number(process.argv[at + 2] ?? 5000));
else await main();
