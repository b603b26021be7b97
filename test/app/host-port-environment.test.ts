// Regression: a cache msal-node wrote for an authority with a port (the emulator's 127.0.0.1:PORT) was invisible to
// msal-ts: msal-node's `environment` is the host with its port, MSAL Python's and msal-ts's the host alone, so
// getAccounts found no account and acquireTokenSilent no token. Entries under host:port are now read as an alias.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SerializableTokenCache } from '../../src/cache/serializable-token-cache.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { GRAPH_USER_READ, makePca, total } from './helpers.js';

/** The same cache with every entry moved to `environment` (keys too), as msal-node would have written it. */
function movedTo(text: string, from: string, environment: string): string {
  const data = JSON.parse(text) as Record<string, Record<string, Record<string, unknown>>>;
  const out: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const [section, entries] of Object.entries(data)) {
    out[section] = {};
    for (const [key, entry] of Object.entries(entries)) {
      const moved = entry['environment'] === from ? { ...entry, environment } : entry;
      (out[section] ?? {})[key.replace(`-${from}-`, `-${environment}-`)] = moved;
    }
  }
  return JSON.stringify(out);
}

describe('entries written under host:port', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator.close();
  });

  it('an account and tokens msal-node wrote under host:port are found, served and refreshed', async () => {
    const first = new SerializableTokenCache();
    await makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: first }).acquireTokenByUsernamePassword(
      DEFAULT_IDS.aliceUsername,
      DEFAULT_IDS.alicePassword,
      GRAPH_USER_READ,
    );
    const url = new URL(emulator.url);
    const cache = new SerializableTokenCache();
    cache.deserialize(movedTo(first.serialize(), url.hostname, url.host));
    assert.ok(cache.serialize().includes(`"environment": "${url.host}"`));

    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: cache });
    const [account] = await app.getAccounts();
    assert.ok(account !== undefined, 'the account under host:port is listed');
    assert.equal(account.environment, url.host);
    emulator.resetCounters();
    const hit = await app.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(hit?.token_source, 'cache');
    assert.equal(total(emulator.counters()), 0);
    const refreshed = await app.acquireTokenSilent(GRAPH_USER_READ, { account, forceRefresh: true });
    assert.equal(refreshed?.token_source, 'identity_provider', 'the refresh token under host:port was used');
    assert.equal(emulator.counters()['token:refresh_token'], 1);
  });
});
