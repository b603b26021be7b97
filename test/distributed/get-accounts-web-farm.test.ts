// getAccounts in a web farm on a real local Redis Cluster: several ConfidentialClientApplication instances (each with its
// own cluster client and DistributedTokenCache), users signed in through different instances with the auth code flow
// on the emulator. What docs/distributed.md promises: getAccounts answers from the partitions this instance holds (no
// round trip, no scan of Redis); any call that names a user (acquireTokenSilent with the session's account,
// removeAccount) reads that user's partition, and from then on the instance lists the account as the store has it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication } from '../../src/app/confidential-client-application.js';
import type { Account } from '../../src/cache/cache-types.js';
import { DistributedTokenCache, RedisDistributedCacheStore, nodeRedisRunner } from '../../src/distributed/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { authorizeWithoutUi, total } from '../app/helpers.js';
import { connectCluster, startRedisCluster, type RedisClusterHandle } from './redis-cluster.js';

const WEB_APP_ID = '5e5e0000-0000-4000-8000-00000000f00d';
const WEB_APP_SECRET = 'farm-secret';
const REDIRECT = 'http://127.0.0.1/redirect';
const SCOPES = ['https://graph.microsoft.com/User.Read'];
const USERS = Array.from({ length: 6 }, (_, i) => `farmuser${i}@contoso.onmicrosoft.com`);

type Cluster = Awaited<ReturnType<typeof connectCluster>>;

describe('getAccounts in a web farm on Redis Cluster (ConfidentialClientApplication instances)', () => {
  let cluster: RedisClusterHandle;
  let emulator: Emulator;
  const clients: Cluster[] = [];

  before(async () => {
    cluster = await startRedisCluster();
    emulator = await startEmulator({
      config: {
        autoApprove: DEFAULT_IDS.aliceUsername, // no-UI sign-in; the login_hint picks the user
        apps: [{ clientId: WEB_APP_ID, displayName: 'Farm Web App', kind: 'confidential', clientSecrets: [WEB_APP_SECRET], redirectUris: [REDIRECT] }],
        users: USERS.map((username) => ({ username, password: 'farm-password', homeTenantId: DEFAULT_IDS.tenantId })),
      },
    });
  });

  after(async () => {
    for (const c of clients) c.destroy();
    await cluster?.stop();
    await emulator?.close();
  });

  /** One instance of the web app: its own cluster client, store and application object, as a separate process has. */
  async function instance(prefix: string, maxPartitions?: number): Promise<ConfidentialClientApplication> {
    const client = await connectCluster(cluster);
    clients.push(client);
    const store = new RedisDistributedCacheStore(nodeRedisRunner(client), { operationTimeoutMs: 5000 });
    return new ConfidentialClientApplication(WEB_APP_ID, {
      authority: emulator.authority,
      clientCredential: WEB_APP_SECRET,
      verify: emulator.caPath,
      instanceDiscovery: false,
      tokenCache: new DistributedTokenCache(store, { keyPrefix: prefix, ...(maxPartitions === undefined ? {} : { maxPartitions }) }),
    });
  }

  /** The auth code flow through `app`, as the instance serving `/redirect` runs it; returns the signed-in account. */
  async function signIn(app: ConfidentialClientApplication, username: string): Promise<{ account: Account; accessToken: string }> {
    const flow = await app.initiateAuthCodeFlow(SCOPES, { redirectUri: REDIRECT, loginHint: username });
    const result = await app.acquireTokenByAuthCodeFlow(flow, await authorizeWithoutUi(emulator, flow.auth_uri));
    assert.equal(result.id_token_claims?.['preferred_username'], username);
    const account = (await app.getAccounts(username))[0];
    assert.ok(account, `${username} is listed by the instance that signed them in`);
    return { account, accessToken: result.access_token };
  }

  const names = async (app: ConfidentialClientApplication): Promise<string[]> => (await app.getAccounts()).map((a) => a.username).sort();

  it('lists the accounts of the partitions an instance holds; a call naming an account brings it in; a sign-out elsewhere shows on the next read', async () => {
    const farm = [await instance('farm'), await instance('farm'), await instance('farm')];
    const signedIn = new Map<string, { account: Account; accessToken: string }>();
    // Six users, each through instance i % 3, two at a time on different instances.
    for (let i = 0; i < USERS.length; i += 2) {
      const pair = [i, i + 1].map(async (u) => {
        const username = USERS[u] ?? '';
        const app = farm[u % 3];
        assert.ok(app);
        signedIn.set(username, await signIn(app, username));
      });
      await Promise.all(pair);
    }
    const [a, b, c] = farm;
    assert.ok(a && b && c);
    // Each instance lists the users signed in through it, and only those: getAccounts does not scan Redis.
    assert.deepEqual(await names(a), [USERS[0], USERS[3]].sort());
    assert.deepEqual(await names(b), [USERS[1], USERS[4]].sort());
    assert.deepEqual(await names(c), [USERS[2], USERS[5]].sort());
    const fresh = await instance('farm');
    assert.deepEqual(await fresh.getAccounts(), [], 'a fresh instance holds no partition, so lists nobody');
    assert.deepEqual(await fresh.getAccounts(USERS[0]), []);

    // The session's account (kept by whichever instance signed the user in) works on any instance, from the cache.
    const user0 = signedIn.get(USERS[0] ?? '');
    assert.ok(user0);
    const before = total(emulator.counters());
    const silent = await b.acquireTokenSilent(SCOPES, { account: user0.account });
    assert.equal(silent?.token_source, 'cache');
    assert.equal(silent.access_token, user0.accessToken, 'the token instance A acquired');
    assert.equal(total(emulator.counters()), before, 'no request reached the identity provider');
    assert.deepEqual(await names(b), [USERS[0], USERS[1], USERS[4]].sort(), "B now holds user 0's partition");
    assert.deepEqual(
      (await b.getAccounts(USERS[0])).map((x) => x.home_account_id),
      [user0.account.home_account_id],
    );

    // Sign-out through C, which never held user 0's partition: removeAccount reads it first, then removes.
    await c.removeAccount(user0.account);
    assert.deepEqual(await names(c), [USERS[2], USERS[5]].sort());
    // A and B still list user 0 from memory: getAccounts makes no round trip...
    assert.ok((await names(a)).includes(USERS[0] ?? ''));
    assert.ok((await names(b)).includes(USERS[0] ?? ''));
    // ...until a call names the account: then the partition is read again, and the sign-out shows.
    assert.equal(await a.acquireTokenSilent(SCOPES, { account: user0.account }), undefined, 'signed out for every instance');
    assert.deepEqual(await names(a), [USERS[3]]);
    assert.equal(await fresh.acquireTokenSilent(SCOPES, { account: user0.account }), undefined);
    assert.deepEqual(await names(fresh), []);
  });

  it('holds at most maxPartitions users: getAccounts lists the most recently used ones', async () => {
    const signer = await instance('lru');
    const accounts: Account[] = [];
    for (const username of USERS.slice(0, 3)) accounts.push((await signIn(signer, username)).account);
    const small = await instance('lru', 2);
    for (const account of accounts) assert.equal((await small.acquireTokenSilent(SCOPES, { account }))?.token_source, 'cache');
    assert.deepEqual(await names(small), [USERS[1], USERS[2]].sort(), 'the least recently used partition was dropped');
    // Dropped from memory only: naming the account reads it again.
    const first = accounts[0];
    assert.ok(first);
    assert.equal((await small.acquireTokenSilent(SCOPES, { account: first }))?.token_source, 'cache');
    assert.ok((await names(small)).includes(USERS[0] ?? ''));
  });
});
