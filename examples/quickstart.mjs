// The main job: get an app token from the embedded Entra ID emulator, then get it again from the cache.
// No network and no account needed. Run: npm start
//
// To do the same against your real tenant, replace the emulator's authority, client id and secret with yours and drop
// `verify` and `instanceDiscovery` (see README.md, "Quick start").
import { ConfidentialClientApplication, SerializableTokenCache } from 'msal-ts';
import { DEFAULT_IDS, startEmulator } from 'msal-ts/emulator';

const scopes = ['https://graph.microsoft.com/.default'];
const step = (n, text) => console.log(`\n${n}. ${text}`);
const requests = (emulator) =>
  Object.entries(emulator.counters()).filter(([k, v]) => !k.includes(':') && v > 0).map(([k, v]) => `${k}=${v}`).join(' ') || 'none';

step(1, 'Starting the msal-ts emulator (a local Entra ID look-alike on 127.0.0.1)');
const emulator = await startEmulator();
console.log(`   authority: ${emulator.authority}`);
console.log(`   CA:        ${emulator.caPath}`);

try {
  const cache = new SerializableTokenCache();
  const app = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
    authority: emulator.authority,
    clientCredential: DEFAULT_IDS.daemonSecret,
    verify: emulator.caPath, // trust the emulator's CA; omit for login.microsoftonline.com
    instanceDiscovery: false, // the emulator is not a Microsoft host; omit for real tenants
    tokenCache: cache,
  });

  step(2, `acquireTokenForClient(${JSON.stringify(scopes)}): the cache is empty, so msal-ts asks the identity provider`);
  emulator.resetCounters();
  let started = performance.now();
  const first = await app.acquireTokenForClient(scopes);
  const claims = JSON.parse(Buffer.from(first.access_token.split('.')[1], 'base64url').toString());
  console.log(`   token_source: ${first.token_source}, expires_in: ${first.expires_in} s, ${(performance.now() - started).toFixed(1)} ms`);
  console.log(`   access token for aud=${claims.aud}, tid=${claims.tid}, roles=${JSON.stringify(claims.roles ?? [])}`);
  console.log(`   HTTP requests the emulator saw: ${requests(emulator)}`);

  step(3, 'The same call again: served from the token cache');
  emulator.resetCounters();
  started = performance.now();
  const second = await app.acquireTokenForClient(scopes);
  console.log(`   token_source: ${second.token_source}, same token: ${second.access_token === first.access_token}, ${((performance.now() - started) * 1000).toFixed(0)} µs`);
  console.log(`   HTTP requests the emulator saw: ${requests(emulator)}`);
  if (second.token_source !== 'cache' || requests(emulator) !== 'none') throw new Error('expected a cache hit with no request');

  step(4, 'The cache, serialized in the unified MSAL format (MSAL Python and MSAL Node read it):');
  const json = JSON.parse(cache.serialize());
  for (const [section, entries] of Object.entries(json)) console.log(`   ${section}: ${Object.keys(entries).length} entr${Object.keys(entries).length === 1 ? 'y' : 'ies'}`);
  console.log('\nDone.');
} finally {
  await emulator.close();
}
