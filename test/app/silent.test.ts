// acquireTokenSilent / acquireTokenSilentWithError against the emulator, on a clock shared by the app and the
// emulator: cache hit, refresh near expiry (the refresh token replaced in place), forceRefresh, claims and client
// capabilities, invalid_grant keeping the refresh token, suberror classification, the aging fallback, concurrent
// callers sharing one refresh, and FOCI across the emulator's two family apps.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { PublicClientApplication } from '../../src/app/public-client-application.js';
import { SerializableTokenCache } from '../../src/cache/serializable-token-cache.js';
import type { Account } from '../../src/cache/cache-types.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ServerError } from '../../src/errors.js';
import { GRAPH_USER_READ, makePca, recordingHttp, total, type RecordingHttp } from './helpers.js';

describe('silent token acquisition against the emulator', () => {
  let emulator: Emulator;
  let t = Math.floor(Date.now() / 1000);

  before(async () => {
    emulator = await startEmulator({ clock: () => t });
  });
  after(async () => {
    await emulator.close();
  });
  beforeEach(() => {
    emulator.clearFaults();
    emulator.resetCounters();
  });

  interface SignedIn {
    app: PublicClientApplication;
    http: RecordingHttp;
    cache: SerializableTokenCache;
    account: Account;
    accessToken: string;
  }

  async function signIn(
    clientId: string = DEFAULT_IDS.publicClientId,
    extra: { cache?: SerializableTokenCache; clientCapabilities?: string[]; username?: string; password?: string } = {},
  ): Promise<SignedIn> {
    const http = recordingHttp(emulator);
    const cache = extra.cache ?? new SerializableTokenCache();
    const app = makePca(emulator, clientId, { httpClient: http, tokenCache: cache, now: () => t * 1000, clientCapabilities: extra.clientCapabilities });
    const result = await app.acquireTokenByUsernamePassword(
      extra.username ?? DEFAULT_IDS.aliceUsername,
      extra.password ?? DEFAULT_IDS.alicePassword,
      GRAPH_USER_READ,
    );
    const [account] = await app.getAccounts(extra.username ?? DEFAULT_IDS.aliceUsername);
    assert.ok(account);
    emulator.resetCounters();
    return { app, http, cache, account, accessToken: result.access_token };
  }

  function refreshTokens(cache: SerializableTokenCache): Array<Record<string, string>> {
    const json = JSON.parse(cache.serialize()) as Record<string, Record<string, Record<string, string>>>;
    return Object.values(json['RefreshToken'] ?? {});
  }

  it('serves a cached token without any request', async () => {
    const { app, account, accessToken } = await signIn();
    const result = await app.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(result?.token_source, 'cache');
    assert.equal(result.access_token, accessToken);
    assert.equal(total(emulator.counters()), 0);
  });

  it('refreshes within 5 minutes of expiry, replaces the refresh token in place, and sends the Oid anchor', async () => {
    const { app, http, cache, account, accessToken } = await signIn();
    const [before] = refreshTokens(cache);
    t += 3600 - 299;
    const result = await app.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(result?.token_source, 'identity_provider');
    assert.notEqual(result.access_token, accessToken);
    assert.equal(emulator.counters()['token:refresh_token'], 1);
    const after = refreshTokens(cache);
    assert.equal(after.length, 1, 'one refresh token, updated in place');
    assert.equal(after[0]?.['secret'], result.refresh_token);
    assert.notEqual(after[0]?.['last_modification_time'], before?.['last_modification_time']);
    const request = http.to('/token').at(-1);
    assert.equal(request?.headers['x-anchormailbox'], `Oid:${account.home_account_id.replace('.', '@')}`);
    assert.equal((await app.getAccounts()).length, 1);
    const again = await app.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(again?.access_token, result.access_token);
  });

  it('forceRefresh skips the access token cache', async () => {
    const { app, account, accessToken } = await signIn();
    const result = await app.acquireTokenSilent(GRAPH_USER_READ, { account, forceRefresh: true });
    assert.equal(result?.token_source, 'identity_provider');
    assert.notEqual(result.access_token, accessToken);
  });

  it('a claims challenge skips the cache and is sent merged with the client capabilities', async () => {
    const { app, http, account } = await signIn(DEFAULT_IDS.publicClientId, { clientCapabilities: ['CP1'] });
    const cached = await app.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(cached?.token_source, 'cache', 'capabilities alone do not bypass the cache');
    const challenge = JSON.stringify({ access_token: { nbf: { essential: true, value: '1700000000' } } });
    const result = await app.acquireTokenSilent(GRAPH_USER_READ, { account, claimsChallenge: challenge });
    assert.equal(result?.token_source, 'identity_provider');
    const sent = new URLSearchParams(http.to('/token').at(-1)?.body).get('claims');
    assert.deepEqual(JSON.parse(sent ?? '{}'), {
      access_token: { nbf: { essential: true, value: '1700000000' }, xms_cc: { values: ['CP1'] } },
    });
  });

  it('invalid_grant keeps the refresh token: silent resolves undefined, WithError throws it', async () => {
    const { app, cache, account } = await signIn();
    t += 3600;
    emulator.injectFault({ kind: 'invalid_grant', endpoint: 'token', grantType: 'refresh_token', count: 1 });
    assert.equal(await app.acquireTokenSilent(GRAPH_USER_READ, { account }), undefined);
    // The identical request is answered from the 60 s "UI required" throttle, as MSAL Python does.
    const err = await app.acquireTokenSilentWithError(GRAPH_USER_READ, { account }).catch((e: unknown) => e);
    assert.ok(err instanceof ServerError);
    assert.equal(err.error, 'invalid_grant');
    assert.equal(emulator.counters()['token:refresh_token'], 1);
    assert.equal(refreshTokens(cache).length, 1, 'the refresh token is kept');
    t += 61;
    const recovered = await app.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(recovered?.token_source, 'identity_provider');
  });

  it('classifies suberrors as MSAL Python does', async () => {
    const { app, account } = await signIn();
    const body = (suberror: string): string => JSON.stringify({ error: 'invalid_grant', error_description: 'AADSTS50173: revoked', suberror });
    emulator.injectFault({ kind: 'status', status: 400, body: body('bad_token'), endpoint: 'token', grantType: 'refresh_token' });
    const suppressed = await app.acquireTokenSilentWithError(GRAPH_USER_READ, { account, forceRefresh: true }).catch((e: unknown) => e);
    assert.ok(suppressed instanceof ServerError);
    assert.equal(suppressed.classification, '');
    t += 61; // past the "UI required" throttle of the identical request
    emulator.injectFault({ kind: 'status', status: 400, body: body('basic_action'), endpoint: 'token', grantType: 'refresh_token' });
    const kept = await app.acquireTokenSilentWithError(GRAPH_USER_READ, { account, forceRefresh: true }).catch((e: unknown) => e);
    assert.ok(kept instanceof ServerError);
    assert.equal(kept.classification, 'basic_action');
  });

  it('an aging token is refreshed, and served when the refresh fails', async () => {
    const { app, http, account } = await signIn();
    // The emulator sends no refresh_in; the transport adds one, as Entra does for long-lived tokens.
    http.rewrite = (req, res) => {
      if (!req.url.endsWith('/token') || res.status !== 200) return res;
      return { ...res, body: JSON.stringify({ ...(JSON.parse(res.body) as object), refresh_in: 600 }) };
    };
    const aging = await app.acquireTokenSilent(GRAPH_USER_READ, { account, forceRefresh: true });
    assert.equal(aging?.refresh_on, t + 600);
    t += 700;
    // count 2: the first answer and the one retry.
    emulator.injectFault({ kind: 'status', status: 503, endpoint: 'token', count: 2 });
    const fallback = await app.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(fallback?.token_source, 'cache');
    assert.equal(fallback.access_token, aging.access_token);
    t += 61; // past the throttle the 503 started
    emulator.injectFault({ kind: 'reset', endpoint: 'token', count: 2 });
    const despiteNetwork = await app.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(despiteNetwork?.access_token, aging.access_token, 'a network failure falls back too');
    const refreshed = await app.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(refreshed?.token_source, 'identity_provider');
    assert.notEqual(refreshed.access_token, aging.access_token);
  });

  it('concurrent callers share one refresh', async () => {
    const { app, account } = await signIn();
    t += 3600;
    const results = await Promise.all(Array.from({ length: 8 }, () => app.acquireTokenSilent(GRAPH_USER_READ, { account })));
    assert.equal(emulator.counters()['token:refresh_token'], 1);
    assert.equal(new Set(results.map((r) => r?.access_token)).size, 1);
  });

  it('resolves undefined when the cache has nothing for the account', async () => {
    const { account } = await signIn();
    const other = makePca(emulator, DEFAULT_IDS.publicClientId);
    assert.equal(await other.acquireTokenSilentWithError(GRAPH_USER_READ, { account }), undefined);
    await assert.rejects(other.acquireTokenSilent(GRAPH_USER_READ, {} as never), TypeError);
    await assert.rejects(other.acquireTokenSilent(['openid'], { account }), RangeError);
  });

  describe('FOCI', () => {
    it("family app B signs in silently with app A's family refresh token, before knowing it is in the family", async () => {
      const a = await signIn(DEFAULT_IDS.familyClientIdA);
      const b = makePca(emulator, DEFAULT_IDS.familyClientIdB, { tokenCache: a.cache, now: () => t * 1000 });
      assert.equal(a.cache.getAppMetadata('127.0.0.1', DEFAULT_IDS.familyClientIdB), undefined);
      const [account] = await b.getAccounts();
      assert.ok(account);
      const result = await b.acquireTokenSilent(GRAPH_USER_READ, { account });
      assert.equal(result?.token_source, 'identity_provider');
      assert.equal(result.id_token_claims?.['aud'], DEFAULT_IDS.familyClientIdB);
      assert.equal(a.cache.getAppMetadata('127.0.0.1', DEFAULT_IDS.familyClientIdB)?.family_id, '1');
      assert.equal(refreshTokens(a.cache).length, 1, "A's family refresh token was updated in place");
    });

    it('a non-family app cannot use the family token, and stops at client_mismatch', async () => {
      const a = await signIn(DEFAULT_IDS.familyClientIdA);
      const c = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: a.cache, now: () => t * 1000 });
      const [account] = await c.getAccounts();
      assert.ok(account);
      assert.equal(await c.acquireTokenSilentWithError(GRAPH_USER_READ, { account }), undefined, 'the failed family attempt is not its error');
      assert.equal(emulator.counters()['token:refresh_token'], 1);

      // A second family refresh token (app B's own): client_mismatch on the newest stops the loop.
      // B's token is the newer one (the attempt with A's is still in the 60 s "UI required" throttle).
      t += 1;
      await signIn(DEFAULT_IDS.familyClientIdB, { cache: a.cache });
      const mismatch = JSON.stringify({ error: 'invalid_grant', error_description: 'AADSTS70000', suberror: 'client_mismatch' });
      emulator.injectFault({ kind: 'status', status: 400, body: mismatch, endpoint: 'token', grantType: 'refresh_token', count: 5 });
      assert.equal(refreshTokens(a.cache).length, 2);
      assert.equal(await c.acquireTokenSilentWithError(GRAPH_USER_READ, { account }), undefined);
      assert.equal(emulator.counters()['token:refresh_token'], 1, 'one attempt, then it stopped');
    });
  });
});
