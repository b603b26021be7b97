// Attacks on the user sign-in flows, each rejected with a typed error AND with the token cache exactly as it was
// (the serialized cache before and after are equal, and hasStateChanged stays false). The emulator issues real tokens;
// the attacks rewrite its answers on the way in (id tokens re-signed with the emulator's own key, so only the claim
// under test is wrong) or play the browser.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PublicClientApplication } from '../../src/app/public-client-application.js';
import { SerializableTokenCache } from '../../src/cache/serializable-token-cache.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { BrowserInteractionTimeoutError, IdTokenError, ServerError, StateMismatchError } from '../../src/errors.js';
import type { HttpRequest, HttpResponse } from '../../src/http/http-client.js';
import { authorizeWithoutUi, GRAPH_USER_READ, makePca, recordingHttp, type RecordingHttp } from './helpers.js';

type Claims = Record<string, unknown>;
const REDIRECT = 'http://localhost:8400';

/** GETs `url` on 127.0.0.1 with the given Host header; resolves the status. */
function getWithHost(url: string, host: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: u.port, path: `${u.pathname}${u.search}`, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('sign-in attacks are refused and leave the cache untouched', () => {
  let emulator: Emulator;
  let emulatorKey: KeyObject;
  const attackerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  before(async () => {
    emulator = await startEmulator({ config: { autoApprove: DEFAULT_IDS.aliceUsername } });
    emulatorKey = createPrivateKey(readFileSync(join(emulator.stateDir, 'signing', 'key.pem'), 'utf8'));
  });
  after(async () => {
    await emulator.close();
  });

  interface Setup {
    app: PublicClientApplication;
    cache: SerializableTokenCache;
    http: RecordingHttp;
  }

  /** An app whose cache already holds a signed-in user, so "untouched" compares a real cache. */
  async function signedIn(): Promise<Setup> {
    const cache = new SerializableTokenCache();
    const http = recordingHttp(emulator);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http, tokenCache: cache });
    await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    return { app, cache, http };
  }

  /** Runs the attack; it must reject as `expected`, and the cache must be byte for byte what it was. */
  async function refusedWithCacheUntouched(cache: SerializableTokenCache, attack: () => Promise<unknown>, expected: assert.AssertPredicate): Promise<void> {
    const before = cache.serialize(); // also resets hasStateChanged
    await assert.rejects(attack(), expected);
    assert.equal(cache.hasStateChanged, false, 'nothing was written to the cache');
    assert.equal(cache.serialize(), before, 'the serialized cache is unchanged');
  }

  /** Rewrites the id token of every token response: `edit` changes its header and claims; `key` signs it. */
  function forgeIdTokens(http: RecordingHttp, edit: (header: Claims, claims: Claims) => void, key: KeyObject = emulatorKey): void {
    http.rewrite = (req: HttpRequest, res: HttpResponse): HttpResponse => {
      if (!req.url.endsWith('/token') || res.status !== 200) return res;
      const body = JSON.parse(res.body) as Claims;
      const idToken = body['id_token'];
      if (typeof idToken !== 'string') return res;
      const [h = '', p = ''] = idToken.split('.');
      const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Claims;
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Claims;
      edit(header, claims);
      const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      body['id_token'] = `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
      return { ...res, body: JSON.stringify(body) };
    };
  }

  async function authCodeSignIn(app: PublicClientApplication): Promise<unknown> {
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT });
    const response = await authorizeWithoutUi(emulator, flow.auth_uri);
    return app.acquireTokenByAuthCodeFlow(flow, response);
  }

  it('a forged state in the redirect (auth code flow): StateMismatchError, no redemption', async () => {
    const { app, cache, http } = await signedIn();
    await refusedWithCacheUntouched(
      cache,
      async () => {
        const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT });
        const response = await authorizeWithoutUi(emulator, flow.auth_uri);
        return app.acquireTokenByAuthCodeFlow(flow, { ...response, state: 'forged' });
      },
      StateMismatchError,
    );
    assert.equal(http.to('/token').length, 1, 'only the first sign-in reached the token endpoint');
  });

  it('a forged state at the loopback server (interactive): refused there, the sign-in times out', async () => {
    const { app, cache } = await signedIn();
    const statuses: number[] = [];
    await refusedWithCacheUntouched(
      cache,
      () =>
        app.acquireTokenInteractive(GRAPH_USER_READ, {
          timeoutMs: 2000,
          openBrowser: async (url) => {
            const back = await authorizeWithoutUi(emulator, url);
            const redirect = new URL(new URL(url).searchParams.get('redirect_uri') ?? '');
            redirect.search = new URLSearchParams({ ...back, state: 'forged' }).toString();
            statuses.push(await getWithHost(redirect.href, redirect.host));
          },
        }),
      BrowserInteractionTimeoutError,
    );
    assert.deepEqual(statuses, [400], 'the loopback server answered the forged response with an error page');
  });

  it('a replayed authorization code: the server refuses it (ServerError invalid_grant)', async () => {
    const { app, cache } = await signedIn();
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: REDIRECT });
    const response = await authorizeWithoutUi(emulator, flow.auth_uri);
    await app.acquireTokenByAuthCodeFlow(flow, response);
    await refusedWithCacheUntouched(
      cache,
      () => app.acquireTokenByAuthCodeFlow(flow, response),
      (err: unknown) => {
        assert.ok(err instanceof ServerError);
        assert.equal(err.error, 'invalid_grant');
        return true;
      },
    );
  });

  it('an id token with another nonce: IdTokenError (nonce)', async () => {
    const { app, cache, http } = await signedIn();
    forgeIdTokens(http, (_h, c) => (c['nonce'] = 'a-nonce-from-another-sign-in'));
    await refusedWithCacheUntouched(cache, () => authCodeSignIn(app), { name: IdTokenError.name, check: 'nonce' });
  });

  it('an id token signed by a key the issuer does not publish: IdTokenError (unknown_key)', async () => {
    const { app, cache, http } = await signedIn();
    forgeIdTokens(http, (h) => (h['kid'] = 'attacker-key'), attackerKey);
    await refusedWithCacheUntouched(cache, () => authCodeSignIn(app), { name: IdTokenError.name, check: 'unknown_key' });
  });

  it("an id token signed by another key under the issuer's key id: IdTokenError (signature)", async () => {
    const { app, cache, http } = await signedIn();
    forgeIdTokens(http, () => undefined, attackerKey);
    await refusedWithCacheUntouched(cache, () => authCodeSignIn(app), { name: IdTokenError.name, check: 'signature' });
  });

  it('an id token for another audience: IdTokenError (audience)', async () => {
    const { app, cache, http } = await signedIn();
    forgeIdTokens(http, (_h, c) => (c['aud'] = DEFAULT_IDS.familyClientIdA));
    await refusedWithCacheUntouched(cache, () => authCodeSignIn(app), { name: IdTokenError.name, check: 'audience' });
  });

  it('an expired id token: IdTokenError (expired)', async () => {
    const { app, cache, http } = await signedIn();
    const past = Math.floor(Date.now() / 1000) - 7200;
    forgeIdTokens(http, (_h, c) => Object.assign(c, { iat: past, nbf: past, exp: past + 3600 }));
    await refusedWithCacheUntouched(cache, () => authCodeSignIn(app), { name: IdTokenError.name, check: 'expired' });
  });

  it('a silent refresh whose id token is for another audience: thrown, and the refresh token is not rotated', async () => {
    const { app, cache, http } = await signedIn();
    const [account] = await app.getAccounts();
    assert.ok(account !== undefined);
    forgeIdTokens(http, (_h, c) => (c['aud'] = DEFAULT_IDS.familyClientIdA));
    await refusedWithCacheUntouched(cache, () => app.acquireTokenSilent(GRAPH_USER_READ, { account, forceRefresh: true }), {
      name: IdTokenError.name,
      check: 'audience',
    });
    assert.equal(http.to('/token').length, 2, 'the refresh was sent, its answer refused');
  });

  it('an interactive redirect host that is not loopback: TypeError before anything starts', async () => {
    const { app, cache } = await signedIn();
    let opened = 0;
    await refusedWithCacheUntouched(
      cache,
      () =>
        app.acquireTokenInteractive(GRAPH_USER_READ, {
          redirectHost: 'attacker.example' as 'localhost',
          openBrowser: () => {
            opened++;
            return Promise.resolve();
          },
        }),
      TypeError,
    );
    assert.equal(opened, 0, 'no browser was opened');
  });

  it('an authorization endpoint that smuggles its own redirect_uri: the request carries only the loopback one', async () => {
    const { cache, http } = await signedIn();
    http.rewrite = (req, res) => {
      if (!req.url.includes('/.well-known/openid-configuration')) return res;
      const doc = JSON.parse(res.body) as Claims;
      doc['authorization_endpoint'] = `${String(doc['authorization_endpoint'])}?redirect_uri=https%3A%2F%2Fattacker.example%2Fcb&state=attacker`;
      return { ...res, body: JSON.stringify(doc) };
    };
    const fresh = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http, tokenCache: cache });
    const sent: string[] = [];
    await refusedWithCacheUntouched(
      cache,
      () =>
        fresh.acquireTokenInteractive(GRAPH_USER_READ, {
          timeoutMs: 500,
          openBrowser: (url) => {
            sent.push(url);
            return Promise.resolve();
          },
        }),
      BrowserInteractionTimeoutError,
    );
    const query = new URL(sent[0] ?? '').searchParams;
    const redirects = query.getAll('redirect_uri');
    assert.equal(redirects.length, 1);
    assert.match(redirects[0] ?? '', /^http:\/\/localhost:\d+$/);
    assert.equal(query.getAll('state').length, 1);
    assert.notEqual(query.get('state'), 'attacker');
  });

  it('a response delivered to the loopback port under another host name: refused, the sign-in times out', async () => {
    const { app, cache } = await signedIn();
    const statuses: number[] = [];
    await refusedWithCacheUntouched(
      cache,
      () =>
        app.acquireTokenInteractive(GRAPH_USER_READ, {
          timeoutMs: 2000,
          openBrowser: async (url) => {
            const back = await authorizeWithoutUi(emulator, url);
            const redirect = new URL(new URL(url).searchParams.get('redirect_uri') ?? '');
            redirect.search = new URLSearchParams(back).toString();
            // A page on attacker.example whose name now resolves to 127.0.0.1 (DNS rebinding) posts the real code.
            statuses.push(await getWithHost(redirect.href, `attacker.example:${redirect.port}`));
          },
        }),
      BrowserInteractionTimeoutError,
    );
    assert.deepEqual(statuses, [400]);
  });
});
