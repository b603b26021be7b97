// Options of MSAL Python's public API that the feature inventory found working but untested (docs/differences.md,
// "Parity audit"): each is sent the way MSAL Python sends it. Against the emulator, its requests recorded.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Prompt } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { GRAPH_USER_READ, makePca, recordingHttp } from './helpers.js';

const CHALLENGE = JSON.stringify({ access_token: { nbf: { essential: true, value: '1700000000' } } });

describe('MSAL Python options without a test of their own', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.close());

  it("Prompt holds MSAL Python's five values", () => {
    assert.deepEqual({ ...Prompt }, { NONE: 'none', LOGIN: 'login', CONSENT: 'consent', SELECT_ACCOUNT: 'select_account', CREATE: 'create' });
  });

  it("initiateAuthCodeFlow sends domain_hint, claims, extra scopes to consent, prompt and the caller's state", async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, {
      redirectUri: 'http://localhost:8400',
      domainHint: 'contoso.com',
      claimsChallenge: CHALLENGE,
      extraScopesToConsent: ['https://storage.azure.com/user_impersonation'],
      prompt: Prompt.SELECT_ACCOUNT,
      state: 'my-own-state',
    });
    const q = new URL(flow.auth_uri).searchParams;
    assert.equal(q.get('domain_hint'), 'contoso.com');
    assert.deepEqual(JSON.parse(q.get('claims') ?? '{}'), JSON.parse(CHALLENGE));
    assert.deepEqual((q.get('scope') ?? '').split(' ').sort(), [
      'https://graph.microsoft.com/User.Read',
      'https://storage.azure.com/user_impersonation',
      'offline_access',
      'openid',
      'profile',
    ]);
    assert.deepEqual(flow.scope, ['https://graph.microsoft.com/User.Read', 'openid', 'profile', 'offline_access'], 'extra scopes are consented, not redeemed');
    assert.equal(q.get('prompt'), 'select_account');
    assert.equal(q.get('state'), 'my-own-state');
    assert.equal(flow.state, 'my-own-state');
  });

  it('excludeScopes (exclude_scopes) keeps a reserved scope off the request, as MSAL Python does for offline_access', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { excludeScopes: ['offline_access'] });
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: 'http://localhost:8400' });
    const scopes = (new URL(flow.auth_uri).searchParams.get('scope') ?? '').split(' ');
    assert.deepEqual(scopes.sort(), ['https://graph.microsoft.com/User.Read', 'openid', 'profile']);
  });

  it('acquireTokenByDeviceFlow sends a claims challenge in the token request', async () => {
    const http = recordingHttp(emulator);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    const flow = await app.initiateDeviceFlow(GRAPH_USER_READ);
    emulator.approveDeviceCode(flow.user_code, DEFAULT_IDS.aliceUsername);
    await app.acquireTokenByDeviceFlow(flow, { claimsChallenge: CHALLENGE });
    const sent = new URLSearchParams(http.to('/token').at(-1)?.body).get('claims');
    assert.deepEqual(JSON.parse(sent ?? '{}'), JSON.parse(CHALLENGE));
  });

  it('acquireTokenByUsernamePassword sends a claims challenge in the token request', async () => {
    const http = recordingHttp(emulator);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ, {
      claimsChallenge: CHALLENGE,
    });
    const sent = new URLSearchParams(http.to('/token').at(-1)?.body).get('claims');
    assert.deepEqual(JSON.parse(sent ?? '{}'), JSON.parse(CHALLENGE));
  });
});
