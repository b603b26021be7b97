// A signed-in user's cache file shared with unmodified @azure/msal-node 7: a user msal-node signed in with the device
// code flow is found and served by msal-ts (from the cache, then by refresh), and a user msal-ts signed in is found and
// served by msal-node the same way. The emulator's counters tell cache hits from refreshes.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SerializableTokenCache } from '../../src/index.js';
import { DEFAULT_IDS } from '../../src/emulator/index.js';
import { runPeer, type PeerLine } from './peer-process.js';
import { assertPeerUserServed, SCOPE_USER_READ as SCOPE, userCacheFixture } from './user-cache-fixture.js';

const SCRIPT = join(import.meta.dirname, 'fixtures', 'msal-node-user.mjs');

describe('user token cache shared with @azure/msal-node 7', () => {
  const fx = userCacheFixture('msal-ts-node-user-');

  async function msalNode(
    mode: 'sign-in' | 'silent',
    cacheFile: string,
    extraEnv: Record<string, string> = {},
    clientId: string = DEFAULT_IDS.publicClientId,
  ): Promise<PeerLine> {
    const lines = await runPeer(process.execPath, [SCRIPT], {
      env: {
        NODE_EXTRA_CA_CERTS: fx.emulator.caPath,
        EMU_MODE: mode,
        EMU_AUTHORITY: fx.emulator.authority,
        EMU_URL: fx.emulator.url,
        EMU_ADMIN_TOKEN: fx.emulator.adminToken,
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

  it('a user msal-node signed in with the device code flow is served by msal-ts from the cache, then by refresh', async () => {
    const file = join(fx.dir, 'msal-node-signed-in.json');
    const out = await msalNode('sign-in', file);
    const signedIn = out['result'] as Record<string, unknown>;
    assert.equal(signedIn['username'], DEFAULT_IDS.aliceUsername);

    await assertPeerUserServed(fx, file, signedIn['accessToken']);
  });

  it('a user msal-ts signed in with username/password is served by msal-node from the cache, then by refresh', async () => {
    const cache = new SerializableTokenCache();
    const ours = fx.app(cache);
    const signedIn = await ours.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, [SCOPE]);
    const file = join(fx.dir, 'msal-ts-signed-in.json');
    writeFileSync(file, cache.serialize());

    fx.emulator.resetCounters();
    // msal-node looks only under host:port unless told the host alone is an alias (see the next test).
    const out = await msalNode('silent', file, { EMU_CACHE_ENVIRONMENT: new URL(fx.emulator.url).hostname });
    const accounts = out['accounts'] as Record<string, unknown>[];
    assert.equal(accounts.length, 1, JSON.stringify(out));
    assert.equal(accounts[0]?.['username'], DEFAULT_IDS.aliceUsername);
    const cached = out['cached'] as Record<string, unknown>;
    assert.equal(cached['fromCache'], true);
    assert.equal(cached['accessToken'], signedIn.access_token);
    const refreshed = out['refreshed'] as Record<string, unknown>;
    assert.equal(refreshed['fromCache'], false);
    assert.notEqual(refreshed['accessToken'], signedIn.access_token);
    assert.equal(fx.emulator.counters()['token:refresh_token'], 1);
    assert.equal(fx.emulator.counters()['token'], 1, 'one token request: the forced refresh');

    const back = new SerializableTokenCache();
    back.deserialize(readFileSync(file, 'utf8'));
    const again = fx.app(back);
    const [account] = await again.getAccounts();
    assert.ok(account !== undefined);
    const hit = await again.acquireTokenSilent([SCOPE], { account });
    assert.equal(hit?.access_token, refreshed['accessToken']);
  });

  it('msal-node with its default metadata does not see a user written under the host alone (peer quirk)', async () => {
    const cache = new SerializableTokenCache();
    await fx.app(cache).acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, [SCOPE]);
    const file = join(fx.dir, 'msal-ts-portless.json');
    writeFileSync(file, cache.serialize());
    const lines = await runPeer(process.execPath, [SCRIPT], {
      env: {
        NODE_EXTRA_CA_CERTS: fx.emulator.caPath,
        EMU_MODE: 'silent',
        EMU_AUTHORITY: fx.emulator.authority,
        EMU_URL: fx.emulator.url,
        EMU_ADMIN_TOKEN: fx.emulator.adminToken,
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
    const file = join(fx.dir, 'msal-node-family.json');
    await msalNode('sign-in', file, {}, DEFAULT_IDS.familyClientIdA);
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    const [rt] = Object.values(written['RefreshToken'] ?? {});
    assert.equal(rt?.['family_id'], '1', 'msal-node kept the family id');

    const cache = new SerializableTokenCache();
    cache.deserialize(readFileSync(file, 'utf8'));
    const ours = fx.app(cache, DEFAULT_IDS.familyClientIdB);
    fx.emulator.resetCounters();
    const [account] = await ours.getAccounts();
    assert.equal(account?.username, DEFAULT_IDS.aliceUsername);
    const result = await ours.acquireTokenSilent([SCOPE], { account });
    assert.equal(result?.token_source, 'identity_provider');
    assert.equal(fx.emulator.counters()['token:refresh_token'], 1, "app B refreshed with app A's family token");
    const again = await ours.acquireTokenSilent([SCOPE], { account });
    assert.equal(again?.token_source, 'cache');
  });
});
