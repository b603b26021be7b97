// acquireTokenByRefreshToken (migration): a refresh token from elsewhere is redeemed and saved, so the account and
// silent refresh work from then on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SerializableTokenCache } from '../../src/cache/serializable-token-cache.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { GRAPH_USER_READ, makePca } from './helpers.js';

describe('refresh token migration against the emulator', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator.close();
  });

  it('saves the migrated refresh token, creates the account, and silent refresh uses it', async () => {
    const legacy = makePca(emulator, DEFAULT_IDS.publicClientId);
    const old = await legacy.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    assert.equal(typeof old.refresh_token, 'string');

    const cache = new SerializableTokenCache();
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: cache });
    const migrated = await app.acquireTokenByRefreshToken(String(old.refresh_token), GRAPH_USER_READ);
    assert.equal(migrated.token_source, 'identity_provider');
    const saved = JSON.parse(cache.serialize()) as Record<string, Record<string, { secret?: string }>>;
    const rts = Object.values(saved['RefreshToken'] ?? {});
    assert.deepEqual(
      rts.map((rt) => rt.secret),
      [migrated.refresh_token],
      'the new refresh token was stored',
    );
    const [account] = await app.getAccounts();
    assert.ok(account);
    assert.equal(account.username, DEFAULT_IDS.aliceUsername);
    emulator.resetCounters();
    const refreshed = await app.acquireTokenSilent(GRAPH_USER_READ, { account, forceRefresh: true });
    assert.equal(refreshed?.token_source, 'identity_provider');
    assert.equal(emulator.counters()['token:refresh_token'], 1);
  });

  it('a refresh token the server does not know is the server error, and nothing is stored', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    await assert.rejects(app.acquireTokenByRefreshToken('not-a-refresh-token', GRAPH_USER_READ), { code: 'server_error', error: 'invalid_grant' });
    assert.deepEqual(await app.getAccounts(), []);
    await assert.rejects(app.acquireTokenByRefreshToken('', GRAPH_USER_READ), TypeError);
  });
});
