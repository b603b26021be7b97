// A signed-in user's cache file shared with Debian's MSAL Python 1.21: a user MSAL Python signed in with the device
// flow is found and served by msal-ts (from the cache, then by refresh), and a user msal-ts signed in is found and
// served by MSAL Python the same way. The emulator's counters tell cache hits from refreshes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { PublicClientApplication, SerializableTokenCache } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runPeer, type PeerLine } from './peer-process.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'fixtures', 'msal-python-user.py');
const SCOPE = 'https://graph.microsoft.com/User.Read';

describe('user token cache shared with MSAL Python', () => {
  let emulator: Emulator;
  let dir: string;
  // Seconds added to the real time, for the emulator and msal-ts alike: moves both past an access token's expiry.
  let offset = 0;

  before(async () => {
    emulator = await startEmulator({ clock: () => Date.now() / 1000 + offset, deviceCodeIntervalSeconds: 1 });
    dir = mkdtempSync(join(tmpdir(), 'msal-ts-py-user-'));
  });
  afterEach(() => {
    offset = 0;
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function python(mode: 'sign-in' | 'silent', cacheFile: string): Promise<PeerLine[]> {
    return runPeer(PYTHON, [SCRIPT, mode, emulator.authority, DEFAULT_IDS.publicClientId, SCOPE, cacheFile], {
      env: { REQUESTS_CA_BUNDLE: emulator.caPath },
      onLine: (line) => {
        if (typeof line['user_code'] !== 'string') return undefined;
        emulator.approveDeviceCode(line['user_code'], DEFAULT_IDS.aliceUsername);
        return '\n';
      },
    });
  }

  function app(cache: SerializableTokenCache): PublicClientApplication {
    return new PublicClientApplication(DEFAULT_IDS.publicClientId, {
      authority: emulator.authority,
      verify: emulator.caPath,
      instanceDiscovery: false,
      tokenCache: cache,
      now: () => Date.now() + offset * 1000,
    });
  }

  const requests = (): [string, number][] => Object.entries(emulator.counters()).filter(([, n]) => n > 0);

  it('a user MSAL Python signed in with the device flow is served by msal-ts from the cache, then by refresh', async () => {
    const file = join(dir, 'python-signed-in.json');
    const lines = await python('sign-in', file);
    const signedIn = lines.at(-1)?.['result'] as Record<string, unknown> | undefined;
    assert.equal(typeof signedIn?.['access_token'], 'string', JSON.stringify(lines));
    assert.equal(signedIn?.['username'], DEFAULT_IDS.aliceUsername);

    const cache = new SerializableTokenCache();
    cache.deserialize(readFileSync(file, 'utf8'));
    const ours = app(cache);
    emulator.resetCounters();
    const accounts = await ours.getAccounts();
    assert.equal(accounts.length, 1);
    const account = accounts[0];
    assert.ok(account !== undefined);
    assert.equal(account.username, DEFAULT_IDS.aliceUsername);

    const hit = await ours.acquireTokenSilent([SCOPE], { account });
    assert.equal(hit?.token_source, 'cache');
    assert.equal(hit.access_token, signedIn?.['access_token']);
    assert.deepEqual(requests(), [], 'the cache hit made no request at all');

    offset = 7200; // past the access token's expiry: only MSAL Python's refresh token can serve the user now
    const refreshed = await ours.acquireTokenSilent([SCOPE], { account });
    assert.equal(refreshed?.token_source, 'identity_provider');
    assert.notEqual(refreshed.access_token, hit.access_token);
    assert.equal(emulator.counters()['token:refresh_token'], 1);
    assert.equal(emulator.counters()['token'], 1, 'one token request: the refresh');
  });

  it('a user msal-ts signed in with the device flow is served by MSAL Python from the cache, then by refresh', async () => {
    const cache = new SerializableTokenCache();
    const ours = app(cache);
    const flow = await ours.initiateDeviceFlow([SCOPE]);
    emulator.approveDeviceCode(flow.user_code, DEFAULT_IDS.aliceUsername);
    const signedIn = await ours.acquireTokenByDeviceFlow(flow);
    const file = join(dir, 'msal-ts-signed-in.json');
    writeFileSync(file, cache.serialize());

    emulator.resetCounters();
    const lines = await python('silent', file);
    const out = lines.at(-1) ?? {};
    const accounts = out['accounts'] as Record<string, unknown>[];
    assert.equal(accounts.length, 1, JSON.stringify(out));
    assert.equal(accounts[0]?.['username'], DEFAULT_IDS.aliceUsername);
    assert.equal(accounts[0]?.['home_account_id'], (await ours.getAccounts())[0]?.home_account_id);
    const cached = out['cached'] as Record<string, unknown> | null;
    assert.equal(cached?.['access_token'], signedIn.access_token, 'MSAL Python served msal-ts\'s access token');
    const refreshed = out['refreshed'] as Record<string, unknown> | null;
    assert.equal(typeof refreshed?.['access_token'], 'string', JSON.stringify(refreshed));
    assert.notEqual(refreshed?.['access_token'], signedIn.access_token);
    assert.equal(emulator.counters()['token:refresh_token'], 1);
    assert.equal(emulator.counters()['token'], 1, 'one token request: the forced refresh');

    // What MSAL Python wrote back still serves msal-ts: the rotated refresh token replaced ours.
    const back = new SerializableTokenCache();
    back.deserialize(readFileSync(file, 'utf8'));
    const again = app(back);
    const [account] = await again.getAccounts();
    assert.ok(account !== undefined);
    const hit = await again.acquireTokenSilent([SCOPE], { account });
    assert.equal(hit?.access_token, refreshed?.['access_token']);
  });
});
