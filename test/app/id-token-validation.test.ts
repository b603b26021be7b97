// Id token validation end to end: the emulator's token responses are rewritten on the way in (re-signed with the
// emulator's own signing key, so only the claim under test is wrong), and its JWKS is served stale once to prove the
// refresh on an unknown kid.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JWKS_MAX_AGE_MS } from '../../src/authority/jwks.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { IdTokenError } from '../../src/errors.js';
import type { HttpRequest, HttpResponse } from '../../src/http/http-client.js';
import { authorizeWithoutUi, GRAPH_USER_READ, makePca, recordingHttp, type RecordingHttp } from './helpers.js';

type Claims = Record<string, unknown>;

describe('id token validation against the emulator', () => {
  let emulator: Emulator;
  let signingKey: KeyObject;

  before(async () => {
    emulator = await startEmulator({ config: { autoApprove: DEFAULT_IDS.aliceUsername } });
    signingKey = createPrivateKey(readFileSync(join(emulator.stateDir, 'signing', 'key.pem'), 'utf8'));
  });
  after(async () => {
    await emulator.close();
  });

  function resign(idToken: string, edit: (header: Claims, claims: Claims) => void, keepSignature = false): string {
    const [h = '', p = '', s = ''] = idToken.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Claims;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Claims;
    edit(header, claims);
    const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${keepSignature ? s : sign('sha256', Buffer.from(input), signingKey).toString('base64url')}`;
  }

  function rewriteIdToken(http: RecordingHttp, edit: (header: Claims, claims: Claims) => void, keepSignature = false): void {
    http.rewrite = (req: HttpRequest, res: HttpResponse): HttpResponse => {
      if (!req.url.endsWith('/token') || res.status !== 200) return res;
      const body = JSON.parse(res.body) as Claims;
      if (typeof body['id_token'] === 'string') body['id_token'] = resign(body['id_token'], edit, keepSignature);
      return { ...res, body: JSON.stringify(body) };
    };
  }

  async function ropcFailure(edit: (header: Claims, claims: Claims) => void, keepSignature = false): Promise<IdTokenError> {
    const http = recordingHttp(emulator);
    rewriteIdToken(http, edit, keepSignature);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    const err = await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ).catch((e: unknown) => e);
    assert.ok(err instanceof IdTokenError, `expected IdTokenError, got ${String(err)}`);
    assert.deepEqual(await app.getAccounts(), [], 'nothing was cached');
    return err;
  }

  it('accepts the untouched, re-signed token (the rewriting itself is sound)', async () => {
    const http = recordingHttp(emulator);
    rewriteIdToken(http, () => undefined);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    const result = await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    assert.equal(result.id_token_claims?.['aud'], DEFAULT_IDS.publicClientId);
  });

  it('refuses another audience', async () => {
    assert.equal((await ropcFailure((_h, c) => (c['aud'] = DEFAULT_IDS.familyClientIdA))).check, 'audience');
  });

  it('refuses another issuer', async () => {
    assert.equal((await ropcFailure((_h, c) => (c['iss'] = `${emulator.url}/${DEFAULT_IDS.secondTenantId}/v2.0`))).check, 'issuer');
  });

  it('refuses an expired token', async () => {
    assert.equal((await ropcFailure((_h, c) => (c['exp'] = Math.floor(Date.now() / 1000) - 600))).check, 'expired');
  });

  it('refuses a token whose claims were changed after signing', async () => {
    assert.equal((await ropcFailure((_h, c) => (c['preferred_username'] = DEFAULT_IDS.bobUsername), true)).check, 'signature');
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    assert.equal((await ropcFailure((h) => (h['kid'] = 'not-published'))).check, 'unknown_key');
  });

  it("refuses a nonce that is not the flow's", async () => {
    const http = recordingHttp(emulator);
    rewriteIdToken(http, (_h, c) => (c['nonce'] = 'replayed'));
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    const flow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: 'http://localhost' });
    const response = await authorizeWithoutUi(emulator, flow.auth_uri);
    await assert.rejects(app.acquireTokenByAuthCodeFlow(flow, response), { code: 'invalid_id_token', check: 'nonce' });
  });

  /**
   * An app whose clock the test moves, in front of an issuer that can withdraw its signing key: once `withdrawn`, the
   * JWKS publishes only another key, while the emulator keeps signing with the old one. Id tokens are re-signed with
   * lifetimes on the app's clock, so only the key decides. `jwksHeaders` are added to every JWKS response.
   */
  function rotatingIssuer(jwksHeaders: Record<string, string> = {}): {
    http: RecordingHttp;
    clock: { now: number };
    withdraw: () => void;
    signIn: () => Promise<unknown>;
  } {
    const http = recordingHttp(emulator);
    const clock = { now: Date.now() };
    let withdrawn = false;
    const next = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    http.rewrite = (req, res) => {
      if (req.url.includes('/discovery/v2.0/keys')) {
        const body = withdrawn ? JSON.stringify({ keys: [{ ...next, kid: 'next-key', use: 'sig' }] }) : res.body;
        return { ...res, headers: { ...res.headers, ...jwksHeaders }, body };
      }
      if (!req.url.endsWith('/token') || res.status !== 200) return res;
      const body = JSON.parse(res.body) as Claims;
      const iat = Math.floor(clock.now / 1000);
      if (typeof body['id_token'] === 'string') body['id_token'] = resign(body['id_token'], (_h, c) => Object.assign(c, { iat, nbf: iat, exp: iat + 3600 }));
      return { ...res, body: JSON.stringify(body) };
    };
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http, now: () => clock.now });
    return {
      http,
      clock,
      withdraw: () => (withdrawn = true),
      signIn: () => app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ),
    };
  }

  it('stops trusting a key the issuer withdrew once the cached keys are 24 h old', async () => {
    const issuer = rotatingIssuer();
    await issuer.signIn();
    assert.equal(issuer.http.to('/keys').length, 1);
    issuer.withdraw();
    issuer.clock.now += JWKS_MAX_AGE_MS - 60_000;
    await issuer.signIn();
    assert.equal(issuer.http.to('/keys').length, 1, 'keys younger than 24 h are not fetched again');
    issuer.clock.now += 60_000;
    await assert.rejects(issuer.signIn(), { code: 'invalid_id_token', check: 'unknown_key' });
    assert.equal(issuer.http.to('/keys').length, 2, 'one scheduled refresh, no second fetch for the unknown kid');
  });

  it("stops trusting a withdrawn key after the JWKS response's max-age", async () => {
    const issuer = rotatingIssuer({ 'cache-control': 'public, max-age=600' });
    await issuer.signIn();
    issuer.withdraw();
    issuer.clock.now += 599_000;
    await issuer.signIn();
    assert.equal(issuer.http.to('/keys').length, 1);
    issuer.clock.now += 1_000;
    await assert.rejects(issuer.signIn(), { code: 'invalid_id_token', check: 'unknown_key' });
    assert.equal(issuer.http.to('/keys').length, 2);
  });

  it('a max-age longer than 24 h, or shorter than the unknown-kid interval, is clamped', async () => {
    const long = rotatingIssuer({ 'cache-control': 'max-age=31536000' });
    await long.signIn();
    long.withdraw();
    long.clock.now += JWKS_MAX_AGE_MS;
    await assert.rejects(long.signIn(), { check: 'unknown_key' });
    const short = rotatingIssuer({ 'cache-control': 'max-age=0' });
    await short.signIn();
    short.clock.now += 59_000;
    await short.signIn();
    assert.equal(short.http.to('/keys').length, 1, 'max-age=0 does not mean a JWKS fetch per token');
  });

  it('fetches the JWKS again once when the token names a key it has not seen (rollover)', async () => {
    const http = recordingHttp(emulator);
    let jwksServed = 0;
    http.rewrite = (req, res) => {
      if (!req.url.includes('/discovery/v2.0/keys') || jwksServed++ > 0) return res;
      // The first JWKS is stale: the key is there under its old id.
      const doc = JSON.parse(res.body) as { keys: Claims[] };
      return { ...res, body: JSON.stringify({ keys: doc.keys.map((k) => ({ ...k, kid: 'previous-key' })) }) };
    };
    const t = Date.now();
    let now = t;
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http, now: () => now });
    // The first fetch happens on this sign-in; its kid is unknown but the set was fetched just now: no refetch yet.
    await assert.rejects(app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ), { check: 'unknown_key' });
    assert.equal(http.to('/keys').length, 1);
    now = t + 61_000;
    const result = await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    assert.equal(typeof result.id_token_claims?.['sub'], 'string');
    assert.equal(http.to('/keys').length, 2, 'one refresh');
    await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    assert.equal(http.to('/keys').length, 2, 'the refreshed set is cached');
  });
});
