import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { extCacheKey, legacyExtCacheKey } from '../../src/cache/ext-cache-key.js';
import { accessTokenKey } from '../../src/cache/cache-keys.js';
import { SerializableTokenCache, TokenCache, type AccessTokenQuery } from '../../src/cache/index.js';
import { appTokenEvent } from './helpers.js';

// Expected values are the published test vectors of the other MSALs (inputs and outputs only):
// - current (length-prefixed) form: MSAL Go's authority_ext_cachekey_test.go, TestAppKeyWithCacheKeyComponent (1.9.0);
//   MSAL Python, .NET, Java and Node adopted the same encoding in their July 2026 "length-prefix" fixes.
// - legacy (plain concatenation) form: MSAL Python's tests/test_token_cache.py TestCrossMsalCacheKeyCompatibility,
//   which quotes MSAL Go's and MSAL .NET's (CacheKeyExtensionTests) expected hashes of that time.
describe('extCacheKey: the same hash as MSAL Python, .NET and Go', () => {
  it('matches MSAL Go 1.9.0 on its own vectors (length-prefixed)', () => {
    assert.equal(extCacheKey({ key1: 'value1', key2: 'value2' }), 'latlwkpewb_a0rcsmjvkecqt0_huumkw4sflzociike');
    assert.equal(extCacheKey({ key3: 'value3', key4: 'value4' }), 'jjoe9jgfmdtnj0rzuetsqy7kzs2m1xfnjjxwsfxsrxq');
    const five = { key3: 'value3', key4: 'value4', key5: 'value5', key6: 'value6', key7: 'value7' };
    assert.equal(extCacheKey(five), 'prrdp31y37ufw3lo7hly0oimjjvg_34m9ji30ocu4tw');
    const shuffled = { key7: 'value7', key4: 'value4', key6: 'value6', key5: 'value5', key3: 'value3' };
    assert.equal(extCacheKey(shuffled), 'prrdp31y37ufw3lo7hly0oimjjvg_34m9ji30ocu4tw', 'insertion order does not matter');
  });

  it('matches the legacy vectors of MSAL Python 1.36-1.37, Go and .NET (plain concatenation)', () => {
    assert.equal(legacyExtCacheKey({ key1: 'value1', key2: 'value2' }), 'bns2ytmx5hxkh4fnfixridmezpbbayhnmuh6t4bbghi');
    assert.equal(legacyExtCacheKey({ key3: 'value3', key4: 'value4' }), '3-rg6_wyjx5bcy0c3cqq7gajtzgsqy3oxqpwj4y8k4u');
    const five = { key3: 'value3', key4: 'value4', key5: 'value5', key6: 'value6', key7: 'value7' };
    assert.equal(legacyExtCacheKey(five), 'rn_gkpxxkkqjxcqnvnmr2duvxg66xanvkz6qfqpwp2e');
  });

  it('keeps the boundary between components (the collision the length prefix fixed)', () => {
    assert.notEqual(extCacheKey({ a: 'xbY', b: 'Z' }), extCacheKey({ a: 'x', b: 'YbZ' }));
    assert.notEqual(extCacheKey({ fmi_path: 'value' }), extCacheKey({ fmi_pat: 'hvalue' }));
    assert.equal(legacyExtCacheKey({ fmi_path: 'value' }), legacyExtCacheKey({ fmi_pat: 'hvalue' }), 'the old form collided');
  });

  it('counts UTF-8 bytes, not UTF-16 units, in the length prefix', () => {
    // "é" is 2 bytes, "😀" 4 bytes (2 UTF-16 units): the prefix must say 2 and 4.
    const manual = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64url').toLowerCase();
    assert.equal(extCacheKey({ fmi_path: 'é' }), manual('8:fmi_path2:é'));
    assert.equal(extCacheKey({ fmi_path: '😀' }), manual('8:fmi_path4:😀'));
  });

  it('gives no key for no component or only empty values, and refuses non-strings', () => {
    assert.equal(extCacheKey({}), undefined);
    assert.equal(extCacheKey({ fmi_path: '' }), undefined);
    assert.equal(legacyExtCacheKey({}), undefined);
    assert.throws(() => extCacheKey({ fmi_path: 1 as unknown as string }), TypeError);
  });
});

describe('access tokens with an extended cache key', () => {
  const ENV = 'login.microsoftonline.com';
  const query = (extra: Partial<AccessTokenQuery> = {}): AccessTokenQuery => ({
    clientId: 'app',
    environments: [ENV],
    realm: 't',
    homeAccountId: undefined,
    scopes: ['s'],
    ...extra,
  });

  it('are keyed -atext- with the hash last, as MSAL .NET, Go and Python key them', () => {
    // MSAL .NET's CacheKeyExtensionTests expectedCacheKey1, as MSAL Python's tests quote it.
    const key = accessTokenKey({
      home_account_id: null,
      environment: 'login.windows.net',
      client_id: 'd3adb33f-c0de-ed0c-c0de-deadb33fc0d3',
      realm: 'common',
      target: 'r1/scope1 r1/scope2',
      ext_cache_key: 'bns2ytmx5hxkh4fnfixridmezpbbayhnmuh6t4bbghi',
    });
    assert.equal(key, '-login.windows.net-atext-d3adb33f-c0de-ed0c-c0de-deadb33fc0d3-common-r1/scope1 r1/scope2-bns2ytmx5hxkh4fnfixridmezpbbayhnmuh6t4bbghi');
    const go = accessTokenKey({
      home_account_id: 'testhid',
      environment: 'env',
      client_id: 'clientid',
      realm: 'realm',
      target: 'user.read',
      ext_cache_key: 'h',
    });
    assert.equal(go, 'testhid-env-atext-clientid-realm-user.read-h');
  });

  it('are served only to a lookup with the same key, and never to one without', () => {
    const cache = new SerializableTokenCache();
    const a = extCacheKey({ fmi_path: 'agent/a' }) ?? assert.fail('no key');
    const b = extCacheKey({ fmi_path: 'agent/b' }) ?? assert.fail('no key');
    cache.add(appTokenEvent('t', ['s'], 'plain'), 1000);
    cache.add({ ...appTokenEvent('t', ['s'], 'for-a'), extCacheKey: a }, 1000);
    cache.add({ ...appTokenEvent('t', ['s'], 'for-b'), extCacheKey: b }, 1000);
    assert.equal(cache.findAccessToken(query(), 1000)?.entry.secret, 'plain');
    assert.equal(cache.findAccessToken(query({ extCacheKeys: [a] }), 1000)?.entry.secret, 'for-a');
    assert.equal(cache.findAccessToken(query({ extCacheKeys: [b] }), 1000)?.entry.secret, 'for-b');
    assert.equal(cache.findAccessToken(query({ extCacheKeys: ['other'] }), 1000), undefined);
    const stored = JSON.parse(cache.serialize()) as { AccessToken: Record<string, Record<string, unknown>> };
    const entry = stored.AccessToken[`-${ENV}-atext-app-t-s-${a}`];
    assert.equal(entry?.['ext_cache_key'], a);
    assert.equal(entry?.['credential_type'], 'AccessToken');
  });

  it('serves an entry under a later key of the list only when the first finds nothing', () => {
    const cache = new TokenCache();
    cache.add({ ...appTokenEvent('t', ['s'], 'legacy'), extCacheKey: 'old' }, 1000);
    assert.equal(cache.findAccessToken(query({ extCacheKeys: ['new', 'old'] }), 1000)?.entry.secret, 'legacy');
    cache.add({ ...appTokenEvent('t', ['s'], 'current'), extCacheKey: 'new' }, 1000);
    assert.equal(cache.findAccessToken(query({ extCacheKeys: ['new', 'old'] }), 1000)?.entry.secret, 'current');
  });

  it('are left out of search() unless the query names ext_cache_key (MSAL Python 1.36+)', () => {
    const cache = new TokenCache();
    cache.add(appTokenEvent('t', ['s'], 'plain'), 1000);
    cache.add({ ...appTokenEvent('t', ['s'], 'fmi'), extCacheKey: 'k' }, 1000);
    const secrets = (q?: Record<string, unknown>): unknown[] =>
      [...cache.search('AccessToken', { target: ['s'], query: q, now: 1000 })].map((e) => e['secret']);
    assert.deepEqual(secrets(), ['plain']);
    assert.deepEqual(secrets({ ext_cache_key: 'k' }), ['fmi']);
    assert.deepEqual(secrets({ client_id: 'app', environment: ENV, realm: 't', home_account_id: null, ext_cache_key: 'k' }), ['fmi']);
  });
});
