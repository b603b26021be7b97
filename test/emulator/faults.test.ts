import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_IDS } from '../../src/emulator/index.js';
import { aadCode, startTestEmulator, type TestEmulator } from './helpers.js';

const cc = {
  grant_type: 'client_credentials',
  client_id: DEFAULT_IDS.daemonClientId,
  client_secret: DEFAULT_IDS.daemonSecret,
  scope: 'https://graph.microsoft.com/.default',
};

describe('emulator fault injection and admin API', () => {
  let t: TestEmulator;
  let discovery: string;
  before(async () => {
    t = await startTestEmulator();
    discovery = `/${DEFAULT_IDS.tenantId}/v2.0/.well-known/openid-configuration`;
  });
  after(() => t.close());

  it('answers 429 with Retry-After and an Entra body, once, then normally', async () => {
    t.emulator.injectFault({ kind: 'status', status: 429, retryAfter: 7, endpoint: 'token' });
    const res = await t.token(cc);
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], '7');
    assert.equal(aadCode(res), 90055);
    assert.equal((await t.token(cc)).status, 200);
  });

  it('answers 5xx with a transient error body, or the given body verbatim', async () => {
    t.emulator.injectFault({ kind: 'status', status: 503 });
    const res = await t.get(discovery);
    assert.equal(res.status, 503);
    assert.equal(res.json.error, 'temporarily_unavailable');
    t.emulator.injectFault({ kind: 'status', status: 500, body: '<html>oops</html>' });
    const custom = await t.get(discovery);
    assert.equal(custom.status, 500);
    assert.equal(custom.body, '<html>oops</html>');
    assert.match(String(custom.headers['content-type']), /text\/plain/);
  });

  it('answers invalid_grant for a matching grant type only', async () => {
    t.emulator.injectFault({ kind: 'invalid_grant', grantType: 'refresh_token' });
    assert.equal((await t.token(cc)).status, 200);
    const rt = await t.token({ grant_type: 'refresh_token', client_id: DEFAULT_IDS.publicClientId, refresh_token: 'whatever', scope: 'openid' });
    assert.equal(rt.json.error, 'invalid_grant');
    assert.equal(aadCode(rt), 70000);
  });

  it('sends a body that is not JSON for malformed_json', async () => {
    t.emulator.injectFault({ kind: 'malformed_json', endpoint: 'token' });
    const res = await t.token(cc);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /application\/json/);
    assert.throws(() => JSON.parse(res.body) as unknown, SyntaxError);
  });

  it('delays, then sends the real response', async () => {
    t.emulator.injectFault({ kind: 'delay', ms: 50, endpoint: 'jwks' });
    const res = await t.get(`/${DEFAULT_IDS.tenantId}/discovery/v2.0/keys`);
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.json.keys));
  });

  it('drops the connection for reset', async () => {
    t.emulator.injectFault({ kind: 'reset', endpoint: 'openid-configuration' });
    await assert.rejects(t.get(discovery));
    assert.equal((await t.get(discovery)).status, 200);
  });

  it('sends half the body, then closes, for truncated', async () => {
    t.emulator.injectFault({ kind: 'truncated', endpoint: 'token' });
    await assert.rejects(t.token(cc));
    assert.equal((await t.token(cc)).status, 200);
  });

  it('applies a fault to the next N matching responses and leaves others alone', async () => {
    t.emulator.injectFault({ kind: 'status', status: 500, count: 2, endpoint: 'token', grantType: 'client_credentials' });
    assert.equal((await t.get(discovery)).status, 200);
    assert.equal((await t.token(cc)).status, 500);
    assert.equal((await t.token(cc)).status, 500);
    assert.equal((await t.token(cc)).status, 200);
  });

  it('counts faulted requests too', async () => {
    t.emulator.resetCounters();
    t.emulator.injectFault({ kind: 'status', status: 503, endpoint: 'token' });
    await t.token(cc);
    await t.token(cc);
    assert.equal(t.emulator.counters()['token:client_credentials'], 2);
  });

  it('queues, lists and clears faults over the admin API', async () => {
    const add = await t.postJson('/_emulator/faults', { kind: 'status', status: 429, retryAfter: 1, endpoint: 'token', count: 3 });
    assert.equal(add.status, 201);
    assert.equal(add.json.pending, 1);
    assert.equal(((await t.get('/_emulator/faults')).json.faults as unknown[]).length, 1);
    assert.equal((await t.token(cc)).status, 429);
    assert.equal((await t.del('/_emulator/faults')).status, 204);
    assert.equal((await t.token(cc)).status, 200);
    const many = await t.postJson('/_emulator/faults', [
      { kind: 'reset', endpoint: 'jwks' },
      { kind: 'delay', ms: 1, endpoint: 'jwks' },
    ]);
    assert.equal(many.json.pending, 2);
    t.emulator.clearFaults();
  });

  it('rejects invalid faults: 400 from the admin API, TypeError/RangeError in-process', async () => {
    for (const bad of [
      { kind: 'explode' },
      { kind: 'status' },
      { kind: 'status', status: 200 },
      { kind: 'delay' },
      { kind: 'reset', endpoint: 'nowhere' },
      { kind: 'reset', count: 0 },
    ]) {
      const res = await t.postJson('/_emulator/faults', bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(res.json.error, 'invalid_request');
    }
    assert.equal((await t.post('/_emulator/faults', { a: 'b' })).status, 415, 'a form post is not JSON');
    // @ts-expect-error the kind is deliberately invalid
    assert.throws(() => t.emulator.injectFault({ kind: 'explode' }), RangeError);
    assert.throws(() => t.emulator.injectFault({ kind: 'status', status: 429, count: 1.5 }), TypeError);
  });

  it('serves and resets counters over the admin API', async () => {
    await t.postJson('/_emulator/counters/reset', {});
    await t.get(discovery);
    await t.token(cc);
    const counters = await t.get('/_emulator/counters');
    assert.deepEqual(counters.json, {
      token: 1,
      'openid-configuration': 1,
      'instance-discovery': 0,
      jwks: 0,
      devicecode: 0,
      authorize: 0,
      userrealm: 0,
      devicelogin: 0,
      logout: 0,
      userinfo: 0,
      'token:client_credentials': 1,
    });
    assert.equal((await t.postJson('/_emulator/counters/reset', {})).status, 204);
    assert.equal(t.emulator.counters().token, 0);
  });

  it('serves the config without secrets or passwords', async () => {
    const res = await t.get('/_emulator/config');
    assert.equal(res.status, 200);
    assert.equal(res.body.includes(DEFAULT_IDS.daemonSecret), false);
    assert.equal(res.body.includes(DEFAULT_IDS.alicePassword), false);
    assert.equal(res.body.includes('privateKeyPath'), false);
    const apps = res.json.apps as Array<Record<string, unknown>>;
    assert.ok(apps.some((a) => a.clientId === DEFAULT_IDS.daemonClientId && a.hasSecret === true));
    const users = res.json.users as Array<Record<string, unknown>>;
    assert.deepEqual(
      users.map((u) => u.username),
      [DEFAULT_IDS.aliceUsername, DEFAULT_IDS.bobUsername],
    );
  });

  it('answers 404 for unknown paths and is not counted', async () => {
    t.emulator.resetCounters();
    assert.equal((await t.get('/_emulator/nothing')).status, 404);
    assert.equal((await t.get('/nothing/here')).status, 404);
    assert.equal(
      Object.values(t.emulator.counters()).reduce((a, b) => a + b, 0),
      0,
    );
  });
});
