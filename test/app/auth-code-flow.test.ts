// initiateAuthCodeFlow / acquireTokenByAuthCodeFlow against the emulator's no-UI authorize endpoint: PKCE S256, the
// hashed nonce, state, the X-AnchorMailbox routing hint, max_age, error responses, and a confidential web app.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication } from '../../src/app/confidential-client-application.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { IdTokenError, ServerError, StateMismatchError } from '../../src/errors.js';
import { authorizeWithoutUi, GRAPH_USER_READ, makePca, recordingHttp } from './helpers.js';

const REDIRECT = 'http://localhost:8400';

describe('auth code flow against the emulator', () => {
  let emulator: Emulator;

  before(async () => {
    // No-UI authorize mode: the login_hint user, else alice, is signed in without a page.
    emulator = await startEmulator({ config: { autoApprove: DEFAULT_IDS.aliceUsername } });
  });
  after(async () => {
    await emulator.close();
  });

  it('builds a PKCE S256 flow with a hashed nonce, a random state and the login hint', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT, loginHint: DEFAULT_IDS.aliceUsername, maxAge: 600 });
    const q = new URL(flow.auth_uri).searchParams;
    assert.equal(q.get('client_id'), DEFAULT_IDS.publicClientId);
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('redirect_uri'), REDIRECT);
    assert.equal(q.get('scope'), 'https://graph.microsoft.com/User.Read offline_access openid profile');
    assert.equal(q.get('state'), flow.state);
    assert.ok(flow.state.length >= 43, 'a 256-bit state');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.equal(q.get('code_challenge'), createHash('sha256').update(flow.code_verifier).digest('base64url'));
    assert.equal(q.get('nonce'), createHash('sha256').update(flow.nonce).digest('hex'));
    assert.equal(q.get('client_info'), '1');
    assert.equal(q.get('login_hint'), DEFAULT_IDS.aliceUsername);
    assert.equal(q.get('X-AnchorMailbox'), `UPN:${DEFAULT_IDS.aliceUsername}`);
    assert.equal(q.get('max_age'), '600');
    assert.equal(flow.max_age, 600);
    assert.deepEqual(flow.scope, ['https://graph.microsoft.com/User.Read', 'openid', 'profile', 'offline_access']);
    const other = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT });
    assert.notEqual(other.state, flow.state);
    assert.notEqual(other.code_verifier, flow.code_verifier);
  });

  it('redeems the code, validates the id token, caches the account, and sends the Oid anchor', async () => {
    const http = recordingHttp(emulator);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT, loginHint: DEFAULT_IDS.aliceUsername, maxAge: 600 });
    const response = await authorizeWithoutUi(emulator, flow.auth_uri);
    const result = await app.acquireTokenByAuthCodeFlow(flow, response);
    assert.equal(result.token_source, 'identity_provider');
    assert.equal(typeof result.access_token, 'string');
    assert.equal(typeof result.refresh_token, 'string');
    const claims = result.id_token_claims ?? {};
    assert.equal(claims['preferred_username'], DEFAULT_IDS.aliceUsername);
    assert.equal(claims['nonce'], createHash('sha256').update(flow.nonce).digest('hex'));
    const [tokenRequest] = http.to('/oauth2/v2.0/token');
    assert.ok(tokenRequest);
    assert.equal(tokenRequest.headers['x-anchormailbox'], `Oid:a11ce000-0000-4000-8000-000000000001@${DEFAULT_IDS.tenantId}`);
    const form = new URLSearchParams(tokenRequest.body);
    assert.equal(form.get('code_verifier'), flow.code_verifier);
    assert.equal(form.get('redirect_uri'), REDIRECT);
    assert.equal(http.to('/discovery/v2.0/keys').length, 1, 'the signature was checked against the JWKS');
    const accounts = await app.getAccounts();
    assert.deepEqual(
      accounts.map((a) => [a.username, a.account_source]),
      [[DEFAULT_IDS.aliceUsername, 'authorization_code']],
    );
    const [account] = accounts;
    assert.ok(account);
    const silent = await app.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(silent?.token_source, 'cache');
    assert.equal(silent.access_token, result.access_token);
  });

  it('refuses a response whose state differs, before redeeming anything', async () => {
    const http = recordingHttp(emulator);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT, loginHint: DEFAULT_IDS.aliceUsername });
    const response = await authorizeWithoutUi(emulator, flow.auth_uri);
    await assert.rejects(app.acquireTokenByAuthCodeFlow(flow, { ...response, state: 'forged' }), StateMismatchError);
    await assert.rejects(app.acquireTokenByAuthCodeFlow(flow, { code: response['code'] }), { code: 'state_mismatch' });
    assert.equal(http.to('/token').length, 0);
  });

  it('turns an error response into a ServerError with only the error fields', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    // A resource the directory does not know: the emulator sends the error back through the redirect.
    const flow = await app.initiateAuthCodeFlow(['https://unknown.example.com/Read'], { redirectUri: REDIRECT });
    const response = await authorizeWithoutUi(emulator, flow.auth_uri);
    const err = await app.acquireTokenByAuthCodeFlow(flow, { ...response, access_token: 'injected' }).catch((e: unknown) => e);
    assert.ok(err instanceof ServerError);
    assert.equal(err.error, response['error']);
    assert.equal(Object.hasOwn(err, 'access_token'), false);
    assert.equal(err.status, 0);
    assert.match(err.error_description ?? '', /AADSTS/);
  });

  it('rejects a response with neither code nor error, and scopes outside the flow', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT });
    await assert.rejects(app.acquireTokenByAuthCodeFlow(flow, { state: flow.state }), TypeError);
    await assert.rejects(
      app.acquireTokenByAuthCodeFlow(flow, { state: flow.state, code: 'x' }, { scopes: ['https://management.azure.com/user_impersonation'] }),
      RangeError,
    );
    await assert.rejects(app.initiateAuthCodeFlow(['openid'], { redirectUri: REDIRECT }), RangeError);
    await assert.rejects(app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: 'not a url' }), TypeError);
  });

  it('a redeemed code cannot be redeemed again (the server error passes through)', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT, loginHint: DEFAULT_IDS.aliceUsername });
    const response = await authorizeWithoutUi(emulator, flow.auth_uri);
    await app.acquireTokenByAuthCodeFlow(flow, response);
    await assert.rejects(app.acquireTokenByAuthCodeFlow(flow, response), { code: 'server_error', error: 'invalid_grant' });
  });

  it('checks auth_time against max_age with the app clock', async () => {
    const skewed = Date.now() + 1_000_000;
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { now: () => skewed });
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT, loginHint: DEFAULT_IDS.aliceUsername, maxAge: 60 });
    const response = await authorizeWithoutUi(emulator, flow.auth_uri);
    const err = await app.acquireTokenByAuthCodeFlow(flow, response).catch((e: unknown) => e);
    assert.ok(err instanceof IdTokenError);
    // 1000 s ahead is past max_age but not past the id token's expiry: the max_age check is what failed.
    assert.equal(err.check, 'max_age');
  });

  it('a confidential web app authenticates its code redemption with its secret', async () => {
    const http = recordingHttp(emulator);
    const app = new ConfidentialClientApplication(DEFAULT_IDS.webApiClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.webApiSecret,
      httpClient: http,
      instanceDiscovery: false,
    });
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, {
      redirectUri: 'http://localhost/auth/callback',
      loginHint: DEFAULT_IDS.aliceUsername,
      responseMode: 'query',
    });
    const result = await app.acquireTokenByAuthCodeFlow(flow, new URLSearchParams(await authorizeWithoutUi(emulator, flow.auth_uri)));
    assert.equal(result.id_token_claims?.['aud'], DEFAULT_IDS.webApiClientId);
    const [tokenRequest] = http.to('/token');
    assert.equal(new URLSearchParams(tokenRequest?.body).get('client_secret'), DEFAULT_IDS.webApiSecret);
  });
});
