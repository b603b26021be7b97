import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CacheFormatError } from '../../src/errors.js';
import { SerializableTokenCache } from '../../src/cache/index.js';
import { appTokenEvent, b64 } from './helpers.js';

const NODE_FIXTURE = readFileSync(new URL('./fixtures/msal-node-cache.json', import.meta.url), 'utf8');
const ENV = 'login.microsoftonline.com';
const NODE_CLIENT = 'b1a2c3d4-0000-4000-8000-000000000001';
const HOME = '9188040d-6c67-4c5b-b112-36a304b66dad';
const GUEST = 'f645ad92-e38d-4d1a-b510-d1b09a74a8ca';
const NODE_HID = `00000000-0000-0000-66f3-3332eca7ea81.${HOME}`;
const NODE_NOW = 1700000100;

describe('SerializableTokenCache state tracking', () => {
  it('sets hasStateChanged on add and changes, resets it on serialize and deserialize', () => {
    const cache = new SerializableTokenCache();
    assert.equal(cache.hasStateChanged, false);
    cache.add(appTokenEvent('t', ['s'], 'x'), 1000);
    assert.equal(cache.hasStateChanged, true);
    const text = cache.serialize();
    assert.equal(cache.hasStateChanged, false);
    assert.equal(cache.findAccessToken({ clientId: 'app', environments: [ENV], realm: 't', homeAccountId: undefined, scopes: ['s'] }, 1000)?.entry.secret, 'x');
    assert.equal(cache.hasStateChanged, false, 'a lookup that purges nothing is not a change');
    cache.hasStateChanged = true;
    cache.deserialize(text);
    assert.equal(cache.hasStateChanged, false);
    cache.add({ ...appTokenEvent('t', ['s'], 'x'), response: {} }, 1000);
    assert.equal(cache.hasStateChanged, true, 'an add that adds no token still counts, as in Python');
  });

  it('treats an empty string as an empty cache', () => {
    const cache = new SerializableTokenCache();
    cache.add(appTokenEvent('t', ['s'], 'x'), 1000);
    cache.deserialize('');
    assert.equal(cache.serialize(), '{}');
  });
});

describe('SerializableTokenCache round trip', () => {
  it("keeps unknown top-level sections and unknown entries, as MSAL Python's own test requires", () => {
    const cache = new SerializableTokenCache();
    cache.deserialize('{"AccessToken": {"an-entry": {"foo": "bar"}}, "customized": "whatever"}');
    cache.add(appTokenEvent('t', ['s'], 'x'), 1000);
    const out = JSON.parse(cache.serialize()) as Record<string, Record<string, unknown>>;
    assert.equal(out['customized'], 'whatever');
    assert.deepEqual(out['AccessToken']?.['an-entry'], { foo: 'bar' });
    assert.deepEqual(Object.keys(out), ['AccessToken', 'customized', 'AppMetadata']);
  });

  it("keeps unknown fields and foreign keys, and moves an entry to MSAL Python's key only when it is modified", () => {
    const rtKey = 'u.t-login.microsoftonline.com-refreshtoken-1---';
    const text = JSON.stringify({
      RefreshToken: {
        [rtKey]: {
          home_account_id: 'u.t',
          environment: ENV,
          credential_type: 'RefreshToken',
          client_id: 'c',
          secret: 'old',
          family_id: '1',
          extra: { nested: [1, 2] },
        },
      },
      AccessToken: {
        'weird-key': {
          credential_type: 'AccessToken',
          secret: 'x',
          home_account_id: 'u.t',
          environment: ENV,
          client_id: 'c',
          realm: 'r',
          target: 's',
          cached_at: '1',
          expires_on: '99999',
          custom: true,
        },
      },
      Unknown: [1, 'two', { three: null }],
    });
    const cache = new SerializableTokenCache();
    cache.deserialize(text);
    assert.deepEqual(JSON.parse(cache.serialize()), JSON.parse(text), 'a pure round trip changes nothing');

    const [rt] = cache.findRefreshTokens({ homeAccountId: 'u.t', environment: ENV, familyId: '1' });
    assert.ok(rt);
    cache.updateRt(rt, 'new', 5000);
    const out = JSON.parse(cache.serialize()) as Record<string, Record<string, Record<string, unknown>>>;
    assert.equal(out['RefreshToken']?.[rtKey], undefined);
    assert.deepEqual(out['RefreshToken']?.['u.t-login.microsoftonline.com-refreshtoken-c--'], {
      home_account_id: 'u.t',
      environment: ENV,
      credential_type: 'RefreshToken',
      client_id: 'c',
      secret: 'new',
      family_id: '1',
      extra: { nested: [1, 2] },
      last_modification_time: '5000',
    });
    assert.equal(out['AccessToken']?.['weird-key']?.['custom'], true);
  });

  it('survives a serialize/deserialize cycle with every index intact', () => {
    const a = new SerializableTokenCache();
    a.add({ ...appTokenEvent('t', ['s'], 'x'), keyId: 'k' }, 1000);
    a.add(
      {
        clientId: 'c',
        scopes: ['s'],
        environment: ENV,
        realm: 'r',
        grantType: 'authorization_code',
        response: { client_info: b64({ uid: 'u', utid: 't' }), refresh_token: 'rt', foci: '1' },
      },
      1000,
    );
    const b = new SerializableTokenCache();
    b.deserialize(a.serialize());
    assert.equal(b.serialize(), a.serialize());
    assert.equal(
      b.findAccessToken({ clientId: 'app', environments: [ENV], realm: 't', homeAccountId: undefined, scopes: ['s'], keyId: 'k' }, 1000)?.entry.secret,
      'x',
    );
    assert.equal(b.findRefreshTokens({ homeAccountId: 'u.t', environment: ENV, familyId: '1' })[0]?.secret, 'rt');
    assert.equal(b.getAccounts({ environments: [ENV] })[0]?.account_source, 'authorization_code');
  });
});

describe('SerializableTokenCache reads other MSALs', () => {
  it('reads a cache written by MSAL Node: 7- and 8-part keys, tenantProfiles, userAssertionHash, PoP', () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(NODE_FIXTURE);
    const user = { clientId: NODE_CLIENT, environments: [ENV], homeAccountId: NODE_HID };
    const home = cache.findAccessToken({ ...user, realm: HOME, scopes: ['user.read'] }, NODE_NOW);
    assert.equal(home?.entry.secret, 'node-user-at-home');
    assert.equal(home?.aging, false);
    assert.equal(cache.findAccessToken({ ...user, realm: HOME, scopes: ['User.Read'] }, 1700001900)?.aging, true);
    assert.equal(cache.findAccessToken({ ...user, realm: GUEST, scopes: ['openid', 'User.Read'] }, NODE_NOW)?.entry.secret, 'node-user-at-guest');
    const pop = cache.findAccessToken({ ...user, realm: HOME, scopes: ['User.Read'], keyId: 'V6N_HMPagNpYS_wxM14X73q3eWzbTr9Z31RyHkIcN0Y' }, NODE_NOW);
    assert.equal(pop?.entry.secret, 'node-pop-at');
    assert.equal(pop?.entry.token_type, 'pop');
    assert.equal(cache.findAccessToken({ ...user, realm: HOME, scopes: ['api://downstream/.default'] }, NODE_NOW), undefined);
    assert.equal(
      cache.findAccessToken(
        { ...user, realm: HOME, scopes: ['api://downstream/.default'], userAssertionHash: 'nY5VSMz3Zhd8qDIgSMnJc2SBbW2uMeqOxS7dn5RtHN4' },
        NODE_NOW,
      )?.entry.secret,
      'node-obo-at',
    );
    const app = { clientId: NODE_CLIENT, environments: [ENV], homeAccountId: undefined };
    assert.equal(cache.findAccessToken({ ...app, realm: HOME, scopes: ['https://graph.microsoft.com/.default'] }, NODE_NOW)?.entry.secret, 'node-app-at');
    assert.equal(cache.findAccessToken({ ...app, realm: GUEST, scopes: ['https://vault.azure.net/.default'] }, NODE_NOW)?.entry.secret, 'node-v2-app-at');
    assert.equal(
      cache.findAccessToken({ ...app, realm: HOME, scopes: ['api://fmi/.default'] }, NODE_NOW),
      undefined,
      'FMI-partitioned tokens are never served',
    );

    const rts = cache.findRefreshTokens({ homeAccountId: NODE_HID, environment: ENV, familyId: '1' });
    assert.deepEqual(
      rts.map((r) => r.secret),
      ['node-family-rt'],
    );
    assert.equal(cache.findRefreshTokens({ homeAccountId: NODE_HID, environment: ENV, clientId: NODE_CLIENT })[0]?.secret, 'node-family-rt');
    assert.equal(cache.getAppMetadata(ENV, NODE_CLIENT)?.family_id, '1');
    assert.ok(cache.findIdToken({ homeAccountId: NODE_HID, environment: ENV, realm: GUEST, clientId: NODE_CLIENT }));

    const [account, ...rest] = cache.getAccounts({ environments: [ENV], username: 'adele.vance@contoso.com' });
    assert.equal(rest.length, 0);
    assert.equal(account?.home_account_id, NODE_HID);
    assert.equal(account?.realm, HOME);
    assert.deepEqual(
      account?.tenantProfiles?.map((p) => [p.tenantId, p.isHomeTenant]),
      [
        [HOME, true],
        [GUEST, false],
      ],
    );

    assert.deepEqual(JSON.parse(cache.serialize()), JSON.parse(NODE_FIXTURE), 'everything written back as read');
  });

  it("reads MSAL .NET's field variants: user_assertion_hash, kid, ext_expires_on, numeric timestamps", () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(
      JSON.stringify({
        AccessToken: {
          'u.t-login.microsoftonline.com-accesstoken-c-r-s': {
            home_account_id: 'u.t',
            environment: ENV,
            client_id: 'c',
            realm: 'r',
            target: 'S',
            credential_type: 'AccessToken',
            secret: 'dotnet',
            cached_at: 1000,
            expires_on: '4600',
            ext_expires_on: '9000',
            user_assertion_hash: 'H',
            kid: 'K',
          },
        },
      }),
    );
    const hit = cache.findAccessToken(
      { clientId: 'c', environments: [ENV], realm: 'r', homeAccountId: 'u.t', scopes: ['s'], userAssertionHash: 'H', keyId: 'K' },
      1000,
    );
    assert.equal(hit?.entry.secret, 'dotnet');
    assert.equal(hit?.entry.extended_expires_on, 9000);
    assert.equal(hit?.entry.cached_at, 1000);
  });

  it('keeps entries that lack required fields in the file but never serves them', () => {
    const cache = new SerializableTokenCache();
    const text = JSON.stringify({
      AccessToken: {
        'no-secret': { home_account_id: null, environment: ENV, client_id: 'app', realm: 't', target: 's', expires_on: '99999' },
        'bad-expiry': { secret: 'x', home_account_id: null, environment: ENV, client_id: 'app', realm: 't', target: 's', expires_on: 'never' },
      },
      Account: { 'no-home': { environment: ENV, realm: 't', username: 'x', authority_type: 'MSSTS' } },
    });
    cache.deserialize(text);
    assert.equal(cache.findAccessToken({ clientId: 'app', environments: [ENV], realm: 't', homeAccountId: undefined, scopes: ['s'] }, 1000), undefined);
    assert.deepEqual(cache.getAccounts({ environments: [ENV] }), []);
    assert.deepEqual(JSON.parse(cache.serialize()), JSON.parse(text));
  });
});

describe('SerializableTokenCache.deserialize on corrupt input', () => {
  const corrupt: Array<[string, string]> = [
    ['not JSON', '{"AccessToken": '],
    ['JSON but not an object', '[1, 2]'],
    ['null', 'null'],
    ['a known section that is not an object', '{"AccessToken": []}'],
    ['an entry that is not an object', '{"RefreshToken": {"k": "v"}}'],
    ['a string field holding a number', '{"AccessToken": {"k": {"secret": 5}}}'],
    ['a timestamp holding an object', '{"AccessToken": {"k": {"expires_on": {}}}}'],
    ['an account field holding an array', '{"Account": {"k": {"username": []}}}'],
  ];
  for (const [what, text] of corrupt) {
    it(`throws CacheFormatError and keeps the state for ${what}`, () => {
      const cache = new SerializableTokenCache();
      cache.add(appTokenEvent('t', ['s'], 'kept'), 1000);
      const before = cache.serialize();
      assert.throws(() => cache.deserialize(text), CacheFormatError);
      assert.equal(cache.serialize(), before);
      assert.equal(
        cache.findAccessToken({ clientId: 'app', environments: [ENV], realm: 't', homeAccountId: undefined, scopes: ['s'] }, 1000)?.entry.secret,
        'kept',
      );
    });
  }

  it('names the section, the field and the type it found, for a field of the wrong type', () => {
    const cache = new SerializableTokenCache();
    const at = (fields: string): string => `{"AccessToken": {"k": {"secret": "x", "realm": "t", ${fields}}}}`;
    assert.throws(() => cache.deserialize(at('"key_id": 7')), {
      name: 'CacheFormatError',
      message: 'an entry in AccessToken has a number in "key_id" where a string belongs',
    });
    assert.throws(() => cache.deserialize(at('"target": false')), { message: 'an entry in AccessToken has a boolean in "target" where a string belongs' });
    assert.throws(() => cache.deserialize(at('"expires_on": []')), {
      message: 'an entry in AccessToken has a object in "expires_on" where a timestamp belongs',
    });
    // null is an absent field (MSAL Python writes null for an app token's home_account_id), in any string field.
    cache.deserialize(at('"home_account_id": null, "key_id": null, "user_assertion_hash": null, "expires_on": "9999999999"'));
    const saved = JSON.parse(cache.serialize()) as { AccessToken: Record<string, Record<string, unknown>> };
    assert.equal(saved.AccessToken['k']?.['key_id'], null);
  });

  it('either loads or throws CacheFormatError for any string or JSON value, never corrupting the state', () => {
    const cache = new SerializableTokenCache();
    cache.add(appTokenEvent('t', ['s'], 'kept'), 1000);
    const baseline = cache.serialize();
    const field = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
    );
    const entry = fc.record(
      { secret: field, environment: field, client_id: field, realm: field, target: field, expires_on: field, home_account_id: field, tenantProfiles: field },
      { requiredKeys: [] },
    );
    const section = fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(entry, field)), field);
    const cacheShape = fc.dictionary(fc.constantFrom('AccessToken', 'RefreshToken', 'IdToken', 'Account', 'AppMetadata', 'Other', '__proto__'), section);
    const input = fc.oneof(
      fc.string(),
      fc.json(),
      cacheShape.map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(input, (text) => {
        cache.deserialize(baseline);
        try {
          cache.deserialize(text);
        } catch (err) {
          assert.ok(err instanceof CacheFormatError, `unexpected ${String(err)}`);
          assert.equal(cache.serialize(), baseline);
          return;
        }
        // Loaded: writing it back and reading it again must give the same text (nothing lost or invented).
        const written = cache.serialize();
        cache.deserialize(written);
        assert.equal(cache.serialize(), written);
      }),
      { numRuns: 400 },
    );
  });
});
