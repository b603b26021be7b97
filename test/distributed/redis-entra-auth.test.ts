// Entra ID authentication to Redis itself, with entraRedisCredentials: a real redis-server with an ACL user named by the
// service principal's object id, tokens from the emulator (client credentials for https://redis.azure.com), a
// @redis/client client with the provider as its credentialsProvider. The test stands in for Azure's token check: each
// token the app gets is added to the ACL user's passwords, as Azure would accept it. The token is renewed before it
// expires and every live connection authenticates again (counted on the server); a reconnect after the old token was
// revoked uses the new one; the distributed cache works over the connection.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@redis/client';
import { ConfidentialClientApplication } from '../../src/app/confidential-client-application.js';
import { AZURE_REDIS_SCOPE, DistributedTokenCache, RedisDistributedCacheStore, entraRedisCredentials, nodeRedisRunner } from '../../src/distributed/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { InvalidResponseError } from '../../src/errors.js';
import { decodeJwt } from '../../src/protocol/jwt.js';
import { connectClient, startRedisServer, type RedisServer } from './redis-server.js';

const APP_ID = '5e5e0000-0000-4000-8000-00000000ca5e';
const APP_SECRET = 'redis-auth-secret';
const REDIS_RESOURCE = 'acca5fbb-b7e4-4009-81f1-37e38fd66d78';
/** Short-lived tokens, so the renewal happens during the test: issued for 4 s, renewed 2 s before expiry. */
const LIFETIME_SECONDS = 4;

describe('entraRedisCredentials: Entra ID tokens as Redis credentials, renewed before expiry', () => {
  let redis: RedisServer;
  let admin: Awaited<ReturnType<typeof connectClient>>;
  let emulator: Emulator;

  before(async () => {
    redis = await startRedisServer();
    admin = await connectClient(redis.url);
    emulator = await startEmulator({
      config: {
        apps: [
          { clientId: APP_ID, displayName: 'Redis user', kind: 'confidential', clientSecrets: [APP_SECRET], accessTokenLifetimeSeconds: LIFETIME_SECONDS },
        ],
        resources: [
          {
            appId: REDIS_RESOURCE,
            displayName: 'Azure Cache for Redis',
            identifierUris: ['https://redis.azure.com', 'https://redis.azure.com/'],
            scopes: [],
            defaultScopes: [],
            appRoles: [],
            accessTokenVersion: 2,
          },
        ],
      },
    });
  });

  after(async () => {
    admin?.destroy();
    await redis?.stop();
    await emulator?.close();
  });

  async function authCalls(): Promise<number> {
    // RESP3 clients authenticate with HELLO 3 AUTH on connect, and with AUTH when the token is renewed.
    const stats = await admin.info('commandstats');
    return ['auth', 'hello'].reduce((sum, c) => sum + Number(new RegExp(`^cmdstat_${c}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0), 0);
  }

  it('authenticates as the object id with the token, re-authenticates live connections with the renewed token, reconnects with it', async () => {
    const app = new ConfidentialClientApplication(APP_ID, {
      authority: emulator.authority,
      clientCredential: APP_SECRET,
      verify: emulator.caPath,
      instanceDiscovery: false,
    });
    const issued: string[] = [];
    let oid = '';
    const provider = entraRedisCredentials({
      refreshBeforeExpirySeconds: 2,
      async getToken({ forceRefresh }) {
        const result = await app.acquireTokenForClient([AZURE_REDIS_SCOPE], { forceRefresh });
        // What Azure does on AUTH (validate the token, map its oid to the user), done here ahead of it through the ACL.
        oid = String(decodeJwt(result.access_token).payload['oid']);
        await admin.sendCommand(['ACL', 'SETUSER', oid, 'on', `>${result.access_token}`, '~*', '+@all']);
        issued.push(result.access_token);
        return result;
      },
    });
    const client = createClient({ url: redis.url, credentialsProvider: provider, disableOfflineQueue: true });
    client.on('error', () => undefined); // the test kills the connection below
    const authBefore = await authCalls();
    await client.connect();
    try {
      assert.equal(issued.length, 1);
      assert.equal(decodeJwt(issued[0] ?? '').payload['aud'], REDIS_RESOURCE, 'a token for Redis');
      assert.equal(await client.sendCommand(['ACL', 'WHOAMI']), oid, "authenticated as the service principal's object id");
      assert.ok((await authCalls()) > authBefore, 'the connection authenticated (HELLO ... AUTH)');

      // The distributed cache over the Entra-authenticated connection.
      const cache = new DistributedTokenCache(new RedisDistributedCacheStore(nodeRedisRunner(client)));
      const context = { clientId: 'app', partition: { kind: 'app' as const, clientId: 'app', environment: 'login.microsoftonline.com', realm: 'contoso' } };
      await cache.write(context, () =>
        cache.add({
          clientId: 'app',
          scopes: ['s'],
          environment: 'login.microsoftonline.com',
          realm: 'contoso',
          grantType: 'client_credentials',
          response: { access_token: 'at', token_type: 'Bearer', expires_in: 3600 },
        }),
      );
      assert.equal(await client.exists('msal:{app:app:login.microsoftonline.com:contoso}'), 1);

      // Renewal: wait (bounded) until the provider got a second token and the live connection authenticated with it.
      const authAfterConnect = await authCalls();
      for (let i = 0; i < 400 && (issued.length < 2 || (await authCalls()) <= authAfterConnect); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(issued.length >= 2, 'a new token was fetched before the first expired');
      assert.notEqual(issued[1], issued[0], 'forceRefresh: a new token, not the cached one');
      assert.ok((await authCalls()) > authAfterConnect, 'the live connection authenticated again');

      // Revoke every token but the newest, drop the connection: the client reconnects with the renewed token.
      for (const old of issued.slice(0, -1)) await admin.sendCommand(['ACL', 'SETUSER', oid, `<${old}`]);
      await admin.sendCommand(['CLIENT', 'KILL', 'USER', oid]);
      let pong: unknown;
      for (let i = 0; i < 100 && pong === undefined; i++) {
        pong = await client.ping().catch(() => new Promise((resolve) => setTimeout(resolve, 50)));
      }
      assert.equal(pong, 'PONG', 'reconnected');
      assert.equal(await client.sendCommand(['ACL', 'WHOAMI']), oid);
      const refused = createClient({ url: redis.url, username: oid, password: issued[0] ?? '', socket: { reconnectStrategy: false } });
      refused.on('error', () => undefined);
      await assert.rejects(refused.connect(), /WRONGPASS/, 'the revoked first token no longer authenticates');
      refused.destroy();
    } finally {
      client.destroy();
    }
  });

  it('checks its options before any I/O, refuses a token without an oid when no username is given, and shares one token between connections', async () => {
    assert.throws(() => entraRedisCredentials({} as never), TypeError);
    assert.throws(() => entraRedisCredentials({ getToken: () => Promise.reject(new Error('x')), username: '' }), TypeError);
    assert.throws(() => entraRedisCredentials({ getToken: () => Promise.reject(new Error('x')), refreshBeforeExpirySeconds: -1 }), RangeError);
    const header = Buffer.from('{"alg":"none"}').toString('base64url');
    const payload = Buffer.from(`{"sub":"${DEFAULT_IDS.tenantId}"}`).toString('base64url');
    const noOid = entraRedisCredentials({ getToken: () => Promise.resolve({ access_token: `${header}.${payload}.`, expires_in: 3600 }) });
    await assert.rejects(noOid.subscribe({ onNext: () => undefined, onError: () => undefined }), InvalidResponseError);
    let calls = 0;
    const named = entraRedisCredentials({ username: 'me', getToken: () => Promise.resolve({ access_token: `opaque${++calls}`, expires_in: 3600 }) });
    // Two connections (a cluster client subscribes once per node): one token for both.
    const listener = { onNext: () => undefined, onError: () => undefined };
    const [[credentials, one], [again, two]] = await Promise.all([named.subscribe(listener), named.subscribe(listener)]);
    one.dispose();
    two.dispose();
    assert.deepEqual(credentials, { username: 'me', password: 'opaque1' });
    assert.deepEqual(again, credentials);
    assert.equal(calls, 1, 'one getToken for both connections');
  });
});
