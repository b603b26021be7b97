import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_IDS } from '../../src/emulator/index.js';
import { aadCode, claims, manualClock, startTestEmulator, type TestEmulator } from './helpers.js';

const SCOPE = 'https://graph.microsoft.com/User.Read openid profile offline_access';

describe('emulator device code flow', () => {
  let t: TestEmulator;
  const clock = manualClock();
  before(async () => {
    t = await startTestEmulator({ clock: clock.now });
  });
  after(() => t.close());

  const start = async (tenant: string = DEFAULT_IDS.tenantId, clientId: string = DEFAULT_IDS.publicClientId) => {
    const res = await t.post(`/${tenant}/oauth2/v2.0/devicecode`, { client_id: clientId, scope: SCOPE });
    assert.equal(res.status, 200, res.body);
    return res.json as { device_code: string; user_code: string; interval: number; expires_in: number; verification_uri: string; message: string };
  };
  const poll = (deviceCode: string, grantType = 'urn:ietf:params:oauth:grant-type:device_code', tenant: string = DEFAULT_IDS.tenantId) =>
    t.post(`/${tenant}/oauth2/v2.0/token`, { grant_type: grantType, client_id: DEFAULT_IDS.publicClientId, device_code: deviceCode, client_info: '1' });

  it("returns Entra's device code response", async () => {
    const flow = await start();
    assert.match(flow.user_code, /^[A-Z0-9]{9}$/);
    assert.equal(flow.verification_uri, `${t.emulator.url}/devicelogin`);
    assert.equal(flow.expires_in, 900);
    assert.equal(flow.interval, 5);
    assert.ok(flow.message.includes(flow.user_code) && flow.message.includes(flow.verification_uri));
  });

  it('answers authorization_pending until approved, then tokens (URN grant type)', async () => {
    const flow = await start();
    const pending = await poll(flow.device_code);
    assert.equal(pending.status, 400);
    assert.equal(pending.json.error, 'authorization_pending');
    assert.equal(aadCode(pending), 70016);
    t.emulator.approveDeviceCode(flow.user_code, DEFAULT_IDS.aliceUsername);
    clock.advance(5);
    const done = await poll(flow.device_code);
    assert.equal(done.status, 200, done.body);
    const id = claims(done.json.id_token);
    assert.equal(id.preferred_username, DEFAULT_IDS.aliceUsername);
    assert.equal(id.auth_time, Math.floor(clock.now() - 5));
    assert.equal(aadCode(await poll(flow.device_code)), 54005);
  });

  it('accepts the short device_code grant type and approval through the admin API', async () => {
    const flow = await start('organizations');
    const approve = await t.postJson('/_emulator/device/approve', { user_code: flow.user_code, username: DEFAULT_IDS.bobUsername });
    assert.equal(approve.status, 200);
    const done = await poll(flow.device_code, 'device_code', 'organizations');
    assert.equal(done.status, 200, done.body);
    assert.equal(claims(done.json.access_token).tid, DEFAULT_IDS.secondTenantId);
    assert.ok((t.emulator.counters()['token:device_code'] ?? 0) >= 1);
  });

  it('answers slow_down to polling faster than the interval', async () => {
    const flow = await start();
    assert.equal((await poll(flow.device_code)).json.error, 'authorization_pending');
    clock.advance(1);
    assert.equal((await poll(flow.device_code)).json.error, 'slow_down');
    clock.advance(5);
    assert.equal((await poll(flow.device_code)).json.error, 'authorization_pending');
  });

  it('answers expired_token after expires_in', async () => {
    const flow = await start();
    clock.advance(901);
    const res = await poll(flow.device_code);
    assert.equal(res.json.error, 'expired_token');
    assert.equal(aadCode(res), 70020);
    assert.throws(() => t.emulator.approveDeviceCode(flow.user_code, DEFAULT_IDS.aliceUsername), RangeError);
  });

  it('answers access_denied after the user declines', async () => {
    const flow = await start();
    const deny = await t.postJson('/_emulator/device/deny', { user_code: flow.user_code });
    assert.equal(deny.status, 200);
    assert.equal((await poll(flow.device_code)).json.error, 'access_denied');
  });

  it('refuses approval for an unknown code, an unknown user, or a user outside the tenant', async () => {
    assert.throws(() => t.emulator.approveDeviceCode('NOSUCHCODE', DEFAULT_IDS.aliceUsername), /userCode/);
    const flow = await start(DEFAULT_IDS.secondTenantId);
    assert.throws(() => t.emulator.approveDeviceCode(flow.user_code, 'nobody@contoso.onmicrosoft.com'), /username/);
    assert.throws(() => t.emulator.approveDeviceCode(flow.user_code, DEFAULT_IDS.aliceUsername), /not a member/);
    const viaApi = await t.postJson('/_emulator/device/approve', { user_code: 'NOSUCHCODE', username: DEFAULT_IDS.aliceUsername });
    assert.equal(viaApi.status, 400);
    assert.match(String(viaApi.json.message), /userCode/);
  });

  it('rejects device code for an unknown client and for a confidential app with no public flows on the device endpoint', async () => {
    const res = await t.post(`/${DEFAULT_IDS.tenantId}/oauth2/v2.0/devicecode`, { client_id: '99999999-9999-4999-8999-999999999999', scope: SCOPE });
    assert.equal(aadCode(res), 700016);
    const noScope = await t.post(`/${DEFAULT_IDS.tenantId}/oauth2/v2.0/devicecode`, { client_id: DEFAULT_IDS.publicClientId });
    assert.equal(aadCode(noScope), 900144);
  });

  it('serves a devicelogin page with a code form, prefilled from ?otc=', async () => {
    const res = await t.get('/devicelogin');
    assert.equal(res.status, 200);
    assert.match(res.body, /<form method="post" action="\/devicelogin">/);
    assert.match(res.body, /<input type="hidden" name="csrf" value="[^"]+">/);
    const prefilled = await t.get('/devicelogin?otc=ABC%22DEF');
    assert.match(prefilled.body, /name="otc"[^>]*value="ABC&#34;DEF"/);
  });
});

describe('emulator device code flow with autoApprove', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator({ config: { autoApprove: DEFAULT_IDS.aliceUsername } });
  });
  after(() => t.close());

  const start = (tenant: string) => t.post(`/${tenant}/oauth2/v2.0/devicecode`, { client_id: DEFAULT_IDS.publicClientId, scope: SCOPE });
  const poll = (deviceCode: string, tenant: string) =>
    t.post(`/${tenant}/oauth2/v2.0/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: DEFAULT_IDS.publicClientId,
      device_code: deviceCode,
      client_info: '1',
    });

  it('approves the code as the autoApprove user as soon as it is issued: the first poll gets tokens', async () => {
    const flow = (await start(DEFAULT_IDS.tenantId)).json as { device_code: string };
    const done = await poll(flow.device_code, DEFAULT_IDS.tenantId);
    assert.equal(done.status, 200, done.body);
    assert.equal(claims(done.json.id_token).preferred_username, DEFAULT_IDS.aliceUsername);
  });

  it('approving an auto-approved code again as the same user changes nothing; as another user is refused', async () => {
    const flow = (await start(DEFAULT_IDS.tenantId)).json as { device_code: string; user_code: string };
    t.emulator.approveDeviceCode(flow.user_code, DEFAULT_IDS.aliceUsername.toUpperCase());
    assert.throws(() => t.emulator.approveDeviceCode(flow.user_code, DEFAULT_IDS.bobUsername), /already approved/);
    const done = await poll(flow.device_code, DEFAULT_IDS.tenantId);
    assert.equal(claims(done.json.id_token).preferred_username, DEFAULT_IDS.aliceUsername);
  });

  it('leaves the code pending in a tenant the autoApprove user cannot sign in to', async () => {
    const flow = (await start(DEFAULT_IDS.secondTenantId)).json as { device_code: string };
    const pending = await poll(flow.device_code, DEFAULT_IDS.secondTenantId);
    assert.equal(pending.json.error, 'authorization_pending', pending.body);
  });
});
