import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_IDS } from '../../src/emulator/index.js';
import { aadCode, claims, startTestEmulator, type TestEmulator } from './helpers.js';

const daemon = { client_id: DEFAULT_IDS.daemonClientId, client_secret: DEFAULT_IDS.daemonSecret };
const graphDefault = 'https://graph.microsoft.com/.default';

describe('emulator client credentials grant', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator({
      config: { apps: [{ clientId: '66667777-aaaa-8888-bbbb-9999cccc0000', clientSecrets: ['short-lived'], accessTokenLifetimeSeconds: 120 }] },
    });
  });
  after(() => t.close());

  it('issues a v1 Graph app token for a secret in the body', async () => {
    const res = await t.token({ grant_type: 'client_credentials', scope: graphDefault, ...daemon });
    assert.equal(res.status, 200);
    assert.equal(res.json.token_type, 'Bearer');
    assert.equal(res.json.expires_in, 3600);
    assert.equal(res.json.ext_expires_in, 3600);
    assert.equal(res.json.refresh_token, undefined);
    const c = claims(res.json.access_token);
    assert.equal(c.aud, 'https://graph.microsoft.com');
    assert.equal(c.iss, `${t.emulator.url}/${DEFAULT_IDS.tenantId}/`);
    assert.equal(c.appid, DEFAULT_IDS.daemonClientId);
    assert.equal(c.appidacr, '1');
    assert.equal(c.tid, DEFAULT_IDS.tenantId);
    assert.equal(c.idtyp, 'app');
    assert.deepEqual(c.roles, ['User.Read.All']);
    assert.equal(typeof c.uti, 'string');
    assert.equal(Number(c.exp) - Number(c.iat), 3600);
  });

  it('copies requested capabilities and a network perimeter into the token; other claims ignored; non-objects refused', async () => {
    const requested = {
      access_token: { xms_cc: { values: ['CP1'] }, xms_az_nwperimid: { value: 'perimeter' }, acrs: { essential: true, value: 'c1' } },
    };
    const res = await t.token({ grant_type: 'client_credentials', scope: graphDefault, claims: JSON.stringify(requested), ...daemon });
    assert.equal(res.status, 200);
    const c = claims(res.json.access_token);
    assert.deepEqual(c.xms_cc, ['CP1']);
    assert.deepEqual(c.xms_az_nwperimid, ['perimeter']);
    assert.equal(c.acrs, undefined);
    for (const bad of ['not json', '["access_token"]']) {
      const refused = await t.token({ grant_type: 'client_credentials', scope: graphDefault, claims: bad, ...daemon });
      assert.equal(refused.status, 400);
      assert.equal(refused.json.error, 'invalid_request');
    }
  });

  it('accepts client_secret_basic and the tenant domain in the path', async () => {
    const basic = Buffer.from(`${encodeURIComponent(daemon.client_id)}:${encodeURIComponent(daemon.client_secret)}`).toString('base64');
    const res = await t.post(
      `/${DEFAULT_IDS.tenantDomain}/oauth2/v2.0/token`,
      { grant_type: 'client_credentials', scope: graphDefault },
      { authorization: `Basic ${basic}` },
    );
    assert.equal(res.status, 200);
    assert.equal(claims(res.json.access_token).tid, DEFAULT_IDS.tenantId);
  });

  it('issues a v2 token with roles for a web API addressed by its app ID URI', async () => {
    const res = await t.token({ grant_type: 'client_credentials', scope: `api://${DEFAULT_IDS.webApiClientId}/.default`, ...daemon });
    assert.equal(res.status, 200);
    const c = claims(res.json.access_token);
    assert.equal(c.aud, DEFAULT_IDS.webApiClientId);
    assert.equal(c.iss, `${t.emulator.url}/${DEFAULT_IDS.tenantId}/v2.0`);
    assert.equal(c.azp, DEFAULT_IDS.daemonClientId);
    assert.equal(c.ver, '2.0');
    assert.deepEqual(c.roles, ['Data.Read.All']);
  });

  it('applies an app-level access token lifetime', async () => {
    const res = await t.token({
      grant_type: 'client_credentials',
      scope: graphDefault,
      client_id: '66667777-aaaa-8888-bbbb-9999cccc0000',
      client_secret: 'short-lived',
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.expires_in, 120);
  });

  it('rejects a wrong secret with 401 AADSTS7000215 and echoes client-request-id', async () => {
    const res = await t.token(
      { grant_type: 'client_credentials', scope: graphDefault, client_id: daemon.client_id, client_secret: 'nope' },
      { 'client-request-id': 'corr-123' },
    );
    assert.equal(res.status, 401);
    assert.equal(res.json.error, 'invalid_client');
    assert.equal(aadCode(res), 7000215);
    assert.equal(res.json.correlation_id, 'corr-123');
    assert.equal(res.headers['client-request-id'], 'corr-123');
    assert.match(
      String(res.json.error_description),
      /^AADSTS7000215: Invalid client secret provided\..*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: corr-123\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s,
    );
    assert.equal(res.json.trace_id, res.headers['x-ms-request-id']);
    assert.match(String(res.json.error_uri), /error\?code=7000215$/);
  });

  const errorCases: Array<[string, Record<string, string>, number, string, number, string?]> = [
    ['an unknown client', { client_id: '99999999-9999-4999-8999-999999999999', client_secret: 'x', scope: graphDefault }, 400, 'unauthorized_client', 700016],
    ['a missing secret', { client_id: DEFAULT_IDS.daemonClientId, scope: graphDefault }, 401, 'invalid_client', 7000218],
    ['a public client', { client_id: DEFAULT_IDS.publicClientId, scope: graphDefault }, 401, 'invalid_client', 7000218],
    ['a public client presenting a secret', { client_id: DEFAULT_IDS.publicClientId, client_secret: 'x', scope: graphDefault }, 401, 'invalid_client', 700025],
    ['a scope without /.default', { ...daemon, scope: 'https://graph.microsoft.com/User.Read' }, 400, 'invalid_scope', 1002012],
    ['two scopes', { ...daemon, scope: `${graphDefault} api://${DEFAULT_IDS.webApiClientId}/.default` }, 400, 'invalid_scope', 1002012],
    ['an unknown resource', { ...daemon, scope: 'https://unknown.example.com/.default' }, 400, 'invalid_resource', 500011],
    ['a missing scope', { ...daemon }, 400, 'invalid_request', 900144],
    ['the common endpoint', { ...daemon, scope: graphDefault }, 400, 'invalid_request', 50059, '/common/oauth2/v2.0/token'],
    ['an unknown tenant', { ...daemon, scope: graphDefault }, 400, 'invalid_request', 90002, '/nowhere.example/oauth2/v2.0/token'],
    [
      'a single-tenant app used in another tenant',
      { ...daemon, scope: graphDefault },
      400,
      'unauthorized_client',
      700016,
      `/${DEFAULT_IDS.secondTenantId}/oauth2/v2.0/token`,
    ],
  ];
  for (const [what, form, status, error, code, path] of errorCases) {
    it(`answers ${what} with ${error} AADSTS${code}`, async () => {
      const res = await t.post(path ?? t.tokenPath, { grant_type: 'client_credentials', ...form });
      assert.equal(res.status, status);
      assert.equal(res.json.error, error);
      assert.equal(aadCode(res), code);
    });
  }

  it('answers an unsupported grant type with AADSTS70003 and a missing one with AADSTS900144', async () => {
    const res = await t.token({ grant_type: 'urn:example:magic', ...daemon });
    assert.equal(res.json.error, 'unsupported_grant_type');
    assert.equal(aadCode(res), 70003);
    const missing = await t.token({ ...daemon });
    assert.equal(aadCode(missing), 900144);
  });

  it('refuses GET on the token endpoint with 405', async () => {
    const res = await t.get(t.tokenPath);
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'POST');
  });

  it('counts token requests per grant type', async () => {
    t.emulator.resetCounters();
    await t.token({ grant_type: 'client_credentials', scope: graphDefault, ...daemon });
    await t.token({ grant_type: 'client_credentials', scope: graphDefault, ...daemon });
    const c = t.emulator.counters();
    assert.equal(c.token, 2);
    assert.equal(c['token:client_credentials'], 2);
    assert.equal(c['openid-configuration'], 0);
  });
});
