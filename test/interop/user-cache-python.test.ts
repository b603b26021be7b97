// A signed-in user's cache file shared with MSAL Python, in both lanes (Debian's 1.21 and 1.31,
// test/interop/python-lanes.ts): a user MSAL Python signed in with the device flow is found and served by msal-ts
// (from the cache, then by refresh), and a user msal-ts signed in is found and served by MSAL Python the same way.
// The emulator's counters tell cache hits from refreshes. Each lane has its own emulator, so the two run in parallel.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SerializableTokenCache } from '../../src/index.js';
import { DEFAULT_IDS } from '../../src/emulator/index.js';
import { runPeer, type PeerLine } from './peer-process.js';
import { PYTHON, PYTHON_LANES, type PythonLane } from './python-lanes.js';
import { assertPeerUserServed, SCOPE_USER_READ as SCOPE, userCacheFixture } from './user-cache-fixture.js';

const SCRIPT = join(import.meta.dirname, 'fixtures', 'msal-python-user.py');

describe('user token cache shared with MSAL Python', { concurrency: true }, () => {
  // The lanes in parallel; inside one, the tests in turn (they read the lane's emulator counters).
  for (const lane of PYTHON_LANES) describe(lane.label, { skip: lane.skip, concurrency: 1 }, () => suite(lane));
});

function suite(lane: PythonLane): void {
  const fx = userCacheFixture('msal-ts-py-user-');

  function python(mode: 'sign-in' | 'silent', cacheFile: string): Promise<PeerLine[]> {
    return runPeer(PYTHON, [SCRIPT, mode, fx.emulator.authority, DEFAULT_IDS.publicClientId, SCOPE, cacheFile], {
      env: { ...lane.env, REQUESTS_CA_BUNDLE: fx.emulator.caPath },
      onLine: (line) => {
        if (typeof line['user_code'] !== 'string') return undefined;
        fx.emulator.approveDeviceCode(line['user_code'], DEFAULT_IDS.aliceUsername);
        return '\n';
      },
    });
  }

  it('a user MSAL Python signed in with the device flow is served by msal-ts from the cache, then by refresh', async () => {
    const file = join(fx.dir, 'python-signed-in.json');
    const lines = await python('sign-in', file);
    const signedIn = lines.at(-1)?.['result'] as Record<string, unknown> | undefined;
    assert.equal(typeof signedIn?.['access_token'], 'string', JSON.stringify(lines));
    assert.equal(signedIn?.['username'], DEFAULT_IDS.aliceUsername);
    assert.equal(lines.at(-1)?.['msal'], lane.msal);

    await assertPeerUserServed(fx, file, signedIn?.['access_token']);
  });

  it('a user msal-ts signed in with the device flow is served by MSAL Python from the cache, then by refresh', async () => {
    const cache = new SerializableTokenCache();
    const ours = fx.app(cache);
    const flow = await ours.initiateDeviceFlow([SCOPE]);
    fx.emulator.approveDeviceCode(flow.user_code, DEFAULT_IDS.aliceUsername);
    const signedIn = await ours.acquireTokenByDeviceFlow(flow);
    const file = join(fx.dir, 'msal-ts-signed-in.json');
    writeFileSync(file, cache.serialize());

    fx.emulator.resetCounters();
    const lines = await python('silent', file);
    const out = lines.at(-1) ?? {};
    assert.equal(out['msal'], lane.msal);
    const accounts = out['accounts'] as Record<string, unknown>[];
    assert.equal(accounts.length, 1, JSON.stringify(out));
    assert.equal(accounts[0]?.['username'], DEFAULT_IDS.aliceUsername);
    assert.equal(accounts[0]?.['home_account_id'], (await ours.getAccounts())[0]?.home_account_id);
    const cached = out['cached'] as Record<string, unknown> | null;
    assert.equal(cached?.['access_token'], signedIn.access_token, "MSAL Python served msal-ts's access token");
    const refreshed = out['refreshed'] as Record<string, unknown> | null;
    assert.equal(typeof refreshed?.['access_token'], 'string', JSON.stringify(refreshed));
    assert.notEqual(refreshed?.['access_token'], signedIn.access_token);
    assert.equal(fx.emulator.counters()['token:refresh_token'], 1);
    assert.equal(fx.emulator.counters()['token'], 1, 'one token request: the forced refresh');

    // What MSAL Python wrote back still serves msal-ts: the rotated refresh token replaced ours.
    const back = new SerializableTokenCache();
    back.deserialize(readFileSync(file, 'utf8'));
    const again = fx.app(back);
    const [account] = await again.getAccounts();
    assert.ok(account !== undefined);
    const hit = await again.acquireTokenSilent([SCOPE], { account });
    assert.equal(hit?.access_token, refreshed?.['access_token']);
  });
}
