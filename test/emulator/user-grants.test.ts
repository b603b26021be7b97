import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_IDS } from '../../src/emulator/index.js';
import { aadCode, claims, manualClock, startTestEmulator, type TestEmulator } from './helpers.js';

const GRAPH = 'https://graph.microsoft.com/User.Read openid profile offline_access';

describe('emulator password, refresh token (FOCI) and on-behalf-of grants', () => {
  let t: TestEmulator;
  const clock = manualClock();
  before(async () => {
    t = await startTestEmulator({
      clock: clock.now,
      refreshTokenLifetimeSeconds: 86_400,
      config: { apps: [{ clientId: '77778888-aaaa-4999-8bbb-cccc0000dddd', displayName: 'No public flows', redirectUris: ['http://localhost'] }] },
    });
  });
  after(() => t.close());

  const ropc = (clientId: string, extra: Record<string, string> = {}, path?: string) =>
    t.post(path ?? t.tokenPath, {
      grant_type: 'password',
      client_id: clientId,
      username: DEFAULT_IDS.aliceUsername,
      password: DEFAULT_IDS.alicePassword,
      scope: GRAPH,
      client_info: '1',
      ...extra,
    });
  const refresh = (clientId: string, rt: unknown, scope = GRAPH) =>
    t.token({ grant_type: 'refresh_token', client_id: clientId, refresh_token: String(rt), scope, client_info: '1' });

  it('signs a user in with username and password (no auth_time: not interactive)', async () => {
    const res = await ropc(DEFAULT_IDS.publicClientId);
    assert.equal(res.status, 200, res.body);
    assert.equal(typeof res.json.refresh_token, 'string');
    const id = claims(res.json.id_token);
    assert.equal(id.preferred_username, DEFAULT_IDS.aliceUsername);
    assert.equal(id.auth_time, undefined);
    assert.equal(id.aud, DEFAULT_IDS.publicClientId);
  });

  it('leaves out the refresh token and id token when offline_access and openid are not requested', async () => {
    const res = await ropc(DEFAULT_IDS.publicClientId, { scope: 'https://graph.microsoft.com/User.Read' });
    assert.equal(res.status, 200);
    assert.equal(res.json.refresh_token, undefined);
    assert.equal(res.json.id_token, undefined);
  });

  const passwordErrors: Array<[string, Record<string, string>, number, string?]> = [
    ['a wrong password', { password: 'wrong' }, 50126],
    ['an unknown user', { username: 'nobody@contoso.onmicrosoft.com' }, 50034],
    ['two resources', { scope: `https://graph.microsoft.com/User.Read api://${DEFAULT_IDS.webApiClientId}/access_as_user` }, 28000],
    ['a scope the API does not expose', { scope: `api://${DEFAULT_IDS.webApiClientId}/write_everything` }, 650053],
    ['an invalid scope', { scope: 'api://' }, 70011],
  ];
  for (const [what, extra, code] of passwordErrors) {
    it(`rejects ${what} with AADSTS${code}`, async () => {
      const res = await ropc(DEFAULT_IDS.publicClientId, extra);
      assert.equal(res.status, 400);
      assert.equal(aadCode(res), code);
    });
  }

  it('refuses ROPC for a public app without public client flows (AADSTS7000218)', async () => {
    const res = await ropc('77778888-aaaa-4999-8bbb-cccc0000dddd');
    assert.equal(res.status, 401);
    assert.equal(aadCode(res), 7000218);
  });

  it('signs a guest in to the resource tenant with home client_info', async () => {
    const res = await ropc(DEFAULT_IDS.publicClientId, { username: DEFAULT_IDS.bobUsername, password: DEFAULT_IDS.bobPassword });
    assert.equal(res.status, 200, res.body);
    assert.equal(claims(res.json.access_token).tid, DEFAULT_IDS.tenantId);
    const info = JSON.parse(Buffer.from(String(res.json.client_info), 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(info.utid, DEFAULT_IDS.secondTenantId);
    const home = await ropc(
      DEFAULT_IDS.publicClientId,
      { username: DEFAULT_IDS.bobUsername, password: DEFAULT_IDS.bobPassword },
      '/organizations/oauth2/v2.0/token',
    );
    assert.equal(claims(home.json.access_token).tid, DEFAULT_IDS.secondTenantId);
    const notMember = await ropc(DEFAULT_IDS.publicClientId, {}, `/${DEFAULT_IDS.secondTenantId}/oauth2/v2.0/token`);
    assert.equal(aadCode(notMember), 50034);
  });

  it('rotates refresh tokens and serves another resource from the same refresh token', async () => {
    const first = await ropc(DEFAULT_IDS.publicClientId);
    const second = await refresh(DEFAULT_IDS.publicClientId, first.json.refresh_token);
    assert.equal(second.status, 200, second.body);
    assert.notEqual(second.json.refresh_token, first.json.refresh_token);
    const api = await refresh(DEFAULT_IDS.publicClientId, second.json.refresh_token, `api://${DEFAULT_IDS.webApiClientId}/access_as_user offline_access`);
    assert.equal(api.status, 200);
    const at = claims(api.json.access_token);
    assert.equal(at.aud, DEFAULT_IDS.webApiClientId);
    assert.equal(at.scp, 'access_as_user');
    assert.equal(api.json.scope, `api://${DEFAULT_IDS.webApiClientId}/access_as_user offline_access`);
  });

  it('lets a family app redeem another family app\'s refresh token, and answers foci "1"', async () => {
    const a = await ropc(DEFAULT_IDS.familyClientIdA);
    assert.equal(a.json.foci, '1');
    const b = await refresh(DEFAULT_IDS.familyClientIdB, a.json.refresh_token);
    assert.equal(b.status, 200, b.body);
    assert.equal(b.json.foci, '1');
    assert.equal(claims(b.json.id_token).aud, DEFAULT_IDS.familyClientIdB);
    const outsider = await refresh(DEFAULT_IDS.publicClientId, a.json.refresh_token);
    assert.equal(aadCode(outsider), 70000);
    const nonFamily = await ropc(DEFAULT_IDS.publicClientId);
    const intoFamily = await refresh(DEFAULT_IDS.familyClientIdA, nonFamily.json.refresh_token);
    assert.equal(aadCode(intoFamily), 70000);
  });

  it('rejects unknown (70000), revoked (50173) and expired (700082) refresh tokens', async () => {
    assert.equal(aadCode(await refresh(DEFAULT_IDS.publicClientId, 'garbage')), 70000);
    const revoked = await ropc(DEFAULT_IDS.publicClientId);
    assert.ok(t.emulator.revokeRefreshTokens(DEFAULT_IDS.aliceUsername) >= 1);
    const r = await refresh(DEFAULT_IDS.publicClientId, revoked.json.refresh_token);
    assert.equal(aadCode(r), 50173);
    assert.equal(r.json.suberror, 'bad_token');
    const old = await ropc(DEFAULT_IDS.publicClientId);
    clock.advance(86_401);
    const expired = await refresh(DEFAULT_IDS.publicClientId, old.json.refresh_token);
    assert.equal(expired.json.error, 'invalid_grant');
    assert.equal(aadCode(expired), 700082);
  });

  describe('on-behalf-of', () => {
    const webApi = { client_id: DEFAULT_IDS.webApiClientId, client_secret: DEFAULT_IDS.webApiSecret };
    const obo = (assertion: unknown, extra: Record<string, string> = {}) =>
      t.token({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        requested_token_use: 'on_behalf_of',
        assertion: String(assertion),
        scope: 'https://graph.microsoft.com/User.Read offline_access openid profile',
        client_info: '1',
        ...webApi,
        ...extra,
      });
    const apiToken = async (): Promise<unknown> => {
      const res = await ropc(DEFAULT_IDS.publicClientId, { scope: `api://${DEFAULT_IDS.webApiClientId}/access_as_user openid profile offline_access` });
      assert.equal(res.status, 200, res.body);
      return res.json.access_token;
    };

    it('exchanges a user token for the web API into a Graph token for the same user', async () => {
      const incoming = await apiToken();
      const res = await obo(incoming);
      assert.equal(res.status, 200, res.body);
      const at = claims(res.json.access_token);
      assert.equal(at.aud, 'https://graph.microsoft.com');
      assert.equal(at.oid, claims(incoming).oid);
      assert.equal(at.appid, DEFAULT_IDS.webApiClientId);
      assert.equal(typeof res.json.refresh_token, 'string');
      assert.equal(t.emulator.counters()['token:jwt-bearer'] !== undefined, true);
    });

    it('rejects an assertion whose audience is another app (AADSTS50013)', async () => {
      const graphToken = (await ropc(DEFAULT_IDS.publicClientId)).json.access_token;
      const res = await obo(graphToken);
      assert.equal(res.json.error, 'invalid_grant');
      assert.equal(aadCode(res), 50013);
    });

    it('rejects an app-only token, a forged token, and an expired token', async () => {
      const appOnly = await t.token({
        grant_type: 'client_credentials',
        client_id: DEFAULT_IDS.daemonClientId,
        client_secret: DEFAULT_IDS.daemonSecret,
        scope: `api://${DEFAULT_IDS.webApiClientId}/.default`,
      });
      assert.equal(aadCode(await obo(appOnly.json.access_token)), 50013);
      const incoming = String(await apiToken());
      const forged = `${incoming.slice(0, incoming.lastIndexOf('.'))}.${Buffer.from('forged').toString('base64url')}`;
      assert.equal(aadCode(await obo(forged)), 50013);
      clock.advance(3601);
      assert.equal(aadCode(await obo(incoming)), 500133);
    });

    it('requires a confidential client (AADSTS7000218 for a public one)', async () => {
      const res = await t.token({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        requested_token_use: 'on_behalf_of',
        assertion: String(await apiToken()),
        scope: 'https://graph.microsoft.com/User.Read',
        client_id: DEFAULT_IDS.publicClientId,
      });
      assert.equal(res.status, 401);
      assert.equal(aadCode(res), 7000218);
    });
  });
});
