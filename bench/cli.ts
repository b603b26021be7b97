// Bench: wall time of `msal-ts token` served from a persisted cache (a whole process: Node's start, the CLI's imports,
// reading the cache file, the lookup), beside the Azure CLI-style equivalent on @azure/msal-node
// (bench/cli-msal-node.mjs: a file cache plugin and acquireTokenSilent) and beside `node -e 0` alone. Both read the same
// cache file, written by msal-ts after a device code sign-in on the emulator; the emulator's counters show that no
// run made an HTTP request. The goal for msal-ts is under 150 ms. Median of N fresh processes (default 15).
// Run: npm run bench (or node --import tsx bench/cli.ts [--runs N]); needs dist/ (npm run build).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublicClientApplication } from '../src/app/public-client-application.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../src/emulator/index.js';
import { FilePersistence } from '../src/extensions/file-persistence.js';
import { PersistedTokenCache } from '../src/extensions/persisted-token-cache.js';
import { median } from './util.js';

const SCOPES = ['https://graph.microsoft.com/User.Read'];
const GOAL_MS = 150;

if (!existsSync('dist/cli.js')) {
  console.error('bench/cli: dist/ is missing; run npm run build first');
  process.exit(1);
}
const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 15;

function fetchJson(emulator: Emulator, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`${emulator.url}${path}`, { ca: emulator.caPem }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

function requests(emulator: Emulator): number {
  return Object.entries(emulator.counters())
    .filter(([k]) => !k.includes(':'))
    .reduce((sum, [, v]) => sum + v, 0);
}

/** Median wall time of `command args` in fresh processes, after checking that it succeeds and prints a token. */
function wall(command: string, args: string[], env: NodeJS.ProcessEnv, expectToken: string | undefined): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const start = performance.now();
    const r = spawnSync(command, args, { env, encoding: 'utf8' });
    const elapsed = performance.now() - start;
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
    if (expectToken !== undefined && r.stdout.trim() !== expectToken) throw new Error(`${args[0] ?? command} printed another token`);
    // The first run warms the OS file cache; it is not counted.
    if (i > 0) times.push(elapsed);
  }
  return median(times);
}

const emulator = await startEmulator({ deviceCodeIntervalSeconds: 1 });
const dir = mkdtempSync(join(tmpdir(), 'msal-ts-bench-cli-'));
try {
  const cachePath = join(dir, 'token-cache.json');
  const app = new PublicClientApplication(DEFAULT_IDS.publicClientId, {
    authority: emulator.authority,
    verify: emulator.caPath,
    instanceDiscovery: false,
    tokenCache: new PersistedTokenCache(new FilePersistence(cachePath)),
  });
  const flow = await app.initiateDeviceFlow(SCOPES);
  emulator.approveDeviceCode(flow.user_code, DEFAULT_IDS.aliceUsername);
  const token = (await app.acquireTokenByDeviceFlow(flow)).access_token;

  const env = { ...process.env, HOME: dir, XDG_CACHE_HOME: dir, XDG_CONFIG_HOME: dir };
  const cliArgs = [
    'dist/cli.js', 'token', '--scope', SCOPES.join(' '), '--no-interactive', '--client-id', DEFAULT_IDS.publicClientId,
    '--authority', emulator.authority, '--ca', emulator.caPath, '--no-instance-discovery', '--plaintext-cache', '--cache', cachePath,
  ];
  const host = new URL(emulator.url).host;
  const authorityMetadata = await fetchJson(emulator, `/${DEFAULT_IDS.tenantId}/v2.0/.well-known/openid-configuration`);
  // msal-node caches under the host with its port, MSAL Python and msal-ts under the host alone (for the emulator; on
  // login.microsoftonline.com both agree): an alias entry makes msal-node read where msal-ts wrote.
  const cloudDiscoveryMetadata = JSON.stringify({
    metadata: [{ preferred_network: host, preferred_cache: new URL(emulator.url).hostname, aliases: [host, new URL(emulator.url).hostname] }],
  });
  const msalNodeConfig = join(dir, 'msal-node.json');
  writeFileSync(
    msalNodeConfig,
    JSON.stringify({ cachePath, clientId: DEFAULT_IDS.publicClientId, authority: emulator.authority, scopes: SCOPES, authorityMetadata, cloudDiscoveryMetadata }),
  );

  emulator.resetCounters();
  const node = wall(process.execPath, ['-e', '0'], env, undefined);
  const msalTs = wall(process.execPath, cliArgs, env, token);
  const msalTsRequests = requests(emulator);
  emulator.resetCounters();
  const msalNode = wall(process.execPath, ['bench/cli-msal-node.mjs', msalNodeConfig], { ...env, NODE_EXTRA_CA_CERTS: emulator.caPath }, token);
  const msalNodeRequests = requests(emulator);

  console.log(`\ntoken from a persisted cache, wall time of a fresh process (median of ${RUNS})`);
  console.log(`${'node -e 0 (Node start alone)'.padEnd(44)} ${node.toFixed(1)} ms`);
  console.log(`${'msal-ts token (plaintext file cache)'.padEnd(44)} ${msalTs.toFixed(1)} ms  (${msalTsRequests} HTTP requests; goal < ${GOAL_MS} ms: ${msalTs < GOAL_MS ? 'met' : 'NOT met'})`);
  console.log(`${'@azure/msal-node + file cache plugin'.padEnd(44)} ${msalNode.toFixed(1)} ms  (${msalNodeRequests} HTTP requests)`);
} finally {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
}
