// The agent identity legs MSAL Python added in 1.36-1.37, end to end against the emulator:
// - federated managed identity: acquireTokenForClient({ fmiPath }) sends fmi_path, tells the assertion callback the
//   path, and caches each path's token apart (ext_cache_key, keyed -atext-) from the others and from the app's own;
// - user federated identity credential (user_fic): the agent trades its instance token for a user's token, cached as
//   that user's, so acquireTokenSilent serves it with no request.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { importPKCS8, SignJWT } from 'jose';
import { ConfidentialClientApplication } from '../../src/app/confidential-client-application.js';
import { extCacheKey } from '../../src/cache/ext-cache-key.js';
import { SerializableTokenCache } from '../../src/cache/serializable-token-cache.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ServerError, type ClientAssertionContext } from '../../src/index.js';
import { GRAPH_USER_READ, recordingHttp, total } from './helpers.js';

const GRAPH = ['https://graph.microsoft.com/.default'];

function anchorOf(headers: Readonly<Record<string, string>> | undefined): string | undefined {
  return Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'x-anchormailbox')?.[1];
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}

describe('agent identities against the emulator', () => {
  let emulator: Emulator;
  let keyPem: string;
  let thumbprintSha256: string;

  before(async () => {
    emulator = await startEmulator();
    const files = emulator.config.apps.find((a) => a.clientId === DEFAULT_IDS.certificateClientId)?.certificateFiles;
    assert.ok(files, 'the emulator generated a certificate for its certificate app');
    keyPem = readFileSync(files.privateKeyPath, 'utf8');
    thumbprintSha256 = files.thumbprintSha256;
  });
  after(async () => {
    await emulator.close();
  });
  beforeEach(() => {
    emulator.resetCounters();
  });

  async function signedAssertion(tokenEndpoint: string): Promise<string> {
    const key = await importPKCS8(keyPem, 'PS256');
    return new SignJWT({})
      .setProtectedHeader({ alg: 'PS256', 'x5t#S256': Buffer.from(thumbprintSha256, 'hex').toString('base64url') })
      .setIssuer(DEFAULT_IDS.certificateClientId)
      .setSubject(DEFAULT_IDS.certificateClientId)
      .setAudience(tokenEndpoint)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key);
  }

  describe('federated managed identity (fmiPath)', () => {
    it('sends fmi_path, tells the assertion callback, and caches each path apart', async () => {
      const contexts: ClientAssertionContext[] = [];
      const cache = new SerializableTokenCache();
      const http = recordingHttp(emulator);
      const blueprint = new ConfidentialClientApplication(DEFAULT_IDS.certificateClientId, {
        authority: emulator.authority,
        clientCredential: {
          clientAssertion: async (context) => {
            contexts.push({ ...context });
            return signedAssertion(context.tokenEndpoint);
          },
        },
        httpClient: http,
        instanceDiscovery: false,
        tokenCache: cache,
      });
      const one = await blueprint.acquireTokenForClient(GRAPH, { fmiPath: 'agents/one' });
      assert.equal(one.token_source, 'identity_provider');
      assert.equal(claimsOf(one.access_token)['sub'], `/eid1/c/pub/t/${DEFAULT_IDS.tenantId}/a/${DEFAULT_IDS.certificateClientId}/agents/one`);
      const sent = new URLSearchParams(http.to('/token').at(-1)?.body ?? '');
      assert.equal(sent.get('fmi_path'), 'agents/one');
      assert.equal(sent.get('grant_type'), 'client_credentials');
      assert.deepEqual(contexts, [
        { clientId: DEFAULT_IDS.certificateClientId, tokenEndpoint: `${emulator.authority}/oauth2/v2.0/token`, fmiPath: 'agents/one' },
      ]);

      // Same path: from the cache, no request. Another path, and no path: each its own token.
      const again = await blueprint.acquireTokenForClient(GRAPH, { fmiPath: 'agents/one' });
      assert.equal(again.token_source, 'cache');
      assert.equal(again.access_token, one.access_token);
      assert.equal(emulator.counters()['token:client_credentials'], 1);
      const two = await blueprint.acquireTokenForClient(GRAPH, { fmiPath: 'agents/two' });
      assert.equal(two.token_source, 'identity_provider');
      assert.notEqual(two.access_token, one.access_token);
      const own = await blueprint.acquireTokenForClient(GRAPH);
      assert.equal(own.token_source, 'identity_provider');
      assert.equal(claimsOf(own.access_token)['sub'] === claimsOf(one.access_token)['sub'], false);
      assert.equal(contexts.at(-1)?.fmiPath, undefined, 'a request without a path tells the callback none');
      assert.equal('fmiPath' in (contexts.at(-1) ?? {}), false);
      assert.equal(emulator.counters()['token:client_credentials'], 3);

      emulator.resetCounters();
      for (const [path, token] of [
        ['agents/one', one],
        ['agents/two', two],
        [undefined, own],
      ] as const) {
        const hit = await blueprint.acquireTokenForClient(GRAPH, path === undefined ? {} : { fmiPath: path });
        assert.equal(hit.token_source, 'cache');
        assert.equal(hit.access_token, token.access_token);
      }
      assert.equal(total(emulator.counters()), 0, 'every path was served from the cache');

      // Stored as MSAL Python, .NET and Go store them: -atext- keys ending with the path's hash.
      const stored = JSON.parse(cache.serialize()) as { AccessToken: Record<string, Record<string, unknown>> };
      const keys = Object.keys(stored.AccessToken).sort();
      const hashOne = extCacheKey({ fmi_path: 'agents/one' }) ?? '';
      const hashTwo = extCacheKey({ fmi_path: 'agents/two' }) ?? '';
      assert.equal(keys.length, 3);
      assert.equal(keys.filter((k) => k.includes('-atext-')).length, 2);
      assert.ok(keys.some((k) => k.endsWith(`-${hashOne}`)) && keys.some((k) => k.endsWith(`-${hashTwo}`)));
      assert.equal(stored.AccessToken[keys.find((k) => k.endsWith(hashOne)) ?? '']?.['ext_cache_key'], hashOne);
    });

    it('refuses a malformed fmiPath, and fmi_path smuggled through data, before any request', async () => {
      const app = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
        authority: emulator.authority,
        clientCredential: DEFAULT_IDS.daemonSecret,
        verify: emulator.caPath,
        instanceDiscovery: false,
      });
      await assert.rejects(app.acquireTokenForClient(GRAPH, { fmiPath: '' }), TypeError);
      await assert.rejects(app.acquireTokenForClient(GRAPH, { fmiPath: 3 as unknown as string }), TypeError);
      await assert.rejects(app.acquireTokenForClient(GRAPH, { data: { fmi_path: 'x' } }), RangeError);
      assert.equal(total(emulator.counters()), 0);
    });
  });

  describe('user federated identity credential (user_fic)', () => {
    function agent(cache = new SerializableTokenCache(), http = recordingHttp(emulator)): ConfidentialClientApplication {
      return new ConfidentialClientApplication(DEFAULT_IDS.webApiClientId, {
        authority: emulator.authority,
        clientCredential: DEFAULT_IDS.webApiSecret,
        httpClient: http,
        instanceDiscovery: false,
        tokenCache: cache,
      });
    }

    it('trades the agent instance token for a user token, then serves it silently', async () => {
      const cache = new SerializableTokenCache();
      const http = recordingHttp(emulator);
      const app = agent(cache, http);
      const instance = await app.acquireTokenForClient(GRAPH);
      const result = await app.acquireTokenByUserFederatedIdentityCredential(GRAPH_USER_READ, instance.access_token, {
        username: DEFAULT_IDS.aliceUsername,
      });
      assert.equal(result.token_source, 'identity_provider');
      assert.equal(result.id_token_claims?.['preferred_username'], DEFAULT_IDS.aliceUsername);
      const request = http.to('/token').at(-1);
      const sent = new URLSearchParams(request?.body ?? '');
      assert.equal(sent.get('grant_type'), 'user_fic');
      assert.equal(sent.get('user_federated_identity_credential'), instance.access_token);
      assert.equal(sent.get('username'), DEFAULT_IDS.aliceUsername);
      assert.equal(sent.get('user_id'), null);
      assert.equal(sent.get('client_info'), '1');
      assert.deepEqual(sent.get('scope')?.split(' ').sort(), ['https://graph.microsoft.com/User.Read', 'offline_access', 'openid', 'profile'].sort());
      assert.equal(anchorOf(request?.headers), `upn:${DEFAULT_IDS.aliceUsername}`);
      assert.equal(emulator.counters()['token:user_fic'], 1);

      const accounts = await app.getAccounts();
      assert.equal(accounts.length, 1);
      assert.equal(accounts[0]?.username, DEFAULT_IDS.aliceUsername);
      assert.equal(accounts[0]?.account_source, 'user_fic');
      const stored = JSON.parse(cache.serialize()) as { AccessToken: Record<string, Record<string, unknown>> };
      const userToken = Object.values(stored.AccessToken).find((e) => e['home_account_id'] !== null);
      assert.ok(userToken, 'the user token is cached');
      assert.equal(userToken['ext_cache_key'], undefined, 'a user token has no extended cache key');

      emulator.resetCounters();
      const silent = await app.acquireTokenSilent(GRAPH_USER_READ, { account: accounts[0] });
      assert.equal(silent?.token_source, 'cache');
      assert.equal(silent?.access_token, result.access_token);
      assert.equal(total(emulator.counters()), 0);
    });

    it('names the user by object id (user_id), from a credential callback', async () => {
      const http = recordingHttp(emulator);
      const app = agent(new SerializableTokenCache(), http);
      const instance = (await app.acquireTokenForClient(GRAPH)).access_token;
      let calls = 0;
      const result = await app.acquireTokenByUserFederatedIdentityCredential(
        GRAPH_USER_READ,
        () => {
          calls += 1;
          return Promise.resolve(instance);
        },
        { userObjectId: 'a11ce000-0000-4000-8000-000000000001' },
      );
      assert.equal(calls, 1);
      assert.equal(result.id_token_claims?.['oid'], 'a11ce000-0000-4000-8000-000000000001');
      const request = http.to('/token').at(-1);
      const sent = new URLSearchParams(request?.body ?? '');
      assert.equal(sent.get('user_id'), 'a11ce000-0000-4000-8000-000000000001');
      assert.equal(sent.get('username'), null);
      assert.equal(anchorOf(request?.headers), `Oid:a11ce000-0000-4000-8000-000000000001@${DEFAULT_IDS.tenantId}`);
    });

    it('refuses bad arguments before any request', async () => {
      const app = agent();
      const user = { username: DEFAULT_IDS.aliceUsername };
      await assert.rejects(app.acquireTokenByUserFederatedIdentityCredential(GRAPH_USER_READ, '', user), TypeError);
      await assert.rejects(app.acquireTokenByUserFederatedIdentityCredential(GRAPH_USER_READ, 'x', {}), TypeError);
      await assert.rejects(app.acquireTokenByUserFederatedIdentityCredential(GRAPH_USER_READ, 'x', { ...user, userObjectId: 'oid' }), TypeError);
      await assert.rejects(app.acquireTokenByUserFederatedIdentityCredential(['openid'], 'x', user), RangeError);
      await assert.rejects(app.acquireTokenByUserFederatedIdentityCredential(GRAPH_USER_READ, 'x', { ...user, password: 'p' } as never), TypeError);
      assert.equal(total(emulator.counters()), 0);
    });

    it('is refused by the emulator for a credential issued to another app', async () => {
      const daemon = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
        authority: emulator.authority,
        clientCredential: DEFAULT_IDS.daemonSecret,
        verify: emulator.caPath,
        instanceDiscovery: false,
      });
      const foreign = (await daemon.acquireTokenForClient(GRAPH)).access_token;
      const error = await agent()
        .acquireTokenByUserFederatedIdentityCredential(GRAPH_USER_READ, foreign, { username: DEFAULT_IDS.aliceUsername })
        .then(
          () => assert.fail('accepted'),
          (e: unknown) => e,
        );
      assert.ok(error instanceof ServerError);
      assert.equal(error.error, 'invalid_request');
    });
  });
});
