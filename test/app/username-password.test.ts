// acquireTokenByUsernamePassword against the emulator: user realm discovery on the authority's host and port, the
// upn anchor, federated accounts refused with a typed error, a 404 realm treated as managed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { FederatedAccountNotSupportedError, ServerError } from '../../src/errors.js';
import { GRAPH_USER_READ, makePca, recordingHttp } from './helpers.js';

describe('username/password (ROPC) against the emulator', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator.close();
  });

  it('asks the user realm on the authority host and port, then signs a managed user in', async () => {
    const http = recordingHttp(emulator);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    const result = await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    assert.equal(result.id_token_claims?.['preferred_username'], DEFAULT_IDS.aliceUsername);
    const [realm] = http.to('/userrealm/');
    assert.equal(realm?.url, `${emulator.url}/common/userrealm/${encodeURIComponent(DEFAULT_IDS.aliceUsername)}?api-version=1.0`);
    const [token] = http.to('/token');
    assert.equal(token?.headers['x-anchormailbox'], `upn:${DEFAULT_IDS.aliceUsername}`);
    assert.equal(new URLSearchParams(token.body).get('grant_type'), 'password');
    const [account] = await app.getAccounts();
    assert.equal(account?.account_source, 'password');
    assert.equal(account.username, DEFAULT_IDS.aliceUsername);
  });

  it('a wrong password is the server error', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const err = await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, 'wrong', GRAPH_USER_READ).catch((e: unknown) => e);
    assert.ok(err instanceof ServerError);
    assert.equal(err.error, 'invalid_grant');
    assert.deepEqual(err.error_codes, [50126]);
  });

  it('a federated account is refused with FederatedAccountNotSupportedError, before any token request', async () => {
    const http = recordingHttp(emulator);
    http.rewrite = (req, res) =>
      req.url.includes('/userrealm/') ? { ...res, body: JSON.stringify({ ver: '1.0', account_type: 'Federated', federation_protocol: 'WSTrust' }) } : res;
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    await assert.rejects(
      app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ),
      FederatedAccountNotSupportedError,
    );
    assert.equal(http.to('/token').length, 0);
  });

  it('checks its arguments before any request', async () => {
    const http = recordingHttp(emulator);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    await assert.rejects(app.acquireTokenByUsernamePassword('', 'x', GRAPH_USER_READ), TypeError);
    await assert.rejects(app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, '', GRAPH_USER_READ), TypeError);
    await assert.rejects(app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, 'x', ['openid']), RangeError);
    assert.equal(http.requests.length, 0);
  });

  // Last: a host that answered 404 is remembered for the process, as MSAL Python remembers it.
  it('a host without user realm discovery (404) is treated as managed, and not asked again', async () => {
    const http = recordingHttp(emulator);
    http.rewrite = (req, res) => (req.url.includes('/userrealm/') ? { ...res, status: 404, body: '' } : res);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    await app.acquireTokenByUsernamePassword(DEFAULT_IDS.bobUsername, DEFAULT_IDS.bobPassword, GRAPH_USER_READ);
    assert.equal(http.to('/userrealm/').length, 1);
    assert.equal(http.to('/token').length, 2);
  });
});
