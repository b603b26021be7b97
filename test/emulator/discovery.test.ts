import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { DEFAULT_IDS, CONSUMERS_TENANT_ID } from '../../src/emulator/index.js';
import { aadCode, startTestEmulator, type TestEmulator } from './helpers.js';

describe('emulator discovery', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  after(() => t.close());

  it('serves the v2 OpenID configuration for a tenant id and for its domain, with GUID endpoints', async () => {
    for (const segment of [DEFAULT_IDS.tenantId, DEFAULT_IDS.tenantDomain, 'CONTOSO.onmicrosoft.com']) {
      const res = await t.get(`/${segment}/v2.0/.well-known/openid-configuration`);
      assert.equal(res.status, 200);
      const base = `${t.emulator.url}/${DEFAULT_IDS.tenantId}`;
      assert.equal(res.json.issuer, `${base}/v2.0`);
      assert.equal(res.json.token_endpoint, `${base}/oauth2/v2.0/token`);
      assert.equal(res.json.authorization_endpoint, `${base}/oauth2/v2.0/authorize`);
      assert.equal(res.json.device_authorization_endpoint, `${base}/oauth2/v2.0/devicecode`);
      assert.equal(res.json.jwks_uri, `${base}/discovery/v2.0/keys`);
      assert.equal(res.json.end_session_endpoint, `${base}/oauth2/v2.0/logout`);
      assert.equal(res.json.tenant_region_scope, 'NA');
      assert.ok(Array.isArray(res.json.claims_supported));
      assert.deepEqual(res.json.scopes_supported, ['openid', 'profile', 'email', 'offline_access']);
    }
  });

  it('uses the {tenantid} issuer template and literal alias endpoints for common and organizations', async () => {
    for (const alias of ['common', 'organizations']) {
      const res = await t.get(`/${alias}/v2.0/.well-known/openid-configuration`);
      assert.equal(res.status, 200);
      assert.equal(res.json.issuer, `${t.emulator.url}/{tenantid}/v2.0`);
      assert.equal(res.json.token_endpoint, `${t.emulator.url}/${alias}/oauth2/v2.0/token`);
      assert.equal(res.json.tenant_region_scope, null);
    }
    const consumers = await t.get('/consumers/v2.0/.well-known/openid-configuration');
    assert.equal(consumers.json.issuer, `${t.emulator.url}/${CONSUMERS_TENANT_ID}/v2.0`);
  });

  it('serves the v1 configuration with the v1 issuer', async () => {
    const res = await t.get(`/${DEFAULT_IDS.tenantId}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    assert.equal(res.json.issuer, `${t.emulator.url}/${DEFAULT_IDS.tenantId}/`);
    assert.equal(res.json.token_endpoint, `${t.emulator.url}/${DEFAULT_IDS.tenantId}/oauth2/token`);
  });

  it('answers an unknown tenant with invalid_tenant AADSTS90002', async () => {
    const res = await t.get('/nowhere.onmicrosoft.com/v2.0/.well-known/openid-configuration');
    assert.equal(res.status, 400);
    assert.equal(res.json.error, 'invalid_tenant');
    assert.equal(aadCode(res), 90002);
    assert.match(String(res.json.error_description), /^AADSTS90002: Tenant 'nowhere\.onmicrosoft\.com' not found/);
  });

  it('does instance discovery for its own host and rejects other hosts with invalid_instance', async () => {
    const authorize = encodeURIComponent(`${t.emulator.url}/${DEFAULT_IDS.tenantDomain}/oauth2/v2.0/authorize`);
    const ok = await t.get(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorize}`);
    assert.equal(ok.status, 200);
    assert.equal(ok.json.tenant_discovery_endpoint, `${t.emulator.url}/${DEFAULT_IDS.tenantDomain}/v2.0/.well-known/openid-configuration`);
    const host = new URL(t.emulator.url).host;
    assert.deepEqual(ok.json.metadata, [{ preferred_network: host, preferred_cache: host, aliases: [host, `localhost:${t.emulator.port}`] }]);

    const other = encodeURIComponent('https://login.example.com/common/oauth2/v2.0/authorize');
    const bad = await t.get(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${other}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, 'invalid_instance');
    assert.equal(aadCode(bad), 50049);
  });

  it('publishes a JWKS that verifies the tokens it signs (checked with jose)', async () => {
    const jwks = await t.get(`/${DEFAULT_IDS.tenantId}/discovery/v2.0/keys`);
    assert.equal(jwks.status, 200);
    const keys = jwks.json.keys as Array<Record<string, unknown>>;
    assert.equal(keys.length, 1);
    assert.equal(keys[0]?.kid, keys[0]?.x5t);
    assert.ok(Array.isArray(keys[0]?.x5c));
    const res = await t.post(`/${DEFAULT_IDS.tenantId}/oauth2/v2.0/token`, {
      grant_type: 'password',
      client_id: DEFAULT_IDS.publicClientId,
      username: DEFAULT_IDS.aliceUsername,
      password: DEFAULT_IDS.alicePassword,
      scope: 'User.Read openid profile offline_access',
    });
    assert.equal(res.status, 200);
    const set = createLocalJWKSet(jwks.json as unknown as JSONWebKeySet);
    const { payload, protectedHeader } = await jwtVerify(String(res.json.id_token), set, {
      issuer: `${t.emulator.url}/${DEFAULT_IDS.tenantId}/v2.0`,
      audience: DEFAULT_IDS.publicClientId,
    });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.preferred_username, DEFAULT_IDS.aliceUsername);
  });

  it('answers user realm discovery for configured domains', async () => {
    const res = await t.get(`/common/userrealm/${encodeURIComponent(DEFAULT_IDS.aliceUsername)}?api-version=1.0`);
    assert.equal(res.status, 200);
    assert.equal(res.json.account_type, 'Managed');
    const unknown = await t.get('/common/userrealm/someone@example.org?api-version=1.0');
    assert.equal(unknown.json.account_type, 'Unknown');
  });

  it('counts discovery requests per endpoint', async () => {
    t.emulator.resetCounters();
    await t.get(`/${DEFAULT_IDS.tenantId}/v2.0/.well-known/openid-configuration`);
    await t.get(`/${DEFAULT_IDS.tenantId}/discovery/v2.0/keys`);
    const c = t.emulator.counters();
    assert.equal(c['openid-configuration'], 1);
    assert.equal(c.jwks, 1);
    assert.equal(c.token, 0);
  });
});
