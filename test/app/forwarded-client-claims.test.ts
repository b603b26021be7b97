// forwardedClientClaims (MSAL Python 1.38's forwarded_client_claims, PR 937) against the emulator: client-originated
// claims are sent in `claims` (merged over the claims challenge and the client capabilities), reach the token (the
// emulator copies a network perimeter claim into it), and, unlike a claims challenge, are cached: under an extended
// cache key of the exact string, so only the same string gets the token back.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ConfidentialClientApplication } from '../../src/app/confidential-client-application.js';
import { extCacheKey } from '../../src/cache/ext-cache-key.js';
import { SerializableTokenCache } from '../../src/cache/serializable-token-cache.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { authorizeWithoutUi, GRAPH_USER_READ, makePca, recordingHttp, total, type RecordingHttp } from './helpers.js';

const GRAPH = ['https://graph.microsoft.com/.default'];
const PERIMETER_ONE = '{"access_token":{"xms_az_nwperimid":{"value":"perimeter-one"}}}';
const PERIMETER_TWO = '{"access_token":{"xms_az_nwperimid":{"value":"perimeter-two"}}}';

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}

function lastSent(http: RecordingHttp): URLSearchParams {
  return new URLSearchParams(http.to('/token').at(-1)?.body ?? '');
}

describe('forwardedClientClaims against the emulator', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({ config: { autoApprove: DEFAULT_IDS.aliceUsername } });
  });
  after(async () => {
    await emulator.close();
  });
  beforeEach(() => {
    emulator.resetCounters();
  });

  function daemon(http: RecordingHttp, cache = new SerializableTokenCache(), clientCapabilities?: string[]): ConfidentialClientApplication {
    return new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      httpClient: http,
      instanceDiscovery: false,
      tokenCache: cache,
      clientCapabilities,
    });
  }

  it('acquireTokenForClient sends them, and caches the token under a key of the exact string', async () => {
    const cache = new SerializableTokenCache();
    const http = recordingHttp(emulator);
    const app = daemon(http, cache);
    const one = await app.acquireTokenForClient(GRAPH, { forwardedClientClaims: PERIMETER_ONE });
    assert.equal(one.token_source, 'identity_provider');
    assert.equal(lastSent(http).get('claims'), PERIMETER_ONE, 'sent as given when there is nothing to merge');
    assert.equal(lastSent(http).get('client_claims'), null, 'client_claims is a cache key component, never a wire field');
    assert.deepEqual(claimsOf(one.access_token)['xms_az_nwperimid'], ['perimeter-one']);

    const again = await app.acquireTokenForClient(GRAPH, { forwardedClientClaims: PERIMETER_ONE });
    assert.equal(again.token_source, 'cache');
    assert.equal(again.access_token, one.access_token);
    assert.equal(emulator.counters()['token:client_credentials'], 1);

    // Another perimeter, and none: each its own token, never the first one.
    const two = await app.acquireTokenForClient(GRAPH, { forwardedClientClaims: PERIMETER_TWO });
    assert.equal(two.token_source, 'identity_provider');
    assert.deepEqual(claimsOf(two.access_token)['xms_az_nwperimid'], ['perimeter-two']);
    const plain = await app.acquireTokenForClient(GRAPH);
    assert.equal(plain.token_source, 'identity_provider');
    assert.equal(lastSent(http).get('claims'), null);
    assert.equal(claimsOf(plain.access_token)['xms_az_nwperimid'], undefined);
    // And the plain token does not answer a request with claims (isolation both ways).
    assert.equal((await app.acquireTokenForClient(GRAPH, { forwardedClientClaims: PERIMETER_ONE })).access_token, one.access_token);
    assert.equal(emulator.counters()['token:client_credentials'], 3);

    const stored = JSON.parse(cache.serialize()) as { AccessToken: Record<string, Record<string, unknown>> };
    const hashOne = extCacheKey({ client_claims: PERIMETER_ONE }) ?? '';
    const key = Object.keys(stored.AccessToken).find((k) => k.endsWith(`-${hashOne}`)) ?? '';
    assert.match(key, /-atext-/);
    assert.equal(stored.AccessToken[key]?.['ext_cache_key'], hashOne);
  });

  it('with fmiPath, one key hashes both, as MSAL Python hashes every such field together', async () => {
    const cache = new SerializableTokenCache();
    const http = recordingHttp(emulator);
    const app = daemon(http, cache);
    const both = await app.acquireTokenForClient(GRAPH, { fmiPath: 'agents/one', forwardedClientClaims: PERIMETER_ONE });
    assert.equal(lastSent(http).get('fmi_path'), 'agents/one');
    assert.equal(lastSent(http).get('claims'), PERIMETER_ONE);
    const pathOnly = await app.acquireTokenForClient(GRAPH, { fmiPath: 'agents/one' });
    assert.equal(pathOnly.token_source, 'identity_provider', 'the path alone is another partition');
    assert.notEqual(pathOnly.access_token, both.access_token);
    const stored = JSON.parse(cache.serialize()) as { AccessToken: Record<string, Record<string, unknown>> };
    const hash = extCacheKey({ fmi_path: 'agents/one', client_claims: PERIMETER_ONE }) ?? '';
    assert.ok(Object.keys(stored.AccessToken).some((k) => k.endsWith(`-${hash}`)));
  });

  it('merges them over the claims challenge and the client capabilities; the forwarded value wins a shared leaf', async () => {
    const http = recordingHttp(emulator);
    const app = daemon(http, new SerializableTokenCache(), ['CP1']);
    const forwarded = '{"access_token":{"xms_az_nwperimid":{"value":"p"},"acrs":{"values":["client"]}}}';
    const challenge = '{"access_token":{"acrs":{"values":["server"]},"nbf":{"essential":true,"value":"1"}}}';
    const result = await app.acquireTokenForClient(GRAPH, { forwardedClientClaims: forwarded, claimsChallenge: challenge });
    assert.deepEqual(JSON.parse(lastSent(http).get('claims') ?? ''), {
      access_token: {
        acrs: { values: ['client'] },
        nbf: { essential: true, value: '1' },
        xms_cc: { values: ['CP1'] },
        xms_az_nwperimid: { value: 'p' },
      },
    });
    assert.deepEqual(claimsOf(result.access_token)['xms_cc'], ['CP1']);
    assert.deepEqual(claimsOf(result.access_token)['xms_az_nwperimid'], ['p']);
    // The challenge made that a network call; the token is still cached under the forwarded claims' key.
    const next = await app.acquireTokenForClient(GRAPH, { forwardedClientClaims: forwarded });
    assert.equal(next.token_source, 'cache');
    assert.equal(next.access_token, result.access_token);
  });

  it('a user token of a confidential client is cached per claims, and acquireTokenSilent forwards them on refresh', async () => {
    const cache = new SerializableTokenCache();
    const http = recordingHttp(emulator);
    const agent = new ConfidentialClientApplication(DEFAULT_IDS.webApiClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.webApiSecret,
      httpClient: http,
      instanceDiscovery: false,
      tokenCache: cache,
    });
    const instance = await agent.acquireTokenForClient(GRAPH);
    const user = await agent.acquireTokenByUserFederatedIdentityCredential(GRAPH_USER_READ, instance.access_token, {
      username: DEFAULT_IDS.aliceUsername,
      forwardedClientClaims: PERIMETER_ONE,
    });
    assert.equal(lastSent(http).get('grant_type'), 'user_fic');
    assert.equal(lastSent(http).get('claims'), PERIMETER_ONE);
    const [account] = await agent.getAccounts();
    assert.ok(account);

    emulator.resetCounters();
    const hit = await agent.acquireTokenSilent(GRAPH_USER_READ, { account, forwardedClientClaims: PERIMETER_ONE });
    assert.equal(hit?.token_source, 'cache');
    assert.equal(hit?.access_token, user.access_token);
    assert.equal(total(emulator.counters()), 0);

    // Without the claims the keyed token is not served: the refresh token gets a plain one.
    const plain = await agent.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(plain?.token_source, 'identity_provider');
    assert.notEqual(plain?.access_token, user.access_token);
    assert.equal(lastSent(http).get('grant_type'), 'refresh_token');
    assert.equal(lastSent(http).get('claims'), null);

    // A forced refresh with other claims sends them and keeps that token apart too.
    const refreshed = await agent.acquireTokenSilent(GRAPH_USER_READ, { account, forwardedClientClaims: PERIMETER_TWO, forceRefresh: true });
    assert.equal(lastSent(http).get('claims'), PERIMETER_TWO);
    const cached = await agent.acquireTokenSilent(GRAPH_USER_READ, { account, forwardedClientClaims: PERIMETER_TWO });
    assert.equal(cached?.token_source, 'cache');
    assert.equal(cached?.access_token, refreshed?.access_token);
  });

  it('acquireTokenOnBehalfOf sends them and serves the token again only with the same string', async () => {
    const client = makePca(emulator, DEFAULT_IDS.publicClientId);
    const apiScope = [`api://${DEFAULT_IDS.webApiClientId}/access_as_user`];
    const assertion = (await client.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, apiScope)).access_token;
    const http = recordingHttp(emulator);
    const api = new ConfidentialClientApplication(DEFAULT_IDS.webApiClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.webApiSecret,
      httpClient: http,
      instanceDiscovery: false,
    });
    const first = await api.acquireTokenOnBehalfOf(assertion, GRAPH_USER_READ, { forwardedClientClaims: PERIMETER_ONE });
    assert.equal(lastSent(http).get('requested_token_use'), 'on_behalf_of');
    assert.equal(lastSent(http).get('claims'), PERIMETER_ONE);
    const again = await api.acquireTokenOnBehalfOf(assertion, GRAPH_USER_READ, { forwardedClientClaims: PERIMETER_ONE });
    assert.equal(again.token_source, 'cache');
    assert.equal(again.access_token, first.access_token);
    const plain = await api.acquireTokenOnBehalfOf(assertion, GRAPH_USER_READ);
    assert.equal(plain.token_source, 'identity_provider', 'without the claims, the keyed token is not served');
    assert.equal(lastSent(http).get('claims'), null);
  });

  it('acquireTokenByAuthorizationCode of a confidential client sends them and caches the user token under their key', async () => {
    const redirectUri = 'http://localhost/auth/callback';
    const http = recordingHttp(emulator);
    const web = new ConfidentialClientApplication(DEFAULT_IDS.webApiClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.webApiSecret,
      httpClient: http,
      instanceDiscovery: false,
    });
    const url = await web.getAuthorizationRequestUrl(GRAPH_USER_READ, { redirectUri });
    const code = (await authorizeWithoutUi(emulator, url))['code'] ?? '';
    const result = await web.acquireTokenByAuthorizationCode(code, GRAPH_USER_READ, { redirectUri, forwardedClientClaims: PERIMETER_ONE });
    assert.equal(lastSent(http).get('grant_type'), 'authorization_code');
    assert.equal(lastSent(http).get('claims'), PERIMETER_ONE);
    const [account] = await web.getAccounts();
    assert.ok(account);
    const hit = await web.acquireTokenSilent(GRAPH_USER_READ, { account, forwardedClientClaims: PERIMETER_ONE });
    assert.equal(hit?.token_source, 'cache');
    assert.equal(hit?.access_token, result.access_token);

    // A public client has no such option (MSAL Python scopes it to confidential clients).
    const pca = makePca(emulator, DEFAULT_IDS.publicClientId);
    await assert.rejects(pca.acquireTokenByAuthorizationCode('code', GRAPH_USER_READ, { forwardedClientClaims: PERIMETER_ONE }), TypeError);
  });

  it('refuses what is not a JSON object string, and the option on a public client, before any request', async () => {
    const http = recordingHttp(emulator);
    const app = daemon(http);
    const secret = '{"access_token":{"nbf":{"value":"SENSITIVE"}}';
    for (const bad of [secret, '["a"]', 'null', '"text"', '', 42, { access_token: {} }]) {
      await assert.rejects(app.acquireTokenForClient(GRAPH, { forwardedClientClaims: bad as string }), (err: unknown) => {
        assert.ok(err instanceof TypeError);
        assert.match(err.message, /forwardedClientClaims/);
        assert.doesNotMatch(err.message, /SENSITIVE/, 'the message never repeats the value');
        return true;
      });
    }
    await assert.rejects(app.acquireTokenForClient(GRAPH, { data: { client_claims: PERIMETER_ONE } }), RangeError);
    // A claims challenge that cannot be merged with them is refused before any request too.
    await assert.rejects(app.acquireTokenForClient(GRAPH, { forwardedClientClaims: PERIMETER_ONE, claimsChallenge: 'not json' }), TypeError);
    await assert.rejects(app.acquireTokenOnBehalfOf('assertion', GRAPH_USER_READ, { forwardedClientClaims: '[]' }), TypeError);
    const pca = makePca(emulator, DEFAULT_IDS.publicClientId);
    const account = { home_account_id: 'uid.utid', environment: 'x', username: 'u', local_account_id: 'l', realm: 'r', authority_type: 'MSSTS' };
    await assert.rejects(pca.acquireTokenSilent(GRAPH_USER_READ, { account, forwardedClientClaims: PERIMETER_ONE } as never), TypeError);
    assert.equal(total(emulator.counters()), 0);
    assert.equal(http.requests.length, 0);
  });
});
