// A load leaves access tokens unparsed and unindexed until a lookup reads their account or tenant (issue 17: a process
// that serves one token from a file of thousands should not build entries nobody asks for). What a load refuses, what
// each query answers and what the file holds afterwards must be exactly as if every entry had been indexed at load.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CacheFormatError } from '../../src/errors.js';
import { checkAccessToken, parseAccessToken } from '../../src/cache/cache-entries.js';
import { CacheStore } from '../../src/cache/cache-store.js';
import { CredentialType, SerializableTokenCache, type AccessTokenQuery } from '../../src/cache/index.js';
import { b64 } from './helpers.js';

const CLIENT = 'client-a';
const ENV = 'login.example.com';
const NOW = 1_000;

function appCache(tenants: readonly string[]): SerializableTokenCache {
  const cache = new SerializableTokenCache();
  for (const realm of tenants) {
    cache.add({ clientId: CLIENT, scopes: ['s1'], environment: ENV, realm, response: { access_token: `at-${realm}`, expires_in: 3600 } }, NOW);
  }
  return cache;
}

const appQuery = (realm: string): AccessTokenQuery => ({ clientId: CLIENT, environments: [ENV], realm, homeAccountId: undefined, scopes: ['s1'] });

/** A store loaded with `text`, and a look at which of its access tokens are indexed. */
function loadedStore(text: string): { store: CacheStore; indexed: () => string[] } {
  const store = new CacheStore(() => {});
  store.load(text);
  const indexed = (): string[] => [...store.state.accessTokens.entries.values()].filter((s) => s.indexed !== undefined).map((s) => s.key);
  return { store, indexed };
}

describe('access tokens indexed on first lookup', () => {
  it('indexes only the tenant a lookup reads, and the rest when a query reads across tenants', () => {
    const text = appCache(['t1', 't2', 't3']).serialize();
    const { store, indexed } = loadedStore(text);
    assert.deepEqual(indexed(), []);
    const cache = new SerializableTokenCache();
    cache.deserialize(text);
    assert.equal(cache.findAccessToken(appQuery('T2'), NOW)?.entry.secret, 'at-t2');

    // The same through the store itself: one bucket, then all of them.
    const found = store.state.accessTokenIndex.find(
      {
        plainScopes: true,
        clientId: CLIENT,
        environments: [ENV],
        realm: 't2',
        homeAccountId: undefined,
        keyId: undefined,
        userAssertionHash: undefined,
        extCacheKey: undefined,
        tokenType: undefined,
        loweredScopes: ['s1'],
      },
      NOW,
      undefined,
    );
    assert.equal(found?.entry.secret, 'at-t2');
    assert.equal(indexed().length, 1);
    assert.match(indexed()[0] ?? '', /-t2-/);
    store.state.accessTokenIndex.forClient(CLIENT, ENV);
    assert.equal(indexed().length, 3);
  });

  it('keeps the file as it was, in its order, whatever was looked up', () => {
    const text = appCache(['t1', 't2', 't3', 't4']).serialize();
    const cache = new SerializableTokenCache();
    cache.deserialize(text);
    cache.findAccessToken(appQuery('t3'), NOW);
    cache.findAccessToken(appQuery('t1'), NOW);
    assert.equal(cache.serialize(), text);
  });

  it('refuses a malformed access token at load, not at its first lookup, and keeps the previous state', () => {
    const cache = appCache(['t1']);
    const before = cache.serialize();
    const file = JSON.parse(appCache(['t1', 't2']).serialize()) as { AccessToken: Record<string, Record<string, unknown>> };
    const second = Object.values(file.AccessToken)[1];
    assert.ok(second !== undefined);
    second['expires_on'] = { not: 'a time' };
    assert.throws(() => cache.deserialize(JSON.stringify(file)), CacheFormatError);
    assert.equal(cache.serialize(), before);
  });

  it('serves a token written over an unindexed one, and forgets one removed before its lookup', () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(appCache(['t1', 't2']).serialize());
    // Overwrite t1's token (same key) before any lookup of t1.
    cache.add({ clientId: CLIENT, scopes: ['s1'], environment: ENV, realm: 't1', response: { access_token: 'newer', expires_in: 3600 } }, NOW);
    // Remove t2's token through a scan of the raw entries, before any lookup of t2.
    const t2 = cache.find(CredentialType.ACCESS_TOKEN, { query: { realm: 't2' }, now: NOW });
    assert.equal(t2.length, 1);
    assert.equal(cache.removeAt(t2[0] ?? {}), true);
    assert.equal(cache.findAccessToken(appQuery('t1'), NOW)?.entry.secret, 'newer');
    assert.equal(cache.findAccessToken(appQuery('t2'), NOW), undefined);
    assert.deepEqual(
      cache.listAccessTokens().map((e) => e.secret),
      ['newer'],
    );
  });

  it('removes an unindexed tenant token with removeTokensForClient', () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(appCache(['t1', 't2', 't3']).serialize());
    cache.findAccessToken(appQuery('t1'), NOW);
    assert.equal(cache.removeTokensForClient(CLIENT, [ENV]), 3);
    assert.deepEqual(cache.listAccessTokens(), []);
  });

  it("gives an account's unindexed user tokens to getAccountEntries, whatever the case of its id", () => {
    const cache = new SerializableTokenCache();
    for (const [uid, realm] of [
      ['Uid1', 'r1'],
      ['uid2', 'r1'],
      ['Uid1', 'r2'],
    ] as const) {
      const response = { access_token: `at-${uid}-${realm}`, expires_in: 3600, client_info: b64({ uid, utid: 'home' }) };
      cache.add({ clientId: CLIENT, scopes: ['s1'], environment: ENV, realm, response }, NOW);
    }
    const loaded = new SerializableTokenCache();
    loaded.deserialize(cache.serialize());
    const entries = loaded.getAccountEntries('uid1.home', ENV);
    assert.deepEqual(entries.accessTokens.map((e) => e.secret).sort(), ['at-Uid1-r1', 'at-Uid1-r2']);
    const hit = loaded.findAccessToken({ ...appQuery('R2'), homeAccountId: 'UID1.HOME' }, NOW);
    assert.equal(hit?.entry.secret, 'at-Uid1-r2');
  });

  it('purges an expired unindexed token on its first lookup, as an indexed one', () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(appCache(['t1', 't2']).serialize());
    assert.equal(cache.findAccessToken(appQuery('t1'), NOW + 7200), undefined);
    assert.deepEqual(
      cache.find(CredentialType.ACCESS_TOKEN, { now: 0 }).map((e) => e['realm']),
      ['t2'],
    );
  });
});

describe('checkAccessToken', () => {
  const FIELDS = [
    'credential_type',
    'secret',
    'home_account_id',
    'environment',
    'client_id',
    'realm',
    'target',
    'token_type',
    'cached_at',
    'expires_on',
    'extended_expires_on',
    'ext_expires_on',
    'refresh_on',
    'key_id',
    'kid',
    'userAssertionHash',
    'user_assertion_hash',
    'additionalCacheKeyComponents',
    'ext_cache_key',
  ];
  const value = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.constantFrom('', 'x', '12', ' 3 ', 'abc'),
    fc.constantFrom(0, 7, 1.5, Number.NaN),
    fc.boolean(),
    fc.constant({ o: 1 }),
    fc.constant([1]),
  );
  const entry = fc.dictionary(fc.constantFrom(...FIELDS), value);

  it('refuses exactly what parseAccessToken refuses, with the same message', () => {
    fc.assert(
      fc.property(entry, (raw) => {
        let parsed: unknown;
        let checked: unknown;
        try {
          parseAccessToken('k', raw);
        } catch (err) {
          parsed = err;
        }
        try {
          checkAccessToken(raw);
        } catch (err) {
          checked = err;
        }
        assert.equal(checked instanceof CacheFormatError, parsed instanceof CacheFormatError);
        assert.equal((checked as Error | undefined)?.message, (parsed as Error | undefined)?.message);
      }),
      { numRuns: 2000 },
    );
  });
});
