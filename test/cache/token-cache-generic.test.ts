// The generic TokenCache API (MSAL Python's search/find/modify/remove_* and its constants): semantics, and indexes that
// stay consistent with the data when entries are changed through it. MSAL Python's own answers on the same cache are
// compared in test/interop/token-cache-search-python.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AuthorityType, CredentialType, SerializableTokenCache, TokenCache, type CacheEntry } from '../../src/index.js';
import type { AccessTokenQuery } from '../../src/cache/index.js';
import { b64, buildIdToken } from './helpers.js';

const CLIENTS = ['c1', 'c2'];
const ENVS = ['e1', 'e2'];
const UIDS = ['u', 'v'];
const SCOPES = ['a', 'b', 'c'];

function userEvent(clientId: string, environment: string, uid: string, scopes: string[], expiresIn: number): Parameters<TokenCache['add']>[0] {
  return {
    clientId,
    scopes,
    environment,
    realm: 't',
    grantType: 'authorization_code',
    response: {
      access_token: `at-${Math.random()}`,
      expires_in: expiresIn,
      token_type: 'Bearer',
      refresh_token: `rt-${Math.random()}`,
      client_info: b64({ uid, utid: 't' }),
      id_token: buildIdToken({ oid: uid, tid: 't', preferred_username: `${uid}@example.com` }),
    },
  };
}

/** Every typed (indexed) answer of a cache, for comparison with a cache rebuilt from its own serialization. */
function indexedAnswers(cache: TokenCache, now: number): unknown[] {
  const out: unknown[] = [];
  for (const env of ENVS) {
    out.push(cache.getAccounts({ environments: [env] }));
    for (const uid of UIDS) {
      const hid = `${uid}.t`;
      const entries = cache.getAccountEntries(hid, env);
      out.push(Object.values(entries).map((list: Array<{ key: string }>) => list.map((e) => e.key).sort()));
      for (const clientId of CLIENTS) {
        out.push(cache.findRefreshTokens({ homeAccountId: hid, environment: env, clientId }).map((e) => [e.key, e.secret]));
        out.push(cache.findIdToken({ homeAccountId: hid, environment: env, realm: 't', clientId })?.key);
        for (const scopes of [['a'], ['b'], ['a', 'b'], ['c']]) {
          const q: AccessTokenQuery = { clientId, environments: [env], realm: 't', homeAccountId: hid, scopes };
          out.push(cache.findAccessToken(q, now)?.entry.key);
        }
      }
    }
  }
  return out;
}

describe('the generic TokenCache API', () => {
  it("has MSAL Python's CredentialType and AuthorityType constants, on the class and as exports", () => {
    assert.deepEqual(
      { ...CredentialType },
      { ACCESS_TOKEN: 'AccessToken', REFRESH_TOKEN: 'RefreshToken', ACCOUNT: 'Account', ID_TOKEN: 'IdToken', APP_METADATA: 'AppMetadata' },
    );
    assert.deepEqual({ ...AuthorityType }, { ADFS: 'ADFS', MSSTS: 'MSSTS' });
    assert.equal(TokenCache.CredentialType, CredentialType);
    assert.equal(SerializableTokenCache.AuthorityType, AuthorityType);
  });

  it('search matches by query fields and target scopes, across environments and apps', () => {
    const cache = new TokenCache();
    cache.add(userEvent('c1', 'e1', 'u', ['a', 'b'], 3600), 1000);
    cache.add(userEvent('c2', 'e2', 'u', ['a'], 3600), 1000);
    cache.add(userEvent('c1', 'e2', 'v', ['c'], 3600), 1000);
    const rts = cache.find(CredentialType.REFRESH_TOKEN);
    assert.deepEqual(
      rts.map((e) => [e['environment'], e['client_id']]),
      [
        ['e1', 'c1'],
        ['e2', 'c2'],
        ['e2', 'c1'],
      ],
    );
    assert.equal(cache.find(CredentialType.ACCOUNT, { query: { home_account_id: 'u.t' } }).length, 2);
    assert.deepEqual(
      cache.find(CredentialType.ACCESS_TOKEN, { target: ['b', 'a'], now: 1000 }).map((e) => e['client_id']),
      ['c1'],
    );
    assert.equal(cache.find(CredentialType.ACCESS_TOKEN, { target: ['A'], now: 1000 }).length, 0, 'scopes compared exactly, as MSAL Python');
    assert.equal(cache.find(CredentialType.ACCOUNT, { query: { no_such_field: null } }).length, 0, 'a missing field never matches');
    const [entry] = cache.find(CredentialType.ID_TOKEN, { query: { client_id: 'c2' } });
    assert.ok(Object.isFrozen(entry));
    assert.throws(() => cache.find('Token' as never), /credentialType must be one of/);
    assert.throws(() => cache.find(CredentialType.ACCOUNT, { querry: {} } as never), /unknown option "querry"/);
    assert.throws(() => cache.find(CredentialType.ACCOUNT, { target: 'a' as never }), /options.target/);
  });

  it('search skips expired access tokens and purges them once iterated to the end', () => {
    const cache = new SerializableTokenCache();
    cache.add(userEvent('c1', 'e1', 'u', ['a'], 100), 1000);
    cache.add(userEvent('c1', 'e1', 'v', ['a'], 5000), 1000);
    cache.serialize();
    const iterator = cache.search(CredentialType.ACCESS_TOKEN, { now: 2000 });
    assert.equal(iterator.next().value?.['home_account_id'], 'v.t');
    assert.equal(cache.hasStateChanged, false, 'nothing purged before the end');
    assert.equal(iterator.next().done, true);
    assert.equal(cache.hasStateChanged, true);
    assert.equal(cache.find(CredentialType.ACCESS_TOKEN, { now: 0 }).length, 1, 'the expired token is gone');
    const keep = new TokenCache({ purgeExpiredAccessTokens: false });
    keep.add(userEvent('c1', 'e1', 'u', ['a'], 100), 1000);
    assert.equal(keep.find(CredentialType.ACCESS_TOKEN, { now: 2000 }).length, 0);
    assert.equal(keep.find(CredentialType.ACCESS_TOKEN, { now: 0 }).length, 1, 'kept when purging is off');
  });

  it("modify and the remove methods act on the entry search yielded, even under another MSAL's key", () => {
    const nodeKey = 'u.t-e1-refreshtoken-c1----';
    const cache = new SerializableTokenCache();
    cache.deserialize(
      JSON.stringify({
        RefreshToken: {
          [nodeKey]: { home_account_id: 'u.t', environment: 'e1', credential_type: 'RefreshToken', client_id: 'c1', secret: 'old' },
        },
      }),
    );
    const [rt] = cache.find(CredentialType.REFRESH_TOKEN);
    assert.ok(rt);
    cache.modify(CredentialType.REFRESH_TOKEN, rt, { secret: 'new' });
    const file = JSON.parse(cache.serialize()) as { RefreshToken: Record<string, unknown> };
    assert.deepEqual(Object.keys(file.RefreshToken), [nodeKey], 'the key is kept, not recomputed');
    assert.deepEqual(
      cache.findRefreshTokens({ homeAccountId: 'u.t', environment: 'e1', clientId: 'c1' }).map((e) => e.secret),
      ['new'],
    );
    const [updated] = cache.find(CredentialType.REFRESH_TOKEN);
    assert.ok(updated);
    assert.equal(cache.removeRt(updated), true);
    assert.deepEqual(cache.findRefreshTokens({ homeAccountId: 'u.t', environment: 'e1', clientId: 'c1' }), []);
    assert.equal(cache.removeRt(updated), false);
  });

  it('modify takes any object of fields as MSAL Python does: its key is computed, an empty update removes', () => {
    const cache = new TokenCache();
    const fields = { home_account_id: 'u.t', environment: 'e1', credential_type: 'RefreshToken', client_id: 'c1', secret: 's' };
    cache.modify(CredentialType.REFRESH_TOKEN, fields, { secret: 'inserted' });
    assert.deepEqual(
      cache.findRefreshTokens({ homeAccountId: 'u.t', environment: 'e1', clientId: 'c1' }).map((e) => [e.key, e.secret]),
      [['u.t-e1-refreshtoken-c1--', 'inserted']],
    );
    cache.modify(CredentialType.REFRESH_TOKEN, fields, {});
    assert.equal(cache.find(CredentialType.REFRESH_TOKEN).length, 0);
    assert.throws(() => cache.modify(CredentialType.REFRESH_TOKEN, fields, { secret: undefined }), /newKeyValuePairs must be a plain object of JSON values/);
    assert.throws(() => cache.modify(CredentialType.REFRESH_TOKEN, fields, { secret: 42 }), { code: 'cache_format' });
    assert.equal(cache.find(CredentialType.REFRESH_TOKEN).length, 0, 'an invalid entry changes nothing');
    assert.throws(() => cache.removeRt({ ...fields, credential_type: 'AccessToken' }), /rt must be a RefreshToken entry/);
    assert.throws(() => cache.removeAccount({ home_account_id: 'u.t' }), /account must be an Account entry/);
    cache.add(userEvent('c1', 'e1', 'u', ['a'], 3600), 1000);
    const [at] = cache.find(CredentialType.ACCESS_TOKEN, { now: 1000 });
    assert.ok(at);
    assert.throws(() => cache.removeRt(at), /rt must be a RefreshToken entry/, 'an entry search yielded from another section');
  });

  it('keeps every index consistent with the data through random generic modifications and removals', () => {
    const add = fc.record({
      kind: fc.constant('add' as const),
      clientId: fc.constantFrom(...CLIENTS),
      env: fc.constantFrom(...ENVS),
      uid: fc.constantFrom(...UIDS),
      scopes: fc.subarray(SCOPES, { minLength: 1 }),
      expiresIn: fc.constantFrom(100, 5000),
    });
    const change = fc.record({
      kind: fc.constant('change' as const),
      type: fc.constantFrom(...Object.values(CredentialType)),
      index: fc.nat(),
      how: fc.constantFrom('remove', 'empty', 'typedRemove', 'secret', 'environment', 'client_id', 'target', 'home_account_id'),
    });
    const sweep = fc.record({ kind: fc.constant('sweep' as const), now: fc.constantFrom(1000, 2000) });
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 3, arbitrary: add }, { weight: 4, arbitrary: change }, { weight: 1, arbitrary: sweep }), { maxLength: 40 }),
        (ops) => {
          const cache = new SerializableTokenCache({ clock: { now: () => 1000 } });
          for (const o of ops) {
            if (o.kind === 'add') {
              cache.add(userEvent(o.clientId, o.env, o.uid, o.scopes, o.expiresIn), 1000);
              continue;
            }
            if (o.kind === 'sweep') {
              void cache.find(CredentialType.ACCESS_TOKEN, { now: o.now });
              continue;
            }
            const entries = cache.find(o.type, { now: 0 });
            const entry: CacheEntry | undefined = entries[o.index % Math.max(entries.length, 1)];
            if (entry === undefined) continue;
            switch (o.how) {
              case 'remove':
                cache.modify(o.type, entry);
                break;
              case 'empty':
                cache.modify(o.type, entry, {});
                break;
              case 'typedRemove':
                if (o.type === 'AccessToken') cache.removeAt(entry);
                else if (o.type === 'RefreshToken') cache.removeRt(entry);
                else if (o.type === 'IdToken') cache.removeIdt(entry);
                else if (o.type === 'Account') cache.removeAccount(entry);
                else cache.removeAppMetadata(entry);
                break;
              case 'secret':
                if (o.type === 'RefreshToken') assert.equal(cache.updateRt(entry, `up-${Math.random()}`, 1500), true);
                else cache.modify(o.type, entry, { secret: `s-${Math.random()}` });
                break;
              case 'target':
                cache.modify(o.type, entry, { target: 'a c' });
                break;
              default:
                cache.modify(o.type, entry, { [o.how]: o.how === 'home_account_id' ? 'v.t' : o.how === 'environment' ? 'e2' : 'c2' });
            }
          }
          const rebuilt = new SerializableTokenCache();
          rebuilt.deserialize(cache.serialize());
          for (const now of [1000, 2000]) assert.deepEqual(indexedAnswers(cache, now), indexedAnswers(rebuilt, now));
          assert.deepEqual(
            cache.listAccessTokens().map((e) => e.key),
            rebuilt.listAccessTokens().map((e) => e.key),
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});
