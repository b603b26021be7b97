// DistributedTokenCache over the in-memory store, with a hand-moved clock: which partition each write lands in, what a
// reader sees, compare-and-set conflicts retried without losing writes, TTLs, the memory bound, and store failures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CacheAccessContext, TokenResponseEvent } from '../../src/cache/index.js';
import {
  DistributedCacheError,
  DistributedTokenCache,
  InMemoryDistributedCacheStore,
  distributedCacheKey,
  type DistributedCacheStore,
  type StoreSetOptions,
  type StoredValue,
} from '../../src/distributed/index.js';
import { ManualClock, appTokenEvent, buildIdToken, buildResponse } from '../cache/helpers.js';

const ENV = 'login.microsoftonline.com';
const SCOPE = ['https://graph.microsoft.com/.default'];
const T0 = 1_700_000_000;

function appContext(tenant: string): CacheAccessContext {
  return { clientId: 'app', partition: { kind: 'app', clientId: 'app', environment: ENV, realm: tenant } };
}

const ANY: CacheAccessContext = { clientId: 'app', partition: { kind: 'any' } };

function userContext(homeAccountId: string): CacheAccessContext {
  return { clientId: 'app', partition: { kind: 'user', homeAccountId, environment: ENV } };
}

function signInEvent(uid: string, utid: string, secret: string): TokenResponseEvent {
  return {
    clientId: 'app',
    scopes: ['User.Read'],
    environment: ENV,
    realm: utid,
    grantType: 'authorization_code',
    response: buildResponse({
      uid,
      utid,
      access_token: `at-${secret}`,
      refresh_token: `rt-${secret}`,
      id_token: buildIdToken({ oid: uid, tid: utid, preferred_username: `${uid}@example.com` }),
    }),
  };
}

function findAppToken(cache: DistributedTokenCache, tenant: string, now = T0): string | undefined {
  return cache.findAccessToken({ clientId: 'app', environments: [ENV], realm: tenant, homeAccountId: undefined, scopes: SCOPE }, now)?.entry.secret;
}

/** The sections of a stored partition. */
async function stored(store: DistributedCacheStore, key: string): Promise<Record<string, Record<string, unknown>>> {
  const got = await store.get(key);
  assert.ok(got, `partition ${key} is stored`);
  return JSON.parse(got.value) as Record<string, Record<string, unknown>>;
}

function setup(options: { clock?: ManualClock; maxPartitions?: number } = {}) {
  const clock = options.clock ?? new ManualClock(T0);
  const store = new InMemoryDistributedCacheStore({ clock });
  const make = (store2: DistributedCacheStore = store) => new DistributedTokenCache(store2, { clock, maxPartitions: options.maxPartitions });
  return { clock, store, make };
}

/** A store that counts calls and can be told to fail, or to lose compare-and-sets. */
class FlakyStore implements DistributedCacheStore {
  gets = 0;
  sets = 0;
  down = false;
  /** How many of the next compare-and-sets should find the partition changed by "another instance". */
  interference = 0;

  constructor(private readonly inner: DistributedCacheStore) {}

  async get(key: string): Promise<StoredValue | undefined> {
    this.gets++;
    if (this.down) throw new Error('ECONNREFUSED');
    return this.inner.get(key);
  }

  async set(key: string, value: string, options: StoreSetOptions): Promise<boolean> {
    this.sets++;
    if (this.down) throw new Error('ECONNREFUSED');
    if (this.interference > 0) {
      this.interference--;
      // Another instance adds its own token to the partition just before our compare-and-set.
      const current = await this.inner.get(key);
      const doc = current === undefined ? {} : (JSON.parse(current.value) as Record<string, Record<string, unknown>>);
      const at = (doc['AccessToken'] ??= {});
      at[`other-${this.interference}`] = {
        credential_type: 'AccessToken',
        secret: `other-${this.interference}`,
        home_account_id: '',
        environment: ENV,
        client_id: 'app',
        realm: 'contoso',
        target: 'other',
        cached_at: String(T0),
        expires_on: String(T0 + 3600),
      };
      await this.inner.set(key, JSON.stringify(doc), { ttlSeconds: 3600 });
    }
    return this.inner.set(key, value, options);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}

describe('partition keys', () => {
  it('names app, user and on-behalf-of partitions, lowercasing hosts and tenants and encoding separators', () => {
    assert.equal(
      distributedCacheKey('msal', 'cid', { kind: 'app', clientId: 'cid', environment: 'Login.Example.com:8443', realm: 'Contoso' }),
      'msal:{cid:app:login.example.com%3A8443:contoso}',
    );
    assert.equal(distributedCacheKey('msal', 'cid', { kind: 'user', homeAccountId: 'uid.utid', environment: ENV }), 'msal:{cid:user:uid.utid}');
    assert.equal(distributedCacheKey('p', 'cid', { kind: 'obo', userAssertionHash: 'AbC+/=' }), 'p:{cid:obo:AbC%2B%2F%3D}');
  });

  it('puts the whole partition identity in the hash tag, braces in a component included', () => {
    // A brace in a component is encoded, so the tag always ends at the key's last character.
    const key = distributedCacheKey('msal', 'c{i}d', { kind: 'user', homeAccountId: 'u}.{t', environment: ENV });
    assert.equal(key, 'msal:{c%7Bi%7Dd:user:u%7D.%7Bt}');
    assert.equal(key.indexOf('{'), 'msal:'.length);
    assert.equal(key.indexOf('}'), key.length - 1);
  });

  it('refuses a key prefix with a brace, which would take over the hash tag', () => {
    const store = new InMemoryDistributedCacheStore();
    for (const keyPrefix of ['{msal}', 'ms{al', 'ms}al']) {
      assert.throws(() => new DistributedTokenCache(store, { keyPrefix }), { name: 'TypeError', message: /options\.keyPrefix must not contain/ });
      assert.throws(() => distributedCacheKey(keyPrefix, 'cid', { kind: 'obo', userAssertionHash: 'h' }), TypeError);
    }
  });
});

describe('DistributedTokenCache', () => {
  it('writes an app token to its tenant partition with the token lifetime as TTL, and another instance reads it', async () => {
    const { store, make } = setup();
    const a = make();
    await a.write(appContext('contoso'), () => a.add(appTokenEvent('contoso', SCOPE, 'secret-1', 3600), T0));
    const key = 'msal:{app:app:login.microsoftonline.com:contoso}';
    assert.deepEqual(Object.keys(await stored(store, key)).sort(), ['AccessToken', 'AppMetadata']);
    assert.equal(store.ttl(key), 3600);

    const b = make();
    assert.equal(findAppToken(b, 'contoso'), undefined, 'nothing before beforeRead');
    await b.beforeRead(appContext('contoso'));
    assert.equal(findAppToken(b, 'contoso'), 'secret-1');
    assert.equal(findAppToken(b, 'fabrikam'), undefined);
  });

  it('puts a new user sign-in (context "any") in that user\'s partition, found by the account\'s home_account_id', async () => {
    const { store, make } = setup();
    const web1 = make();
    await web1.write(ANY, () => web1.add(signInEvent('alice', 'contoso', 'a1'), T0));
    const key = 'msal:{app:user:alice.contoso}';
    const doc = await stored(store, key);
    assert.deepEqual(Object.keys(doc).sort(), ['AccessToken', 'Account', 'AppMetadata', 'IdToken', 'RefreshToken']);
    assert.equal(store.ttl(key), 90 * 24 * 3600, 'a refresh token without expiry: the 90-day sliding window');

    const web2 = make();
    await web2.beforeRead(userContext('alice.contoso'));
    const rts = web2.findRefreshTokens({ homeAccountId: 'alice.contoso', environment: ENV, clientId: 'app' });
    assert.deepEqual(
      rts.map((r) => r.secret),
      ['rt-a1'],
    );
    assert.equal(web2.getAccounts({ environments: [ENV] })[0]?.username, 'alice@example.com');
  });

  it('keeps each user in a separate partition: a reader of one user never sees another', async () => {
    const { store, make } = setup();
    const web = make();
    await web.write(ANY, () => web.add(signInEvent('alice', 'contoso', 'a'), T0));
    await web.write(ANY, () => web.add(signInEvent('bob', 'fabrikam', 'b'), T0));
    assert.ok(await store.get('msal:{app:user:bob.fabrikam}'));
    const reader = make();
    await reader.beforeRead(userContext('bob.fabrikam'));
    assert.deepEqual(
      reader.getAccounts({ environments: [ENV] }).map((a) => a.home_account_id),
      ['bob.fabrikam'],
    );
  });

  it('writes the on-behalf-of response (account and id token included) to the assertion partition', async () => {
    const { store, make } = setup();
    const api = make();
    const ctx: CacheAccessContext = { clientId: 'app', partition: { kind: 'obo', userAssertionHash: 'hash1' } };
    await api.write(ctx, () => api.add({ ...signInEvent('alice', 'contoso', 'o'), userAssertionHash: 'hash1' }, T0));
    const doc = await stored(store, 'msal:{app:obo:hash1}');
    assert.deepEqual(Object.keys(doc).sort(), ['AccessToken', 'Account', 'AppMetadata', 'IdToken', 'RefreshToken']);
    assert.equal(await store.get('msal:{app:user:alice.contoso}'), undefined);
  });

  it('loses no write when two instances write the same partition from the same version (compare-and-set retry)', async () => {
    const { store, make } = setup();
    const a = make();
    const b = make();
    await a.beforeRead(appContext('contoso'));
    await b.beforeRead(appContext('contoso'));
    await a.write(appContext('contoso'), () => a.add(appTokenEvent('contoso', ['scope-a'], 'from-a'), T0));
    // b still holds the version from before a's write: its compare-and-set fails, it reloads and re-applies.
    await b.write(appContext('contoso'), () => b.add(appTokenEvent('contoso', ['scope-b'], 'from-b'), T0));
    const secrets = Object.values((await stored(store, 'msal:{app:app:login.microsoftonline.com:contoso}'))['AccessToken'] ?? {})
      .map((e) => (e as { secret: string }).secret)
      .sort();
    assert.deepEqual(secrets, ['from-a', 'from-b']);
    // b now holds both in memory as well.
    const hit = b.findAccessToken({ clientId: 'app', environments: [ENV], realm: 'contoso', homeAccountId: undefined, scopes: ['scope-a'] }, T0);
    assert.equal(hit?.entry.secret, 'from-a');
  });

  it('retries through repeated interference, then gives up with a typed conflict error and forgets the partition', async () => {
    const { store } = setup();
    const flaky = new FlakyStore(store);
    const clock = new ManualClock(T0);
    const cache = new DistributedTokenCache(flaky, { clock, maxWriteAttempts: 4 });
    flaky.interference = 3;
    await cache.write(appContext('contoso'), () => cache.add(appTokenEvent('contoso', SCOPE, 'mine'), T0));
    const doc = await stored(store, 'msal:{app:app:login.microsoftonline.com:contoso}');
    assert.equal(Object.keys(doc['AccessToken'] ?? {}).length, 4, 'the three interfering writes and ours');

    flaky.interference = 4;
    await assert.rejects(
      async () => cache.write(appContext('contoso'), () => cache.add(appTokenEvent('contoso', ['x'], 'never'), T0)),
      (err: unknown) => err instanceof DistributedCacheError && err.reason === 'conflict',
    );
    const hit = cache.findAccessToken({ clientId: 'app', environments: [ENV], realm: 'contoso', homeAccountId: undefined, scopes: ['x'] }, T0);
    assert.equal(hit, undefined, 'the unwritten token is not served from memory either');
  });

  it('a store failure is a typed error with the correlation id; memory forgets the write; it recovers', async () => {
    const { store } = setup();
    const flaky = new FlakyStore(store);
    const cache = new DistributedTokenCache(flaky, { clock: new ManualClock(T0) });
    flaky.down = true;
    const ctx = { ...appContext('contoso'), correlationId: 'corr-1' };
    await assert.rejects(cache.beforeRead(ctx) ?? Promise.resolve(), (err: unknown) => {
      assert.ok(err instanceof DistributedCacheError);
      assert.equal(err.code, 'distributed_cache');
      assert.equal(err.reason, 'unavailable');
      assert.equal(err.correlationId, 'corr-1');
      return true;
    });
    await assert.rejects(async () => cache.write(ctx, () => cache.add(appTokenEvent('contoso', SCOPE, 'lost'), T0)), DistributedCacheError);
    assert.equal(findAppToken(cache, 'contoso'), undefined);
    assert.equal(await store.get('msal:{app:app:login.microsoftonline.com:contoso}'), undefined);

    flaky.down = false;
    await cache.write(ctx, () => cache.add(appTokenEvent('contoso', SCOPE, 'kept'), T0));
    assert.equal(findAppToken(cache, 'contoso'), 'kept');
    assert.ok(await store.get('msal:{app:app:login.microsoftonline.com:contoso}'));
  });

  it("sees another instance's removal, and a partition that expired", async () => {
    const { store, make, clock } = setup();
    const a = make();
    await a.write(appContext('contoso'), () => a.add(appTokenEvent('contoso', SCOPE, 's', 600), T0));
    const b = make();
    await b.beforeRead(appContext('contoso'));
    assert.equal(findAppToken(b, 'contoso'), 's');
    await store.delete('msal:{app:app:login.microsoftonline.com:contoso}');
    await b.beforeRead(appContext('contoso'));
    assert.equal(findAppToken(b, 'contoso'), undefined);

    await a.write(appContext('fabrikam'), () => a.add(appTokenEvent('fabrikam', SCOPE, 'f', 600), T0));
    await b.beforeRead(appContext('fabrikam'));
    clock.current = T0 + 601;
    await b.beforeRead(appContext('fabrikam'));
    assert.equal(await store.get('msal:{app:app:login.microsoftonline.com:fabrikam}'), undefined, 'expired with its token');
    assert.equal(b.listAccessTokens().length, 0);
  });

  it('does not parse a partition again while its version is unchanged', async () => {
    const { make } = setup();
    const a = make();
    await a.write(appContext('contoso'), () => a.add(appTokenEvent('contoso', SCOPE, 's'), T0));
    const b = make();
    await b.beforeRead(appContext('contoso'));
    const first = b.findAccessToken({ clientId: 'app', environments: [ENV], realm: 'contoso', homeAccountId: undefined, scopes: SCOPE }, T0);
    await b.beforeRead(appContext('contoso'));
    const second = b.findAccessToken({ clientId: 'app', environments: [ENV], realm: 'contoso', homeAccountId: undefined, scopes: SCOPE }, T0);
    assert.ok(first);
    assert.equal(second?.entry, first.entry, 'the same entry object: not re-read');
    // After its own write, an instance recognises its own text and adopts the version without parsing.
    await a.beforeRead(appContext('contoso'));
    const own = a.findAccessToken({ clientId: 'app', environments: [ENV], realm: 'contoso', homeAccountId: undefined, scopes: SCOPE }, T0);
    await a.beforeRead(appContext('contoso'));
    assert.equal(a.findAccessToken({ clientId: 'app', environments: [ENV], realm: 'contoso', homeAccountId: undefined, scopes: SCOPE }, T0)?.entry, own?.entry);
  });

  it("refreshes a user partition's TTL on every write (sliding), and uses a refresh token's own expiry when it has one", async () => {
    const { store, make, clock } = setup();
    const web = make();
    await web.write(ANY, () => web.add(signInEvent('alice', 'contoso', 'a1'), T0));
    clock.current = T0 + 30 * 24 * 3600;
    assert.equal(store.ttl('msal:{app:user:alice.contoso}'), 60 * 24 * 3600);
    await web.beforeRead(userContext('alice.contoso'));
    const [rt] = web.findRefreshTokens({ homeAccountId: 'alice.contoso', environment: ENV, clientId: 'app' });
    assert.ok(rt);
    await web.write(userContext('alice.contoso'), () => web.updateRt(rt, 'rt-rotated', clock.current));
    assert.equal(store.ttl('msal:{app:user:alice.contoso}'), 90 * 24 * 3600);

    const custom = new DistributedTokenCache(store, { clock, refreshTokenLifetimeSeconds: 3600 * 24 });
    await custom.write(ANY, () => custom.add(signInEvent('carol', 'contoso', 'c'), clock.current));
    assert.equal(store.ttl('msal:{app:user:carol.contoso}'), 3600 * 24);
  });

  it('a sign-out on an instance that never read the partition removes what the store holds (regression: it removed nothing)', async () => {
    const { store, make } = setup();
    const a = make();
    await a.write(ANY, () => a.add(signInEvent('alice', 'contoso', 'a1'), T0));
    const b = make();
    const signOut = (cache: DistributedTokenCache) => () => {
      const entries = cache.getAccountEntries('alice.contoso', ENV);
      for (const rt of entries.refreshTokens) cache.removeRt(rt);
      for (const at of entries.accessTokens) cache.removeAt(at);
    };
    await b.write(userContext('alice.contoso'), signOut(b));
    const doc = await stored(store, 'msal:{app:user:alice.contoso}');
    assert.equal(doc['RefreshToken'], undefined);
    assert.equal(doc['AccessToken'], undefined);

    // A holds the partition from before B's sign-out and a new sign-in by C: its own removal reads the latest first.
    const c = make();
    await c.write(ANY, () => c.add(signInEvent('alice', 'contoso', 'a2'), T0));
    await a.write(userContext('alice.contoso'), signOut(a));
    const after = await stored(store, 'msal:{app:user:alice.contoso}');
    assert.equal(after['RefreshToken'], undefined, 'the refresh token C added is removed too');
  });

  it('applies removals to the stored partition', async () => {
    const { store, make } = setup();
    const web = make();
    await web.write(ANY, () => web.add(signInEvent('alice', 'contoso', 'a1'), T0));
    await web.beforeRead(userContext('alice.contoso'));
    const entries = web.getAccountEntries('alice.contoso', ENV);
    await web.write(userContext('alice.contoso'), () => {
      for (const rt of entries.refreshTokens) web.removeRt(rt);
      for (const at of entries.accessTokens) web.removeAt(at);
    });
    const doc = await stored(store, 'msal:{app:user:alice.contoso}');
    assert.equal(doc['RefreshToken'], undefined);
    assert.equal(doc['AccessToken'], undefined);
    assert.ok(doc['Account'], 'only what was removed is gone');
  });

  it('holds at most maxPartitions in memory, and reloads a dropped one on demand', async () => {
    const { make } = setup({ maxPartitions: 3 });
    const writer = make();
    for (let i = 0; i < 10; i++) {
      await writer.write(appContext(`t${i}`), () => writer.add(appTokenEvent(`t${i}`, SCOPE, `s${i}`), T0));
    }
    assert.equal(writer.loadedPartitions, 3);
    assert.equal(writer.listAccessTokens().length, 3, 'entries of dropped partitions left memory too');
    assert.equal(findAppToken(writer, 't0'), undefined);
    await writer.beforeRead(appContext('t0'));
    assert.equal(findAppToken(writer, 't0'), 's0');
    assert.equal(writer.loadedPartitions, 3);
  });

  it('reads an unreadable partition as empty and replaces it on the next write; skips single odd entries', async () => {
    const { store, make } = setup();
    const key = 'msal:{app:app:login.microsoftonline.com:contoso}';
    await store.set(key, 'not json{', { ttlSeconds: 60 });
    const cache = make();
    await cache.beforeRead(appContext('contoso'));
    assert.equal(cache.listAccessTokens().length, 0);
    await cache.write(appContext('contoso'), () => cache.add(appTokenEvent('contoso', SCOPE, 'fresh'), T0));
    assert.ok((await stored(store, key))['AccessToken']);

    const doc = await stored(store, key);
    (doc['AccessToken'] ??= {})['odd'] = { secret: 42 };
    await store.set(key, JSON.stringify(doc), { ttlSeconds: 60 });
    const reader = make();
    await reader.beforeRead(appContext('contoso'));
    assert.equal(findAppToken(reader, 'contoso'), 'fresh', 'the good entry is still served');
  });

  it('"any" reads load nothing and return synchronously; maxStalenessSeconds skips the round trip', async () => {
    const { store, clock } = setup();
    const flaky = new FlakyStore(store);
    const cache = new DistributedTokenCache(flaky, { clock, maxStalenessSeconds: 30 });
    assert.equal(cache.beforeRead(ANY), undefined);
    assert.equal(flaky.gets, 0);
    await cache.beforeRead(appContext('contoso'));
    assert.equal(flaky.gets, 1);
    assert.equal(cache.beforeRead(appContext('contoso')), undefined, 'fresh enough: no store read');
    assert.equal(flaky.gets, 1);
    clock.current += 31;
    await cache.beforeRead(appContext('contoso'));
    assert.equal(flaky.gets, 2);
  });

  it('shares one store read between concurrent reads of the same partition', async () => {
    const { store, clock } = setup();
    const flaky = new FlakyStore(store);
    const cache = new DistributedTokenCache(flaky, { clock });
    await Promise.all(Array.from({ length: 5 }, async () => cache.beforeRead(appContext('contoso'))));
    assert.equal(flaky.gets, 1);
  });

  it('refuses malformed contexts and options before any I/O', () => {
    const { store } = setup();
    assert.throws(() => new DistributedTokenCache({} as DistributedCacheStore), /store/);
    assert.throws(() => new DistributedTokenCache(store, { maxPartitions: 0 }), RangeError);
    assert.throws(() => new DistributedTokenCache(store, { keyPrefix: '' }), /keyPrefix/);
    const cache = new DistributedTokenCache(store);
    assert.throws(() => cache.beforeRead({ clientId: '', partition: { kind: 'any' } }), /context.clientId/);
    assert.throws(() => cache.beforeRead({ clientId: 'a', partition: { kind: 'app', clientId: 'a', environment: ENV, realm: '' } }), /context.partition.realm/);
    assert.throws(() => cache.beforeRead({ clientId: 'a', partition: { kind: 'nope' } as never }), /kind/);
    assert.throws(() => cache.write(ANY, 'x' as never), /mutate/);
  });

  it('forgets the changes of a mutation that throws', async () => {
    const { store, make } = setup();
    const cache = make();
    // The write reads the partition first, so the mutation's error arrives as a rejection.
    await assert.rejects(
      async () =>
        cache.write(appContext('contoso'), () => {
          cache.add(appTokenEvent('contoso', SCOPE, 'half'), T0);
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(findAppToken(cache, 'contoso'), undefined);
    assert.equal(await store.get('msal:{app:app:login.microsoftonline.com:contoso}'), undefined);
  });
});
