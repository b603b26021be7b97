// The main job: sign a user in with the device code flow on the embedded Entra ID emulator, keep the tokens in a
// persisted cache, then get a token silently from that cache, in a fresh application and through the `msal-ts` command.
// No network and no account needed. Run: npm start
//
// Against your real tenant: `npx msal-ts login --client-id <your app> --device-code`, then
// `npx msal-ts token --client-id <your app> --scope User.Read` (see docs/cli.md).
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PublicClientApplication } from 'msal-ts';
import { DEFAULT_IDS, startEmulator } from 'msal-ts-emulator';
import { FilePersistence, PersistedTokenCache } from 'msal-ts/extensions';

const scopes = ['User.Read'];
const user = DEFAULT_IDS.aliceUsername;
const cli = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));
const step = (n, text) => console.log(`\n${n}. ${text}`);
const requests = (emulator) =>
  Object.entries(emulator.counters())
    .filter(([k, v]) => !k.includes(':') && v > 0)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || 'none';

/** POSTs JSON to the emulator's admin API, trusting its CA and sending the run's admin token. */
function admin(emulator, path, body) {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${emulator.adminToken}` };
    const req = request(`${emulator.url}${path}`, { method: 'POST', ca: emulator.caPem, headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

step(1, 'Starting the msal-ts emulator (a local Entra ID look-alike on 127.0.0.1, polling interval 1 s)');
const emulator = await startEmulator({ deviceCodeIntervalSeconds: 1 });
const folder = await mkdtemp(join(tmpdir(), 'msal-ts-main-job-'));
const cachePath = join(folder, 'token-cache.json');
console.log(`   authority: ${emulator.authority}`);
console.log(`   CA:        ${emulator.caPath}`);
// The options that point an app at the emulator; for a real tenant keep only the client id and authority.
const options = () => ({
  authority: emulator.authority,
  verify: emulator.caPath, // trust the emulator's CA
  instanceDiscovery: false, // the emulator is not a Microsoft host
  // A plaintext file (mode 0600) in a temp folder, so this demo leaves nothing in your keyring. `msal-ts login`
  // encrypts by default (libsecret, keychain, DPAPI) through buildEncryptedPersistence.
  tokenCache: new PersistedTokenCache(new FilePersistence(cachePath)),
});

try {
  console.log(`   token cache: ${cachePath} (plaintext file persistence, deleted at the end)`);
  const app = new PublicClientApplication(DEFAULT_IDS.publicClientId, options());

  step(2, `initiateDeviceFlow(${JSON.stringify(scopes)}): what a user on a machine without a browser sees`);
  emulator.resetCounters();
  const flow = await app.initiateDeviceFlow(scopes);
  console.log(`   ┌ ${flow.message}`);
  console.log(`   └ (the code ${flow.user_code} expires in ${flow.expires_in / 60} minutes)`);

  step(3, `Approving as ${user} on the emulator (POST /_emulator/device/approve, what its device page does)`);
  const polling = app.acquireTokenByDeviceFlow(flow);
  await admin(emulator, '/_emulator/device/approve', { user_code: flow.user_code, username: user });
  const first = await polling;
  const claims = first.id_token_claims ?? {};
  console.log(`   signed in as ${claims.preferred_username} (tenant ${claims.tid}), token_source: ${first.token_source}, expires_in: ${first.expires_in} s`);
  console.log(`   HTTP requests the emulator saw: ${requests(emulator)}`);

  step(4, 'A fresh PublicClientApplication on the same cache file: getAccounts, then acquireTokenSilent');
  emulator.resetCounters();
  const fresh = new PublicClientApplication(DEFAULT_IDS.publicClientId, options());
  const [account] = await fresh.getAccounts();
  const started = performance.now();
  const second = await fresh.acquireTokenSilent(scopes, { account });
  console.log(
    `   account: ${account.username}; token_source: ${second?.token_source}, same token: ${second?.access_token === first.access_token}, ${(performance.now() - started).toFixed(1)} ms`,
  );
  console.log(`   HTTP requests the emulator saw: ${requests(emulator)}`);
  if (second?.token_source !== 'cache' || requests(emulator) !== 'none') throw new Error('expected a cache hit with no request');

  step(5, 'The msal-ts command in another process, on the same cache: msal-ts token --scope User.Read --json');
  emulator.resetCounters();
  const args = [
    'token',
    '--scope',
    scopes.join(' '),
    '--json',
    '--no-interactive',
    '--client-id',
    DEFAULT_IDS.publicClientId,
    '--authority',
    emulator.authority,
    '--ca',
    emulator.caPath,
    '--no-instance-discovery',
    '--plaintext-cache',
    '--cache',
    cachePath,
  ];
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args]);
  const out = JSON.parse(stdout);
  console.log(
    `   token_source: ${out.token_source}, account: ${out.account}, expires_on: ${new Date(out.expires_on * 1000).toISOString()}, same token: ${out.access_token === first.access_token}`,
  );
  console.log(`   HTTP requests the emulator saw: ${requests(emulator)}`);
  if (out.token_source !== 'cache' || requests(emulator) !== 'none') throw new Error('expected the CLI to hit the cache with no request');
  console.log('\nDone: one sign-in, then tokens from the persisted cache with no HTTP request.');
} finally {
  await emulator.close();
  await rm(folder, { recursive: true, force: true });
}
