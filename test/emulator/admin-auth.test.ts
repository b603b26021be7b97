// The admin API can inject faults, approve device codes and revoke tokens: it needs the per-run secret that
// startEmulator returns, and a web page in the user's browser must not reach it (cross-origin, or a plain form post).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { removeDir, tempDir } from './helpers.js';

const ADMIN: ReadonlyArray<readonly [string, string, unknown]> = [
  ['POST', 'faults', { kind: 'status', status: 500, endpoint: 'token' }],
  ['GET', 'faults', undefined],
  ['DELETE', 'faults', undefined],
  ['GET', 'counters', undefined],
  ['POST', 'counters/reset', {}],
  ['POST', 'device/approve', { user_code: 'NOSUCHCODE', username: DEFAULT_IDS.aliceUsername }],
  ['POST', 'device/deny', { user_code: 'NOSUCHCODE' }],
  ['POST', 'users/revoke', { username: DEFAULT_IDS.aliceUsername }],
  ['GET', 'config', undefined],
  ['GET', 'health', undefined],
];

describe('admin API: per-run secret and same-origin only', () => {
  const dir = tempDir();
  let emulator: Emulator;
  let agent: Agent;
  before(async () => {
    emulator = await startEmulator({ stateDir: dir });
    agent = new Agent({ connect: { ca: emulator.caPem } });
  });
  after(async () => {
    await emulator.close();
    await agent.close();
    removeDir(dir);
  });

  const call = async (method: string, path: string, body: unknown, headers: Record<string, string>): Promise<number> => {
    const res = await request(`${emulator.url}/_emulator/${path}`, {
      method: method as 'GET' | 'POST' | 'DELETE',
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: agent,
    });
    await res.body.dump();
    return res.statusCode;
  };
  const bearer = (): Record<string, string> => ({ authorization: `Bearer ${emulator.adminToken}` });

  it('refuses every admin request without the secret, or with a wrong one (401), and does nothing', async () => {
    for (const [method, path, body] of ADMIN) {
      assert.equal(await call(method, path, body, {}), 401, `${method} ${path} without a secret`);
      assert.equal(await call(method, path, body, { authorization: 'Bearer not-the-secret' }), 401, `${method} ${path} with a wrong secret`);
      assert.equal(await call(method, path, body, { authorization: `Basic ${emulator.adminToken}` }), 401, `${method} ${path} with another scheme`);
    }
    // The refused POST /faults queued nothing: a token request is answered normally.
    const token = await request(`${emulator.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: DEFAULT_IDS.daemonClientId,
        client_secret: DEFAULT_IDS.daemonSecret,
        scope: 'https://graph.microsoft.com/.default',
      }).toString(),
      dispatcher: agent,
    });
    await token.body.dump();
    assert.equal(token.statusCode, 200);
  });

  it('answers the same requests with the secret (the control)', async () => {
    for (const [method, path, body] of ADMIN) {
      const status = await call(method, path, body, bearer());
      assert.ok(status !== 401 && status !== 403 && status !== 415, `${method} ${path}: ${status}`);
    }
    await call('DELETE', 'faults', undefined, bearer());
  });

  it('is a fresh secret of at least 128 bits on every start', async () => {
    assert.match(emulator.adminToken, /^[A-Za-z0-9_-]{43,}$/);
    const other = await startEmulator({ stateDir: dir });
    await other.close();
    assert.notEqual(other.adminToken, emulator.adminToken);
  });

  it('refuses a request from another origin, even with the secret (403)', async () => {
    const port = new URL(emulator.url).port;
    for (const origin of ['https://evil.example', `https://127.0.0.1:${Number(port) + 1}`, `http://127.0.0.1:${port}`, 'null']) {
      assert.equal(await call('POST', 'faults', { kind: 'reset' }, { ...bearer(), origin }), 403, origin);
    }
    for (const site of ['cross-site', 'same-site']) {
      assert.equal(await call('GET', 'counters', undefined, { ...bearer(), 'sec-fetch-site': site }), 403, site);
    }
    assert.equal(await call('GET', 'faults', undefined, { ...bearer(), origin: emulator.url, 'sec-fetch-site': 'same-origin' }), 200);
    assert.equal(await call('GET', 'faults', undefined, { ...bearer(), 'sec-fetch-site': 'none' }), 200);
  });

  it('refuses a POST that is not JSON, as a plain HTML form would send (415)', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await request(`${emulator.url}/_emulator/faults`, {
        method: 'POST',
        headers: { ...bearer(), 'content-type': type },
        body: '{"kind":"reset","endpoint":"token"}',
        dispatcher: agent,
      });
      await res.body.dump();
      assert.equal(res.statusCode, 415, type);
    }
    const pending = await request(`${emulator.url}/_emulator/faults`, { headers: bearer(), dispatcher: agent });
    assert.deepEqual(await pending.body.json(), { faults: [] });
  });
});
