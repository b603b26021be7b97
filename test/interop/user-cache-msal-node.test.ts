// A signed-in user's cache file shared with unmodified @azure/msal-node 7: a user msal-node signed in with the device
// code flow is found and served by msal-ts (from the cache, then by refresh), and a user msal-ts signed in is found and
// served by msal-node the same way. The emulator's counters tell cache hits from refreshes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { PublicClientApplication, SerializableTokenCache } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runPeer, type PeerLine } from './peer-process.js';

const SCRIPT = join(import.meta.dirname, 'fixtures', 'msal-node-user.mjs');
const SCOPE = 'https://graph.microsoft.com/User.Read';

describe('user token cache shared with @azure/msal-node 7', () => {
  let emulator: Emulator;
  let dir: string;
  let offset = 0;

  before(async () => {
    emulator = await startEmulator({ clock: () => Date.now() / 1000 + offset, deviceCodeIntervalSeconds: 1 });
    dir = mkdtempSync(join(tmpdir(), 'msal-ts-node-user-'));
  });
  afterEach(() => {
    offset = 0;
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function msalNode(
    mode: 'sign-in' | 'silent',
    cacheFile: string,
    extraEnv: Record<string, string> = {},
    clientId: string = DEFAULT_IDS.publicClientId,
  ): Promise<PeerLine> {
    const lines = await runPeer(process.execPath, [SCRIPT], {
      env: {
        NODE_EXTRA_CA_CERTS: emulator.caPath,
        EMU_MODE: mode,
        EMU_AUTHORITY: emulator.authority,
        EMU_URL: emulator.url,
        EMU_CLIENT_ID: clientId,
        EMU_SCOPE: SCOPE,
        EMU_CACHE_FILE: cacheFile,
        EMU_USERNAME: DEFAULT_IDS.aliceUsername,
        ...extraEnv,
      },
    });
    const out = lines.at(-1) ?? {};
    assert.equal(out['ok'], true, JSON.stringify(out));
    return out;
  }

  function app(cache: SerializableTokenCache, clientId: string = DEFAULT_IDS.publicClientId): PublicClientApplication {
    return new PublicClientApplication(clientId, {
      authority: emulator.authority,
      verify: emulator.caPath,
      instanceDiscovery: false,
      tokenCache: cache,
      now: () => Date.now() + offset * 1000,
    });
  }

  const requests = (): [string, number][] => Object.entries(emulator.counters()).filter(([, n]) => n > 0);

  it('a user msal-node signed in with the device code flow is served by msal-ts from the cache, then by refresh', async () => {
    const file = join(dir, 'msal-node-signed-in.json');
    const out = await msalNode('sign-in', file);
    const signedIn = out['result'] as Record<string, unknown>;
    assert.equal(signedIn['username'], DEFAULT_IDS.aliceUsername);

    const cache = new SerializableTokenCache();
    cache.deserialize(readFileSync(file, 'utf8'));
    const ours = app(cache);
    emulator.resetCounters();
    const accounts = await ours.getAccounts();
    assert.equal(accounts.length, 1, readFileSync(file, 'utf8'));
    const account = accounts[0];
    assert.ok(account !== undefined);
    assert.equal(account.username, DEFAULT_IDS.aliceUsername);

    const hit = await ours.acquireTokenSilent([SCOPE], { account });
    assert.equal(hit?.token_source, 'cache');
    assert.equal(hit.access_token, signedIn['accessToken']);
    assert.deepEqual(requests(), [], 'the cache hit made no request at all');

    offset = 7200;
    const refreshed = await ours.acquireTokenSilent([SCOPE], { account });
    assert.equal(refreshed?.token_source, 'identity_provider');
    assert.notEqual(refreshed.access_token, hit.access_token);
    assert.equal(emulator.counters()['token:refresh_token'], 1);
    assert.equal(emulator.counters()['token'], 1, 'one token request: the refresh');
  });

  it('a user msal-ts signed in with username/password is served by msal-node from the cache, then by refresh', async () => {
    const cache = new SerializableTokenCache();
    const ours = app(cache);
    const signedIn = await ours.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, [SCOPE]);
    const file = join(dir, 'msal-ts-signed-in.json');
    writeFileSync(file, cache.serialize());

    emulator.resetCounters();
    // msal-node looks only under host:port unless told the host alone is an alias (see the next test).
    const out = await msalNode('silent', file, { EMU_CACHE_ENVIRONMENT: new URL(emulator.url).hostname });
    const accounts = out['accounts'] as Record<string, unknown>[];
    assert.equal(accounts.length, 1, JSON.stringify(out));
    assert.equal(accounts[0]?.['username'], DEFAULT_IDS.aliceUsername);
    const cached = out['cached'] as Record<string, unknown>;
    assert.equal(cached['fromCache'], true);
    assert.equal(cached['accessToken'], signedIn.access_token);
    const refreshed = out['refreshed'] as Record<string, unknown>;
    assert.equal(refreshed['fromCache'], false);
    assert.notEqual(refreshed['accessToken'], signedIn.access_token);
    assert.equal(emulator.counters()['token:refresh_token'], 1);
    assert.equal(emulator.counters()['token'], 1, 'one token request: the forced refresh');

    const back = new SerializableTokenCache();
    back.deserialize(readFileSync(file, 'utf8'));
    const again = app(back);
    const [account] = await again.getAccounts();
    assert.ok(account !== undefined);
    const hit = await again.acquireTokenSilent([SCOPE], { account });
    assert.equal(hit?.access_token, refreshed['accessToken']);
  });

  it('msal-node with its default metadata does not see a user written under the host alone (peer quirk)', async () => {
    const cache = new SerializableTokenCache();
    await app(cache).acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, [SCOPE]);
    const file = join(dir, 'msal-ts-portless.json');
    writeFileSync(file, cache.serialize());
    const lines = await runPeer(process.execPath, [SCRIPT], {
      env: {
        NODE_EXTRA_CA_CERTS: emulator.caPath,
        EMU_MODE: 'silent',
        EMU_AUTHORITY: emulator.authority,
        EMU_URL: emulator.url,
        EMU_CLIENT_ID: DEFAULT_IDS.publicClientId,
        EMU_SCOPE: SCOPE,
        EMU_CACHE_FILE: file,
      },
    });
    const out = lines.at(-1) ?? {};
    // It lists the account (getAllAccounts does not filter by environment) but finds none of its tokens.
    assert.equal(out['ok'], false, JSON.stringify(out));
    assert.equal(out['error'], 'no_tokens_found');
  });

  it('a family refresh token msal-node wrote for one app serves msal-ts as the other family app', async () => {
    const file = join(dir, 'msal-node-family.json');
    await msalNode('sign-in', file, {}, DEFAULT_IDS.familyClientIdA);
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    const [rt] = Object.values(written['RefreshToken'] ?? {});
    assert.equal(rt?.['family_id'], '1', 'msal-node kept the family id');

    const cache = new SerializableTokenCache();
    cache.deserialize(readFileSync(file, 'utf8'));
    const ours = app(cache, DEFAULT_IDS.familyClientIdB);
    emulator.resetCounters();
    const [account] = await ours.getAccounts();
    assert.equal(account?.username, DEFAULT_IDS.aliceUsername);
    const result = await ours.acquireTokenSilent([SCOPE], { account });
    assert.equal(result?.token_source, 'identity_provider');
    assert.equal(emulator.counters()['token:refresh_token'], 1, 'app B refreshed with app A\'s family token');
    const again = await ours.acquireTokenSilent([SCOPE], { account });
    assert.equal(again?.token_source, 'cache');
  });
});
