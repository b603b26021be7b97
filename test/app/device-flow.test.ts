// initiateDeviceFlow / acquireTokenByDeviceFlow against the emulator, on a fake clock shared by the app and the
// emulator: the injected sleep advances time, so no test waits for real.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Sleep } from '../../src/util/sleep.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { DeviceCodeExpiredError, RequestAbortedError, ServerError } from '../../src/errors.js';
import { GRAPH_USER_READ, makePca, recordingHttp } from './helpers.js';

describe('device code flow against the emulator', () => {
  let emulator: Emulator;
  let appTime = Math.floor(Date.now() / 1000);
  let emulatorTime = appTime;

  before(async () => {
    emulator = await startEmulator({ clock: () => emulatorTime, deviceCodeIntervalSeconds: 5 });
  });
  after(async () => {
    await emulator.close();
  });

  /** A sleep on the fake clock; `onSleep` runs before each step with its 1-based number. */
  function fakeSleep(onSleep: (n: number) => { advanceEmulator: boolean } | void): { sleep: Sleep; calls: number[] } {
    const calls: number[] = [];
    const sleep: Sleep = (ms, signal) => {
      calls.push(ms);
      const step = onSleep(calls.length);
      if (signal?.aborted === true) return Promise.reject(new RequestAbortedError('aborted'));
      appTime += ms / 1000;
      if (step?.advanceEmulator !== false) emulatorTime = appTime;
      return Promise.resolve();
    };
    return { sleep, calls };
  }

  it('polls at the interval until the user approves, then caches the account', async () => {
    let userCode = '';
    const { sleep, calls } = fakeSleep((n) => {
      if (n === 1) emulator.approveDeviceCode(userCode, DEFAULT_IDS.aliceUsername);
    });
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { now: () => appTime * 1000, sleep });
    const flow = await app.initiateDeviceFlow(GRAPH_USER_READ);
    userCode = flow.user_code;
    assert.equal(flow.interval, 5);
    assert.equal(flow.expires_at, appTime + flow.expires_in);
    assert.match(flow.message ?? '', new RegExp(flow.user_code));
    emulator.resetCounters();
    const result = await app.acquireTokenByDeviceFlow(flow);
    assert.equal(result.id_token_claims?.['preferred_username'], DEFAULT_IDS.aliceUsername);
    assert.equal(emulator.counters()['token:device_code'], 2, 'one pending poll, one success');
    assert.deepEqual(calls, [1000, 1000, 1000, 1000, 1000], 'waited one interval in one-second steps');
    const [account] = await app.getAccounts();
    assert.equal(account?.account_source, 'urn:ietf:params:oauth:grant-type:device_code');
  });

  it('slows down by 5 seconds when told to', async () => {
    let userCode = '';
    const { sleep, calls } = fakeSleep((n) => {
      if (n === 6) emulator.approveDeviceCode(userCode, DEFAULT_IDS.aliceUsername);
      // The emulator's clock stands still during the first wait, so the second poll comes "too fast".
      return { advanceEmulator: n > 5 };
    });
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { now: () => appTime * 1000, sleep });
    const flow = await app.initiateDeviceFlow(GRAPH_USER_READ);
    userCode = flow.user_code;
    const result = await app.acquireTokenByDeviceFlow(flow);
    assert.equal(typeof result.access_token, 'string');
    assert.equal(flow.interval, 10);
    assert.equal(calls.length, 15, '5 s, then 10 s after slow_down');
  });

  it('stops with DeviceCodeExpiredError when the code expires', async () => {
    const { sleep, calls } = fakeSleep(() => undefined);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { now: () => appTime * 1000, sleep });
    const flow = await app.initiateDeviceFlow(GRAPH_USER_READ);
    flow.expires_at = appTime + 3;
    const err = await app.acquireTokenByDeviceFlow(flow).catch((e: unknown) => e);
    assert.ok(err instanceof DeviceCodeExpiredError);
    assert.ok(err.cause instanceof ServerError && err.cause.error === 'authorization_pending');
    assert.equal(calls.length, 4);
  });

  it('polls once when the exit condition always says stop', async () => {
    const { sleep, calls } = fakeSleep(() => undefined);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { now: () => appTime * 1000, sleep });
    const flow = await app.initiateDeviceFlow(GRAPH_USER_READ);
    emulator.resetCounters();
    await assert.rejects(app.acquireTokenByDeviceFlow(flow, { exitCondition: () => true }), DeviceCodeExpiredError);
    assert.equal(emulator.counters()['token:device_code'], 1);
    assert.equal(calls.length, 0);
  });

  it('stops when the signal aborts while waiting', async () => {
    const controller = new AbortController();
    const { sleep } = fakeSleep((n) => {
      if (n === 2) controller.abort();
    });
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { now: () => appTime * 1000, sleep });
    const flow = await app.initiateDeviceFlow(GRAPH_USER_READ);
    await assert.rejects(app.acquireTokenByDeviceFlow(flow, { signal: controller.signal }), RequestAbortedError);
  });

  it('a declined code ends polling with the server error', async () => {
    let userCode = '';
    const { sleep } = fakeSleep((n) => {
      if (n === 1) emulator.denyDeviceCode(userCode);
    });
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { now: () => appTime * 1000, sleep });
    const flow = await app.initiateDeviceFlow(GRAPH_USER_READ);
    userCode = flow.user_code;
    await assert.rejects(app.acquireTokenByDeviceFlow(flow), { code: 'server_error', error: 'access_denied' });
  });

  it('starts without scopes, asking only for the OIDC scopes, as MSAL Python with scopes=None', async () => {
    let userCode = '';
    const { sleep } = fakeSleep((n) => {
      if (n === 1) emulator.approveDeviceCode(userCode, DEFAULT_IDS.aliceUsername);
    });
    const http = recordingHttp(emulator);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { now: () => appTime * 1000, sleep, httpClient: http });
    const flow = await app.initiateDeviceFlow();
    userCode = flow.user_code;
    assert.deepEqual([...flow.scope].sort(), ['offline_access', 'openid', 'profile']);
    const [request] = http.to('devicecode');
    assert.equal(new URLSearchParams(String(request?.body)).get('scope'), 'offline_access openid profile');
    const result = await app.acquireTokenByDeviceFlow(flow);
    assert.equal(result.id_token_claims?.['preferred_username'], DEFAULT_IDS.aliceUsername);
    assert.equal((await app.getAccounts()).length, 1);
  });

  it('checks its arguments before any request', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    await assert.rejects(app.initiateDeviceFlow(['offline_access']), RangeError);
    await assert.rejects(app.acquireTokenByDeviceFlow({} as never), TypeError);
  });
});
