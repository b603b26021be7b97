import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidResponseError } from '../../src/errors.js';
import { SerializableTokenCache, type TokenResponseEvent } from '../../src/cache/index.js';
import { AAD_ENDPOINT, b64, buildIdToken, buildResponse } from './helpers.js';

type Json = Record<string, Record<string, Record<string, unknown>>>;

function dump(cache: SerializableTokenCache): Json {
  return JSON.parse(cache.serialize()) as Json;
}

function userEvent(overrides: Partial<TokenResponseEvent> = {}, response: Record<string, unknown> = {}): TokenResponseEvent {
  return {
    clientId: 'my_client_id',
    scopes: ['s2', 's1', 's3'],
    environment: 'login.example.com',
    tokenEndpoint: AAD_ENDPOINT,
    response: buildResponse({ uid: 'uid', utid: 'utid', access_token: 'an access token', refresh_token: 'a refresh token', ...response }),
    ...overrides,
  };
}

describe('TokenCache.add', () => {
  it('writes the entries and keys MSAL Python writes for an AAD response', () => {
    const cache = new SerializableTokenCache();
    const idToken = buildIdToken({ oid: 'object1234', preferred_username: 'John Doe' });
    cache.add(userEvent({}, { id_token: idToken }), 1000);
    const out = dump(cache);
    assert.deepEqual(out['AccessToken'], {
      'uid.utid-login.example.com-accesstoken-my_client_id-contoso-s1 s2 s3': {
        credential_type: 'AccessToken',
        secret: 'an access token',
        home_account_id: 'uid.utid',
        environment: 'login.example.com',
        client_id: 'my_client_id',
        target: 's1 s2 s3',
        realm: 'contoso',
        token_type: 'some type',
        cached_at: '1000',
        expires_on: '4600',
        extended_expires_on: '4600',
      },
    });
    assert.deepEqual(out['RefreshToken'], {
      'uid.utid-login.example.com-refreshtoken-my_client_id--s1 s2 s3': {
        credential_type: 'RefreshToken',
        secret: 'a refresh token',
        home_account_id: 'uid.utid',
        environment: 'login.example.com',
        client_id: 'my_client_id',
        target: 's1 s2 s3',
        last_modification_time: '1000',
      },
    });
    assert.deepEqual(out['Account'], {
      'uid.utid-login.example.com-contoso': {
        home_account_id: 'uid.utid',
        environment: 'login.example.com',
        realm: 'contoso',
        local_account_id: 'object1234',
        username: 'John Doe',
        authority_type: 'MSSTS',
      },
    });
    assert.deepEqual(out['IdToken'], {
      'uid.utid-login.example.com-idtoken-my_client_id-contoso-': {
        credential_type: 'IdToken',
        secret: idToken,
        home_account_id: 'uid.utid',
        environment: 'login.example.com',
        realm: 'contoso',
        client_id: 'my_client_id',
      },
    });
    assert.deepEqual(out['AppMetadata'], {
      'appmetadata-login.example.com-my_client_id': { client_id: 'my_client_id', environment: 'login.example.com' },
    });
    assert.deepEqual(Object.keys(out), ['AccessToken', 'Account', 'IdToken', 'RefreshToken', 'AppMetadata']);
  });

  it('writes the entries MSAL Python writes for an ADFS response (home account from the id token sub)', () => {
    const cache = new SerializableTokenCache();
    const idToken = buildIdToken({ upn: 'JaneDoe@example.com' });
    cache.add(
      {
        clientId: 'my_client_id',
        scopes: ['s2', 's1', 's3'],
        environment: 'fs.msidlab8.com',
        tokenEndpoint: 'https://fs.msidlab8.com/adfs/oauth2/token',
        response: buildResponse({ access_token: 'an access token', refresh_token: 'a refresh token', id_token: idToken }),
      },
      1000,
    );
    const out = dump(cache);
    assert.deepEqual(out['AccessToken']?.['subject-fs.msidlab8.com-accesstoken-my_client_id-adfs-s1 s2 s3'], {
      credential_type: 'AccessToken',
      secret: 'an access token',
      home_account_id: 'subject',
      environment: 'fs.msidlab8.com',
      client_id: 'my_client_id',
      target: 's1 s2 s3',
      realm: 'adfs',
      token_type: 'some type',
      cached_at: '1000',
      expires_on: '4600',
      extended_expires_on: '4600',
    });
    assert.equal(out['RefreshToken']?.['subject-fs.msidlab8.com-refreshtoken-my_client_id--s1 s2 s3']?.['secret'], 'a refresh token');
    assert.deepEqual(out['Account']?.['subject-fs.msidlab8.com-adfs'], {
      home_account_id: 'subject',
      environment: 'fs.msidlab8.com',
      realm: 'adfs',
      local_account_id: 'subject',
      username: 'JaneDoe@example.com',
      authority_type: 'ADFS',
    });
    assert.ok(out['IdToken']?.['subject-fs.msidlab8.com-idtoken-my_client_id-adfs-']);
    assert.ok(out['AppMetadata']?.['appmetadata-fs.msidlab8.com-my_client_id']);
  });

  it('serializes byte for byte as MSAL Python 1.21 does (null home account, ensure_ascii escapes)', () => {
    const cache = new SerializableTokenCache();
    cache.add(
      {
        clientId: 'app',
        scopes: ['https://graph.microsoft.com/.default'],
        environment: 'login.microsoftonline.com',
        tokenEndpoint: 'https://login.microsoftonline.com/t\u00e9nant/oauth2/v2.0/token',
        grantType: 'client_credentials',
        response: { access_token: 'at-\u00e9\u{1F600}', expires_in: 3599, token_type: 'Bearer', refresh_in: 1800 },
      },
      1000,
    );
    // Produced by /usr/bin/python3 with msal 1.21's SerializableTokenCache for the same event.
    const python = `{
    "AccessToken": {
        "-login.microsoftonline.com-accesstoken-app-t\\u00e9nant-https://graph.microsoft.com/.default": {
            "credential_type": "AccessToken",
            "secret": "at-\\u00e9\\ud83d\\ude00",
            "home_account_id": null,
            "environment": "login.microsoftonline.com",
            "client_id": "app",
            "target": "https://graph.microsoft.com/.default",
            "realm": "t\\u00e9nant",
            "token_type": "Bearer",
            "cached_at": "1000",
            "expires_on": "4599",
            "extended_expires_on": "4599",
            "refresh_on": "2800"
        }
    },
    "AppMetadata": {
        "appmetadata-login.microsoftonline.com-app": {
            "client_id": "app",
            "environment": "login.microsoftonline.com"
        }
    }
}`;
    assert.equal(cache.serialize(), python);
  });

  it('records refresh_in as refresh_on', () => {
    const cache = new SerializableTokenCache();
    cache.add(userEvent({}, { refresh_in: 1800 }), 1000);
    const at = Object.values(dump(cache)['AccessToken'] ?? {})[0];
    assert.equal(at?.['refresh_on'], '2800');
  });

  it('derives expiry from expires_on, then defaults to 600 s; ext_expires_in defaults to expires_in', () => {
    const cache = new SerializableTokenCache();
    const base = { clientId: 'c', environment: 'e', realm: 'r', response: {} };
    cache.add({ ...base, scopes: ['a'], response: { access_token: 'x', expires_on: '5000' } }, 1000);
    cache.add({ ...base, scopes: ['b'], response: { access_token: 'y' } }, 1000);
    cache.add({ ...base, scopes: ['c'], response: { access_token: 'z', expires_in: '120', ext_expires_in: 900 } }, 1000.9);
    const ats = dump(cache)['AccessToken'] ?? {};
    assert.equal(ats['-e-accesstoken-c-r-a']?.['expires_on'], '5000');
    assert.equal(ats['-e-accesstoken-c-r-a']?.['extended_expires_on'], '5000');
    assert.equal(ats['-e-accesstoken-c-r-a']?.['token_type'], 'Bearer');
    assert.equal(ats['-e-accesstoken-c-r-b']?.['expires_on'], '1600');
    assert.equal(ats['-e-accesstoken-c-r-c']?.['expires_on'], '1120');
    assert.equal(ats['-e-accesstoken-c-r-c']?.['extended_expires_on'], '1900');
    assert.equal(ats['-e-accesstoken-c-r-c']?.['cached_at'], '1000');
  });

  it('stores key-bound tokens under their own key so they coexist with Bearer tokens', () => {
    const cache = new SerializableTokenCache();
    cache.add(userEvent({}, { access_token: 'bearer' }), 1000);
    cache.add(userEvent({ keyId: 'Key1' }, { access_token: 'ssh', token_type: 'ssh-cert' }), 1000);
    cache.add(userEvent({ keyId: 'key2' }, { access_token: 'ssh2', token_type: 'ssh-cert' }), 1000);
    const ats = dump(cache)['AccessToken'] ?? {};
    assert.equal(Object.keys(ats).length, 3);
    assert.equal(ats['uid.utid-login.example.com-accesstoken-my_client_id-contoso-s1 s2 s3-key1']?.['key_id'], 'Key1');
    const q = { clientId: 'my_client_id', environments: ['login.example.com'], realm: 'contoso', homeAccountId: 'uid.utid', scopes: ['s1'] };
    assert.equal(cache.findAccessToken(q, 1000)?.entry.secret, 'bearer');
    assert.equal(cache.findAccessToken({ ...q, keyId: 'Key1' }, 1000)?.entry.secret, 'ssh');
    assert.equal(cache.findAccessToken({ ...q, keyId: 'key2' }, 1000)?.entry.secret, 'ssh2');
    assert.equal(cache.findAccessToken({ ...q, keyId: 'key3' }, 1000), undefined);
  });

  it('writes family_id from foci on the refresh token and the app metadata', () => {
    const cache = new SerializableTokenCache();
    cache.add(userEvent({}, { foci: '1' }), 1000);
    const out = dump(cache);
    assert.equal(out['RefreshToken']?.['uid.utid-login.example.com-refreshtoken-my_client_id--s1 s2 s3']?.['family_id'], '1');
    assert.deepEqual(out['AppMetadata']?.['appmetadata-login.example.com-my_client_id'], {
      client_id: 'my_client_id',
      environment: 'login.example.com',
      family_id: '1',
    });
  });

  it('writes no account for app tokens or with skipAccountCreation, and always writes app metadata', () => {
    const cache = new SerializableTokenCache();
    cache.add({ clientId: 'app', scopes: ['s'], environment: 'e', realm: 'r', response: { access_token: 'x', expires_in: 60 } }, 1000);
    cache.add(userEvent({ skipAccountCreation: true }), 1000);
    const out = dump(cache);
    assert.equal(out['Account'], undefined);
    assert.equal(out['AccessToken']?.['-e-accesstoken-app-r-s']?.['home_account_id'], null);
    assert.ok(out['AppMetadata']?.['appmetadata-e-app']);
    assert.ok(out['RefreshToken']?.['uid.utid-login.example.com-refreshtoken-my_client_id--s1 s2 s3']);
  });

  it('fills the account from claims, the given username and the grant', () => {
    const cache = new SerializableTokenCache();
    cache.add(
      userEvent({ grantType: 'password', username: 'ropc@example.com', authorityType: 'CLOUDSHELL' }, { id_token: buildIdToken({ sub: 'the-sub' }) }),
      1000,
    );
    cache.add(userEvent({ grantType: 'refresh_token', realm: 'other' }), 1000);
    const accounts = dump(cache)['Account'] ?? {};
    assert.deepEqual(accounts['uid.utid-login.example.com-contoso'], {
      home_account_id: 'uid.utid',
      environment: 'login.example.com',
      realm: 'contoso',
      local_account_id: 'the-sub',
      username: 'ropc@example.com',
      authority_type: 'CLOUDSHELL',
      account_source: 'password',
    });
    // No id token: local_account_id is null and username empty, as MSAL Python writes them; a refresh sets no source.
    assert.deepEqual(accounts['uid.utid-login.example.com-other'], {
      home_account_id: 'uid.utid',
      environment: 'login.example.com',
      realm: 'other',
      local_account_id: null,
      username: '',
      authority_type: 'MSSTS',
    });
  });

  it('uses given id token claims instead of decoding, and records userAssertionHash for OBO', () => {
    const cache = new SerializableTokenCache();
    cache.add(
      userEvent(
        { idTokenClaims: { sub: 's', oid: 'o', preferred_username: 'given@example.com' }, userAssertionHash: 'HashA' },
        { id_token: 'not-a-jwt-at-all' },
      ),
      1000,
    );
    const out = dump(cache);
    const at = Object.values(out['AccessToken'] ?? {})[0];
    const rt = Object.values(out['RefreshToken'] ?? {})[0];
    assert.equal(at?.['userAssertionHash'], 'HashA');
    assert.equal(rt?.['userAssertionHash'], 'HashA');
    assert.equal(Object.values(out['Account'] ?? {})[0]?.['username'], 'given@example.com');
  });

  it('rejects caller misuse with TypeError naming the field', () => {
    const cache = new SerializableTokenCache();
    const ok = userEvent();
    assert.throws(() => cache.add({ ...ok, clientId: '' }), /event\.clientId/);
    assert.throws(() => cache.add({ ...ok, scopes: 's1' as unknown as string[] }), /event\.scopes/);
    assert.throws(() => cache.add({ ...ok, tokenEndpoint: undefined }), /event\.realm or event\.tokenEndpoint/);
    assert.throws(() => cache.add({ ...ok, tokenEndpoint: 'https://host/' }), /event\.tokenEndpoint/);
    assert.throws(() => cache.add(ok, Number.NaN), TypeError);
    assert.equal(cache.hasStateChanged, false);
  });

  it('rejects unreadable server data with InvalidResponseError and writes nothing', () => {
    const cache = new SerializableTokenCache();
    const bad: Array<Record<string, unknown>> = [
      { client_info: 'not base64 json', access_token: 'x' },
      { client_info: b64({ uid: 'u', utid: 't' }), access_token: 'x', expires_in: 'soon' },
      { access_token: 'x', id_token: 'onlyonepart' },
      { access_token: 'x', id_token: buildIdToken({ sub: undefined }) },
      { access_token: 42 },
    ];
    for (const response of bad) {
      assert.throws(() => cache.add({ clientId: 'c', scopes: [], environment: 'e', realm: 'r', response }), InvalidResponseError);
    }
    assert.equal(cache.serialize(), '{}');
  });
});
