// getAuthorizationRequestUrl / acquireTokenByAuthorizationCode (MSAL Python's older auth code pair) against the
// emulator's no-UI authorize endpoint: the caller's own state, nonce and PKCE pair, and a cache filled exactly as the
// auth code flow fills it. Also initiateAuthCodeFlow's responseType, and the exported ClientApplication base class.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ClientApplication, IdTokenError, PublicClientApplication, SerializableTokenCache, ServerError } from '../../src/index.js';
import { authorizeWithoutUi, GRAPH_USER_READ, makePca, recordingHttp } from './helpers.js';

const REDIRECT = 'http://localhost:8400';

/** A serialized cache with secrets blanked: what is left must not depend on which path filled it. */
function shape(cache: unknown): Record<string, Record<string, Record<string, unknown>>> {
  assert.ok(cache instanceof SerializableTokenCache);
  const parsed = JSON.parse(cache.serialize()) as Record<string, Record<string, Record<string, unknown>>>;
  for (const section of Object.values(parsed)) {
    for (const entry of Object.values(section)) if ('secret' in entry) entry['secret'] = '<secret>';
  }
  return parsed;
}

describe('getAuthorizationRequestUrl and acquireTokenByAuthorizationCode against the emulator', () => {
  let emulator: Emulator;
  const now = Date.now();

  before(async () => {
    emulator = await startEmulator({ config: { autoApprove: DEFAULT_IDS.aliceUsername } });
  });
  after(async () => {
    await emulator.close();
  });

  it("builds the URL from the caller's own values only, as MSAL Python does", async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const url = await app.getAuthorizationRequestUrl(GRAPH_USER_READ, {
      redirectUri: REDIRECT,
      state: 'my-state',
      nonce: 'my-nonce',
      loginHint: DEFAULT_IDS.aliceUsername,
      codeChallenge: 'abc',
    });
    const q = new URL(url).searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('scope'), 'https://graph.microsoft.com/User.Read offline_access openid profile');
    assert.equal(q.get('state'), 'my-state');
    assert.equal(q.get('nonce'), 'my-nonce', 'the nonce is sent as given, not hashed');
    assert.equal(q.get('code_challenge'), 'abc');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.equal(q.get('client_info'), null);
    const bare = new URL(await app.getAuthorizationRequestUrl(GRAPH_USER_READ, { responseType: ['id_token', 'token'] })).searchParams;
    assert.equal(bare.get('response_type'), 'id_token token');
    for (const name of ['state', 'nonce', 'redirect_uri', 'code_challenge', 'code_challenge_method', 'prompt']) {
      assert.equal(bare.get(name), null, `${name} is not made up when not given`);
    }
  });

  it("fills the cache exactly as acquireTokenByAuthCodeFlow does, with the caller's nonce and PKCE pair", async () => {
    const viaFlow = makePca(emulator, DEFAULT_IDS.publicClientId, { now: () => now });
    const flow = await viaFlow.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT });
    await viaFlow.acquireTokenByAuthCodeFlow(flow, await authorizeWithoutUi(emulator, flow.auth_uri));

    const http = recordingHttp(emulator);
    const viaCode = makePca(emulator, DEFAULT_IDS.publicClientId, { now: () => now, httpClient: http });
    const verifier = randomBytes(32).toString('base64url');
    const url = await viaCode.getAuthorizationRequestUrl(GRAPH_USER_READ, {
      redirectUri: REDIRECT,
      state: 'kept-by-the-app',
      nonce: 'nonce-kept-by-the-app',
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    });
    const response = await authorizeWithoutUi(emulator, url);
    assert.equal(response['state'], 'kept-by-the-app');
    const code = response['code'] ?? '';
    const result = await viaCode.acquireTokenByAuthorizationCode(code, GRAPH_USER_READ, {
      redirectUri: REDIRECT,
      nonce: 'nonce-kept-by-the-app',
      codeVerifier: verifier,
    });
    assert.equal(result.token_source, 'identity_provider');
    assert.equal(result.id_token_claims?.['nonce'], 'nonce-kept-by-the-app');
    const form = new URLSearchParams(String(http.to('/oauth2/v2.0/token')[0]?.body));
    assert.equal(form.get('code_verifier'), verifier);
    assert.equal(form.get('client_info'), '1');

    const filled = shape(viaCode.tokenCache);
    assert.deepEqual(
      Object.entries(filled).map(([section, entries]) => [section, Object.keys(entries).length]),
      [
        ['AccessToken', 1],
        ['Account', 1],
        ['IdToken', 1],
        ['RefreshToken', 1],
        ['AppMetadata', 1],
      ],
    );
    assert.deepEqual(filled, shape(viaFlow.tokenCache));
    const [account] = await viaCode.getAccounts();
    assert.equal(account?.account_source, 'authorization_code');
    const silent = await viaCode.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(silent?.access_token, result.access_token);
  });

  it("refuses an id token whose nonce is not the caller's, and a wrong PKCE verifier", async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const url = await app.getAuthorizationRequestUrl(GRAPH_USER_READ, { redirectUri: REDIRECT, nonce: 'sent' });
    const { code = '' } = await authorizeWithoutUi(emulator, url);
    const err = await app.acquireTokenByAuthorizationCode(code, GRAPH_USER_READ, { redirectUri: REDIRECT, nonce: 'other' }).catch((e: unknown) => e);
    assert.ok(err instanceof IdTokenError);
    assert.equal(err.check, 'nonce');

    const pkceUrl = await app.getAuthorizationRequestUrl(GRAPH_USER_READ, {
      redirectUri: REDIRECT,
      codeChallenge: 'x'.repeat(43),
      codeChallengeMethod: 'plain',
    });
    const { code: pkceCode = '' } = await authorizeWithoutUi(emulator, pkceUrl);
    await assert.rejects(
      app.acquireTokenByAuthorizationCode(pkceCode, GRAPH_USER_READ, { redirectUri: REDIRECT, codeVerifier: 'y'.repeat(43) }),
      (e: unknown) => e instanceof ServerError && e.error === 'invalid_grant',
    );
  });

  it('checks its arguments before any request', async () => {
    const http = recordingHttp(emulator);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    await assert.rejects(app.getAuthorizationRequestUrl(GRAPH_USER_READ, { redirectUri: 'not a url' }), TypeError);
    await assert.rejects(app.getAuthorizationRequestUrl(GRAPH_USER_READ, { codeChallengeMethod: 'S256' }), /needs options.codeChallenge/);
    await assert.rejects(app.getAuthorizationRequestUrl(GRAPH_USER_READ, { code_verifier: 'x' } as never), /unknown option "code_verifier"/);
    await assert.rejects(app.acquireTokenByAuthorizationCode('', GRAPH_USER_READ), /code must be a non-empty string/);
    await assert.rejects(app.acquireTokenByAuthorizationCode('c', GRAPH_USER_READ, { data: { code_verifier: 'x' } }), {
      name: 'RangeError',
      message: /pass the verifier as options.codeVerifier/,
    });
    await assert.rejects(app.acquireTokenByAuthorizationCode('c', ['openid']), RangeError);
    assert.equal(http.requests.length, 0);
  });

  it('initiateAuthCodeFlow sends responseType (default code) and refuses implicit-grant values, as MSAL Python', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT, responseType: 'code' });
    assert.equal(new URL(flow.auth_uri).searchParams.get('response_type'), 'code');
    for (const responseType of ['token', 'id_token', 'code id_token']) {
      await assert.rejects(app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT, responseType }), RangeError);
    }
  });

  it('exports ClientApplication, the base of both application kinds, as MSAL Python does', () => {
    const app = new PublicClientApplication(DEFAULT_IDS.publicClientId, { instanceDiscovery: false });
    assert.ok(app instanceof ClientApplication);
    assert.equal(typeof ClientApplication.prototype.acquireTokenByAuthorizationCode, 'function');
  });
});
