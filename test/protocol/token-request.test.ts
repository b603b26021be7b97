import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildAuthorizationCodeRequest,
  buildClientCredentialsRequest,
  buildDeviceCodeRequest,
  buildOnBehalfOfRequest,
  buildPasswordRequest,
  buildRefreshTokenRequest,
  GRANT_TYPE_DEVICE_CODE,
  GRANT_TYPE_JWT_BEARER,
} from '../../src/protocol/token-request.js';

const clientId = 'cid';
const scopes = ['User.Read', 'openid', 'profile', 'offline_access'];
const wire = 'User.Read offline_access openid profile';

describe('token request builders', () => {
  const cases: [string, () => Record<string, string>, Record<string, string>][] = [
    [
      'client_credentials: scopes undecorated, no client_info',
      () => buildClientCredentialsRequest({ clientId, scopes: ['https://graph.microsoft.com/.default'], clientAuthentication: { client_secret: 's' } }),
      { grant_type: 'client_credentials', client_id: 'cid', scope: 'https://graph.microsoft.com/.default', client_secret: 's' },
    ],
    [
      'refresh_token',
      () => buildRefreshTokenRequest({ clientId, refreshToken: 'rt', scopes }),
      { grant_type: 'refresh_token', client_id: 'cid', client_info: '1', refresh_token: 'rt', scope: wire },
    ],
    [
      'authorization_code with PKCE and claims',
      () => buildAuthorizationCodeRequest({ clientId, code: 'c', redirectUri: 'http://localhost:1234', codeVerifier: 'v', scopes, claims: '{"id_token":{}}' }),
      {
        grant_type: 'authorization_code',
        client_id: 'cid',
        client_info: '1',
        code: 'c',
        redirect_uri: 'http://localhost:1234',
        code_verifier: 'v',
        scope: wire,
        claims: '{"id_token":{}}',
      },
    ],
    [
      'password',
      () => buildPasswordRequest({ clientId, username: 'u@contoso.com', password: 'p', scopes }),
      { grant_type: 'password', client_id: 'cid', client_info: '1', username: 'u@contoso.com', password: 'p', scope: wire },
    ],
    [
      'device_code',
      () => buildDeviceCodeRequest({ clientId, deviceCode: 'dc' }),
      { grant_type: GRANT_TYPE_DEVICE_CODE, client_id: 'cid', client_info: '1', device_code: 'dc' },
    ],
    [
      'on-behalf-of with a client assertion',
      () =>
        buildOnBehalfOfRequest({
          clientId,
          assertion: 'user.jwt.sig',
          scopes,
          clientAuthentication: { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'a.b.c' },
        }),
      {
        grant_type: GRANT_TYPE_JWT_BEARER,
        client_id: 'cid',
        client_info: '1',
        assertion: 'user.jwt.sig',
        requested_token_use: 'on_behalf_of',
        scope: wire,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: 'a.b.c',
      },
    ],
    [
      'empty and undefined values are dropped',
      () => buildAuthorizationCodeRequest({ clientId, code: 'c', redirectUri: 'r', codeVerifier: '', claims: '', data: { x: undefined, y: '' } }),
      { grant_type: 'authorization_code', client_id: 'cid', client_info: '1', code: 'c', redirect_uri: 'r' },
    ],
    [
      'extra data adds fields',
      () => buildRefreshTokenRequest({ clientId, refreshToken: 'rt', data: { token_type: 'ssh-cert', key_id: 'k' } }),
      { grant_type: 'refresh_token', client_id: 'cid', client_info: '1', refresh_token: 'rt', token_type: 'ssh-cert', key_id: 'k' },
    ],
  ];
  for (const [name, build, expected] of cases) {
    it(name, () => {
      assert.deepEqual(build(), expected);
    });
  }

  it('encodes through URLSearchParams with spaces between scopes', () => {
    const body = new URLSearchParams(buildPasswordRequest({ clientId, username: 'u', password: 'p&q=r', scopes: ['b', 'a'] }));
    assert.equal(body.get('password'), 'p&q=r');
    assert.match(body.toString(), /scope=a\+b/);
  });

  for (const key of ['grant_type', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type', 'refresh_token', 'scope', 'client_info']) {
    it(`data.${key} cannot replace a field (RangeError)`, () => {
      assert.throws(
        () => buildRefreshTokenRequest({ clientId, refreshToken: 'rt', scopes, data: { [key]: 'evil' } }),
        (err: unknown) => err instanceof RangeError && err.message.includes(`data.${key}`),
      );
    });
  }

  it('clientAuthentication holds only client authentication fields', () => {
    assert.throws(() => buildClientCredentialsRequest({ clientId, scopes: [], clientAuthentication: { grant_type: 'password' } }), RangeError);
  });

  const missing: [string, () => unknown][] = [
    ['clientId', () => buildClientCredentialsRequest({ clientId: '', scopes: [] })],
    ['refreshToken', () => buildRefreshTokenRequest({ clientId, refreshToken: '' })],
    ['code', () => buildAuthorizationCodeRequest({ clientId, code: '', redirectUri: 'r' })],
    ['redirectUri', () => buildAuthorizationCodeRequest({ clientId, code: 'c', redirectUri: '' })],
    ['username', () => buildPasswordRequest({ clientId, username: '', password: 'p', scopes })],
    ['password', () => buildPasswordRequest({ clientId, username: 'u', password: '', scopes })],
    ['deviceCode', () => buildDeviceCodeRequest({ clientId, deviceCode: '' })],
    ['assertion', () => buildOnBehalfOfRequest({ clientId, assertion: '', scopes })],
  ];
  for (const [name, fn] of missing) {
    it(`an empty ${name} is a TypeError naming it`, () => {
      assert.throws(fn, (err: unknown) => err instanceof TypeError && err.message.startsWith(`${name} `));
    });
  }
});
