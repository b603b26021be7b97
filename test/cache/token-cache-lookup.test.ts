import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SerializableTokenCache, TokenCache, type AccessTokenQuery } from '../../src/cache/index.js';
import { ManualClock, appTokenEvent, b64, buildIdToken } from './helpers.js';

const ENV = 'login.microsoftonline.com';

function appQuery(realm: string, scopes: string[], extra: Partial<AccessTokenQuery> = {}): AccessTokenQuery {
  return { clientId: 'app', environments: [ENV], realm, homeAccountId: undefined, scopes, ...extra };
}

describe('TokenCache.findAccessToken', () => {
  it('matches when the entry holds every requested scope, case-insensitively', () => {
    const cache = new TokenCache();
    cache.add(appTokenEvent('t1', ['https://A/.default', 'B', 'c'], 'abc'), 1000);
    assert.equal(cache.findAccessToken(appQuery('t1', ['b']), 1000)?.entry.secret, 'abc');
    assert.equal(cache.findAccessToken(appQuery('t1', ['C', 'https://a/.default']), 1000)?.entry.secret, 'abc');
    assert.equal(cache.findAccessToken(appQuery('t1', ['b', 'c', 'https://a/.default']), 1000)?.entry.secret, 'abc');
    assert.equal(cache.findAccessToken(appQuery('t1', ['b', 'd']), 1000), undefined);
    assert.equal(cache.findAccessToken(appQuery('T1', ['B']), 1000)?.entry.secret, 'abc', 'realm is case-insensitive');
    assert.equal(cache.findAccessToken(appQuery('t2', ['b']), 1000), undefined);
    assert.equal(cache.findAccessToken({ ...appQuery('t1', ['b']), homeAccountId: 'u.t' }, 1000), undefined);
  });

  it('prefers the token whose scopes equal the request, then the one that expires last', () => {
    const cache = new TokenCache();
    cache.add(appTokenEvent('t', ['a', 'b'], 'ab', 7200), 1000);
    cache.add(appTokenEvent('t', ['a'], 'a-only', 3600), 1000);
    cache.add(appTokenEvent('t', ['a', 'c'], 'ac', 9000), 1000);
    assert.equal(cache.findAccessToken(appQuery('t', ['A']), 1000)?.entry.secret, 'a-only');
    assert.equal(cache.findAccessToken(appQuery('t', ['b']), 1000)?.entry.secret, 'ab');
    cache.removeAt(cache.findAccessToken(appQuery('t', ['a']), 1000)?.entry ?? assert.fail('no token'));
    assert.equal(cache.findAccessToken(appQuery('t', ['a']), 1000)?.entry.secret, 'ac');
  });

  it('treats tokens within 5 minutes of expiry as absent, using the injected clock', () => {
    const clock = new ManualClock(1000);
    const cache = new TokenCache({ clock });
    cache.add(appTokenEvent('t', ['s'], 'x', 3600));
    clock.current = 4600 - 300;
    assert.equal(cache.findAccessToken(appQuery('t', ['s']))?.entry.secret, 'x');
    clock.current = 4600 - 299.5;
    assert.equal(cache.findAccessToken(appQuery('t', ['s'])), undefined);
    assert.equal(cache.listAccessTokens().length, 1, 'not yet expired, so not purged');
  });

  it('purges a token that has expired when a lookup meets it, unless told not to', () => {
    const cache = new SerializableTokenCache();
    cache.add(appTokenEvent('t', ['s'], 'x', 60), 1000);
    cache.serialize();
    assert.equal(cache.findAccessToken(appQuery('t', ['s']), 2000), undefined);
    assert.equal(cache.listAccessTokens().length, 0);
    assert.equal(cache.hasStateChanged, true);

    const readOnly = new SerializableTokenCache({ purgeExpiredAccessTokens: false });
    readOnly.add(appTokenEvent('t', ['s'], 'x', 60), 1000);
    readOnly.serialize();
    assert.equal(readOnly.findAccessToken(appQuery('t', ['s']), 2000), undefined);
    assert.equal(readOnly.listAccessTokens().length, 1);
    assert.equal(readOnly.hasStateChanged, false);
  });

  it('flags a token as aging once refresh_on has passed', () => {
    const cache = new TokenCache();
    cache.add({ ...appTokenEvent('t', ['s'], 'x'), response: { access_token: 'x', expires_in: 3600, refresh_in: 1800 } }, 1000);
    assert.equal(cache.findAccessToken(appQuery('t', ['s']), 2799)?.aging, false);
    assert.equal(cache.findAccessToken(appQuery('t', ['s']), 2801)?.aging, true);
  });

  it('tries the environments in order and takes the first that has a match', () => {
    const cache = new TokenCache();
    cache.add({ ...appTokenEvent('t', ['s'], 'from-alias'), environment: 'login.windows.net' }, 1000);
    const q = { ...appQuery('t', ['s']), environments: [ENV, 'LOGIN.windows.net'] };
    assert.equal(cache.findAccessToken(q, 1000)?.entry.secret, 'from-alias');
    cache.add(appTokenEvent('t', ['s'], 'preferred'), 1000);
    assert.equal(cache.findAccessToken(q, 1000)?.entry.secret, 'preferred');
  });

  it("reads an app token filed under another name of the tenant (msal-node's domain realm) only after a miss", () => {
    const cache = new TokenCache();
    cache.add(appTokenEvent('contoso.onmicrosoft.com', ['s'], 'by-domain'), 1000);
    const q = appQuery('tid', ['s'], { realmAliases: ['Contoso.onmicrosoft.com'] });
    assert.equal(cache.findAccessToken(appQuery('tid', ['s']), 1000), undefined, 'no alias, no hit');
    assert.equal(cache.findAccessToken(q, 1000)?.entry.secret, 'by-domain');
    cache.add(appTokenEvent('tid', ['s'], 'by-id'), 1000);
    assert.equal(cache.findAccessToken(q, 1000)?.entry.secret, 'by-id', 'the tenant id first');
    // User tokens never take the alias: their realm comes from the id token, the same for every peer.
    const users = userCache();
    const alice = { clientId: 'app1', environments: [ENV], homeAccountId: 'alice.home', scopes: ['s'] };
    assert.equal(users.findAccessToken({ ...alice, realm: 'home' }, 1000)?.entry.secret, 'at-alice-home-app1');
    assert.equal(users.findAccessToken({ ...alice, realm: 'elsewhere', realmAliases: ['home'] }, 1000), undefined);
    assert.throws(() => cache.findAccessToken(appQuery('tid', ['s'], { realmAliases: [1] as unknown as string[] })), /query\.realmAliases/);
  });

  it('keeps OBO partitions and token types apart', () => {
    const cache = new TokenCache();
    cache.add({ ...appTokenEvent('t', ['s'], 'plain') }, 1000);
    // Another scope set, so the two do not share a cache key (the key has no assertion hash, as in MSAL Node).
    cache.add({ ...appTokenEvent('t', ['s', 'x'], 'obo-a'), userAssertionHash: 'A' }, 1000);
    assert.equal(cache.findAccessToken(appQuery('t', ['s']), 1000)?.entry.secret, 'plain');
    assert.equal(cache.findAccessToken(appQuery('t', ['s'], { userAssertionHash: 'A' }), 1000)?.entry.secret, 'obo-a');
    assert.equal(cache.findAccessToken(appQuery('t', ['s'], { userAssertionHash: 'a' }), 1000), undefined);
    assert.equal(cache.findAccessToken(appQuery('t', ['s'], { tokenType: 'BEARER' }), 1000)?.entry.secret, 'plain');
    assert.equal(cache.findAccessToken(appQuery('t', ['s'], { tokenType: 'pop' }), 1000), undefined);
  });

  it('rejects a malformed query with TypeError', () => {
    const cache = new TokenCache();
    assert.throws(() => cache.findAccessToken({ ...appQuery('t', ['s']), environments: [] }), /query\.environments/);
    assert.throws(() => cache.findAccessToken({ ...appQuery('t', ['s']), clientId: 1 as unknown as string }), /query\.clientId/);
    assert.throws(() => cache.findAccessToken({ ...appQuery('t', ['s']), scopes: [1] as unknown as string[] }), /query\.scopes/);
  });
});

function userCache(): TokenCache {
  const cache = new TokenCache();
  const add = (uid: string, realm: string, clientId: string, extra: Record<string, unknown>, now: number, grantType = 'authorization_code'): void =>
    cache.add(
      {
        clientId,
        scopes: ['s'],
        environment: ENV,
        realm,
        grantType,
        response: {
          client_info: b64({ uid, utid: 'home' }),
          id_token: buildIdToken({ oid: `oid-${uid}`, preferred_username: `${uid.toUpperCase()}@Example.com`, aud: clientId }),
          access_token: `at-${uid}-${realm}-${clientId}`,
          expires_in: 3600,
          refresh_token: `rt-${uid}-${clientId}-${now}`,
          ...extra,
        },
      },
      now,
    );
  add('alice', 'home', 'app1', { foci: '1' }, 1000);
  add('alice', 'guest', 'app1', { foci: '1' }, 1001);
  add('bob', 'home', 'app1', {}, 1002);
  add('alice', 'home', 'app2', { foci: '1' }, 1003);
  return cache;
}

describe('TokenCache refresh tokens, id tokens, accounts', () => {
  it("finds an app's own refresh tokens and its family's", () => {
    const cache = userCache();
    const own = cache.findRefreshTokens({ homeAccountId: 'alice.home', environment: ENV, clientId: 'APP1' });
    assert.deepEqual(
      own.map((r) => r.secret),
      ['rt-alice-app1-1001'],
    );
    const family = cache.findRefreshTokens({ homeAccountId: 'alice.home', environment: ENV, familyId: '1' });
    assert.deepEqual(
      family.map((r) => r.secret),
      ['rt-alice-app2-1003', 'rt-alice-app1-1001'],
      'newest first',
    );
    assert.deepEqual(cache.findRefreshTokens({ homeAccountId: 'bob.home', environment: ENV, familyId: '1' }), []);
    assert.equal(cache.hasRefreshTokens(ENV), true);
    assert.equal(cache.hasRefreshTokens('login.windows.net'), false);
  });

  it('finds the id token and app metadata by their keys', () => {
    const cache = userCache();
    const idt = cache.findIdToken({ homeAccountId: 'alice.home', environment: ENV, realm: 'guest', clientId: 'app1' });
    assert.equal(idt?.realm, 'guest');
    assert.equal(cache.findIdToken({ homeAccountId: 'alice.home', environment: ENV, realm: 'other', clientId: 'app1' }), undefined);
    assert.equal(cache.getAppMetadata(ENV, 'app2')?.family_id, '1');
    assert.equal(cache.getAppMetadata(ENV, 'app1')?.family_id, undefined, 'rewritten by the last response, as in Python');
    assert.equal(cache.getAppMetadata(ENV, 'nope'), undefined);
  });

  it('lists accounts grouped by home account, filtered by username case-insensitively', () => {
    const cache = userCache();
    const accounts = cache.getAccounts({ environments: ['login.windows.net', ENV] });
    assert.deepEqual(
      accounts.map((a) => [a.home_account_id, a.username, a.realm, a.account_source]),
      [
        ['alice.home', 'ALICE@Example.com', 'home', 'authorization_code'],
        ['bob.home', 'BOB@Example.com', 'home', 'authorization_code'],
      ],
    );
    assert.deepEqual(
      cache.getAccounts({ environments: [ENV], username: 'bob@example.COM' }).map((a) => a.home_account_id),
      ['bob.home'],
    );
    assert.deepEqual(cache.getAccounts({ environments: ['elsewhere'] }), []);
  });

  it('updates a refresh token in place, bumping last_modification_time', () => {
    const cache = new SerializableTokenCache();
    cache.add(
      { clientId: 'c', scopes: ['s'], environment: ENV, realm: 'r', response: { client_info: b64({ uid: 'u', utid: 't' }), refresh_token: 'old' } },
      1000,
    );
    const [rt] = cache.findRefreshTokens({ homeAccountId: 'u.t', environment: ENV, clientId: 'c' });
    assert.ok(rt);
    cache.serialize();
    assert.equal(cache.updateRt(rt, 'new', 5000), true);
    assert.equal(cache.hasStateChanged, true);
    const [updated] = cache.findRefreshTokens({ homeAccountId: 'u.t', environment: ENV, clientId: 'c' });
    assert.equal(updated?.secret, 'new');
    assert.equal(updated?.last_modification_time, 5000);
    assert.equal(updated?.key, rt.key);
    assert.equal(cache.removeRt(rt), true);
    assert.equal(cache.updateRt(rt, 'newer', 6000), false, 'a removed RT is not resurrected');
    assert.deepEqual(cache.findRefreshTokens({ homeAccountId: 'u.t', environment: ENV, clientId: 'c' }), []);
  });

  it('gives every entry of an account for removal, and removes app tokens per client', () => {
    const cache = userCache();
    cache.add(appTokenEvent('t1', ['s'], 'app-1'), 1000);
    cache.add({ ...appTokenEvent('t2', ['s'], 'app-2'), clientId: 'APP' }, 1000);
    cache.add({ ...appTokenEvent('t1', ['s'], 'other-app'), clientId: 'other' }, 1000);
    const entries = cache.getAccountEntries('alice.home', ENV);
    assert.equal(entries.accessTokens.length, 3);
    assert.equal(entries.refreshTokens.length, 2);
    assert.equal(entries.idTokens.length, 3);
    assert.equal(entries.accounts.length, 2);
    for (const a of entries.accessTokens) cache.removeAt(a);
    for (const a of entries.accounts) cache.removeAccount(a);
    assert.deepEqual(
      cache.getAccounts({ environments: [ENV] }).map((a) => a.home_account_id),
      ['bob.home'],
    );
    assert.equal(cache.getAccountEntries('alice.home', ENV).accessTokens.length, 0);

    assert.equal(cache.removeTokensForClient('app', [ENV, 'login.windows.net']), 2);
    assert.equal(cache.findAccessToken(appQuery('t1', ['s']), 1000), undefined);
    assert.equal(cache.findAccessToken({ ...appQuery('t1', ['s']), clientId: 'other' }, 1000)?.entry.secret, 'other-app');
    assert.equal(cache.getAccountEntries('bob.home', ENV).accessTokens.length, 1, 'user tokens stay');
  });
});
