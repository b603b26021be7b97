// Fault injection through the emulator's admin API (HTTP, as any tool would use it): each fault gives the documented
// retry or a typed error, never a crash, an unhandled rejection or a cache write; a throttled request sends nothing
// until Retry-After has passed (the emulator's counters). The clock and the retry's sleep are the test's own.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import {
  ConfidentialClientApplication,
  InvalidResponseError,
  NetworkError,
  PublicClientApplication,
  RequestTimeoutError,
  SerializableTokenCache,
  ServerError,
} from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { createHttpClient } from '../../src/http/undici-http-client.js';
import type { HttpClient } from '../../src/http/http-client.js';

const GRAPH = ['https://graph.microsoft.com/.default'];

describe('faults injected through the admin API', () => {
  let emulator: Emulator;
  let admin: Agent;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  before(async () => {
    emulator = await startEmulator();
    admin = new Agent({ connect: { ca: emulator.caPem } });
    process.on('unhandledRejection', onUnhandled);
  });

  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await admin.close();
    await emulator.close();
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
  });

  afterEach(async () => {
    await adminCall('DELETE', 'faults');
    await adminCall('POST', 'counters/reset');
  });

  async function adminCall(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const res = await request(`${emulator.url}/_emulator/${path}`, {
      method,
      dispatcher: admin,
      headers: { authorization: `Bearer ${emulator.adminToken}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
    });
    const text = await res.body.text();
    assert.ok(res.statusCode < 300, `admin ${method} ${path}: ${res.statusCode} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  }

  const inject = (fault: Record<string, unknown>): Promise<unknown> => adminCall('POST', 'faults', { endpoint: 'token', ...fault });
  const tokenRequests = async (): Promise<number> => ((await adminCall('GET', 'counters')) as Record<string, number>)['token'] ?? 0;

  /** A daemon app on a fake clock whose retry sleep advances that clock, and a cache that must stay empty on failure. */
  function daemon(options: { httpClient?: HttpClient; timeoutMs?: number } = {}) {
    const clock = { t: Date.UTC(2030, 0, 1), slept: [] as number[] };
    const cache = new SerializableTokenCache();
    const httpCache = new Map<string, unknown>();
    const app = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      tokenCache: cache,
      httpCache,
      now: () => clock.t,
      sleep: (ms) => {
        clock.slept.push(ms);
        clock.t += ms;
        return Promise.resolve();
      },
      ...options,
    });
    const accessTokens = (): number => Object.keys((JSON.parse(cache.serialize()) as { AccessToken?: object }).AccessToken ?? {}).length;
    return { app, clock, cache, httpCache, accessTokens };
  }

  it('429 with a long Retry-After: no retry, then nothing is sent until it has passed', async () => {
    const { app, clock, httpCache, accessTokens } = daemon();
    await app.acquireTokenForClient(GRAPH, { forceRefresh: true }); // discovery done; one token request
    await adminCall('POST', 'counters/reset');
    await inject({ kind: 'status', status: 429, retryAfter: 30 });
    const first = await app.acquireTokenForClient(GRAPH, { forceRefresh: true }).catch((e: unknown) => e);
    assert.ok(first instanceof ServerError);
    assert.equal(first.status, 429);
    assert.equal(first.retryAfter, 30);
    assert.deepEqual(clock.slept, [], 'a Retry-After beyond 10 s is not waited for in-process');
    assert.equal(await tokenRequests(), 1);

    clock.t += 29_000;
    const replay = await app.acquireTokenForClient(GRAPH, { forceRefresh: true }).catch((e: unknown) => e);
    assert.ok(replay instanceof ServerError);
    assert.equal(replay.status, 429);
    assert.equal(replay.retryAfter, 1, 'the remaining wait');
    assert.equal(await tokenRequests(), 1, 'the throttled request sent nothing');

    clock.t += 1_001;
    const ok = await app.acquireTokenForClient(GRAPH, { forceRefresh: true });
    assert.equal(ok.token_source, 'identity_provider');
    assert.equal(await tokenRequests(), 2);
    assert.equal(accessTokens(), 1);
    // The throttle state is plain JSON a user can persist.
    const restored = new Map(JSON.parse(JSON.stringify([...httpCache])) as Array<[string, unknown]>);
    assert.deepEqual(restored, httpCache);
  });

  it('429 without Retry-After: one retry after 1 s, then a 5 s quiet period (confidential client)', async () => {
    const { app, clock, accessTokens } = daemon();
    await inject({ kind: 'status', status: 429, count: 2 });
    await assert.rejects(app.acquireTokenForClient(GRAPH), { code: 'server_error', status: 429 });
    assert.deepEqual(clock.slept, [1000]);
    assert.equal(await tokenRequests(), 2, 'the request and its one retry');
    await assert.rejects(app.acquireTokenForClient(GRAPH), { code: 'server_error', status: 429 });
    assert.equal(await tokenRequests(), 2, 'throttled locally');
    assert.equal(accessTokens(), 0);
    clock.t += 5_001;
    assert.equal((await app.acquireTokenForClient(GRAPH)).token_source, 'identity_provider');
    assert.equal(await tokenRequests(), 3);
  });

  it('a single 429 is absorbed by the retry', async () => {
    const { app, clock } = daemon();
    await inject({ kind: 'status', status: 429 });
    const result = await app.acquireTokenForClient(GRAPH);
    assert.equal(result.token_source, 'identity_provider');
    assert.deepEqual(clock.slept, [1000]);
    assert.equal(await tokenRequests(), 2);
  });

  it('500: retried once; twice gives a ServerError and nothing cached', async () => {
    const once = daemon();
    await inject({ kind: 'status', status: 500 });
    assert.equal((await once.app.acquireTokenForClient(GRAPH)).token_source, 'identity_provider');
    await adminCall('POST', 'counters/reset');
    const twice = daemon();
    await inject({ kind: 'status', status: 500, count: 2 });
    const err = await twice.app.acquireTokenForClient(GRAPH).catch((e: unknown) => e);
    assert.ok(err instanceof ServerError);
    assert.equal(err.status, 500);
    assert.equal(err.error, 'server_error');
    assert.equal(twice.accessTokens(), 0);
  });

  it('503 with a short Retry-After waits exactly that long, then succeeds', async () => {
    const { app, clock } = daemon();
    await inject({ kind: 'status', status: 503, retryAfter: 2 });
    assert.equal((await app.acquireTokenForClient(GRAPH)).token_source, 'identity_provider');
    assert.deepEqual(clock.slept, [2000]);
  });

  it('a connection reset is retried once; two give a NetworkError, which is not throttled', async () => {
    const { app, accessTokens } = daemon();
    await inject({ kind: 'reset', count: 2 });
    const err = await app.acquireTokenForClient(GRAPH).catch((e: unknown) => e);
    assert.ok(err instanceof NetworkError, String(err));
    assert.equal(typeof err.correlationId, 'string');
    assert.equal(accessTokens(), 0);
    assert.equal((await app.acquireTokenForClient(GRAPH)).token_source, 'identity_provider', 'no quiet period after a network failure');
  });

  it('a slow response past the timeout: RequestTimeoutError, not retried', async () => {
    const { app, clock, accessTokens } = daemon({ timeoutMs: 200 });
    await app.acquireTokenForClient(GRAPH, { forceRefresh: true }); // discovery outside the fault
    await adminCall('POST', 'counters/reset');
    await inject({ kind: 'delay', ms: 3000 });
    const err = await app.acquireTokenForClient(GRAPH, { forceRefresh: true }).catch((e: unknown) => e);
    assert.ok(err instanceof RequestTimeoutError, String(err));
    assert.deepEqual(clock.slept, []);
    assert.equal(await tokenRequests(), 1);
    assert.equal(accessTokens(), 1, 'only the token from before the fault');
  });

  it('an abort signal ends the call with RequestAbortedError', async () => {
    const { app } = daemon();
    await inject({ kind: 'delay', ms: 3000 });
    const controller = new AbortController();
    const pending = app.acquireTokenForClient(GRAPH, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, { code: 'request_aborted' });
  });

  it('a truncated body is retried once; twice gives a typed error', async () => {
    const once = daemon();
    await inject({ kind: 'truncated' });
    assert.equal((await once.app.acquireTokenForClient(GRAPH)).token_source, 'identity_provider');
    const twice = daemon();
    await inject({ kind: 'truncated', count: 2 });
    const err = await twice.app.acquireTokenForClient(GRAPH).catch((e: unknown) => e);
    assert.ok(err instanceof NetworkError || err instanceof InvalidResponseError, String(err));
    assert.equal(twice.accessTokens(), 0);
  });

  it('malformed JSON, HTML, a missing expires_in: InvalidResponseError, no retry, nothing cached', async () => {
    const bodies = [
      { kind: 'malformed_json' },
      { kind: 'status', status: 200, body: '<html><body>Sign-in is down</body></html>' },
      { kind: 'status', status: 200, body: JSON.stringify({ access_token: 'at-without-lifetime', token_type: 'Bearer' }) },
    ];
    for (const fault of bodies) {
      const { app, clock, accessTokens } = daemon();
      await adminCall('POST', 'counters/reset');
      await inject(fault);
      const err = await app.acquireTokenForClient(GRAPH).catch((e: unknown) => e);
      assert.ok(err instanceof InvalidResponseError, `${JSON.stringify(fault)}: ${String(err)}`);
      assert.equal(typeof err.correlationId, 'string');
      assert.doesNotMatch(err.message, /at-without-lifetime/);
      assert.deepEqual(clock.slept, []);
      assert.equal(await tokenRequests(), 1);
      assert.equal(accessTokens(), 0);
    }
  });

  it('an HTML 503 from a gateway: retried, then InvalidResponseError with the status', async () => {
    const { app, accessTokens } = daemon();
    await inject({ kind: 'status', status: 503, body: '<html>Service Unavailable</html>', count: 2 });
    const err = await app.acquireTokenForClient(GRAPH).catch((e: unknown) => e);
    assert.ok(err instanceof InvalidResponseError);
    assert.equal(err.status, 503);
    assert.equal(accessTokens(), 0);
  });

  it('a huge response is cut off at the client limit with InvalidResponseError', async () => {
    const { app, accessTokens } = daemon({ httpClient: createHttpClient({ verify: emulator.caPath, maxBodyBytes: 64 * 1024 }) });
    const huge = JSON.stringify({ access_token: 'x'.repeat(200 * 1024), token_type: 'Bearer', expires_in: 3600 });
    await inject({ kind: 'status', status: 200, body: huge });
    const err = await app.acquireTokenForClient(GRAPH).catch((e: unknown) => e);
    assert.ok(err instanceof InvalidResponseError, String(err));
    assert.match(err.message, /larger than 65536 bytes/);
    assert.equal(accessTokens(), 0);
  });

  it('public client: a "UI required" 400 is replayed for 60 s; device code polling never is', async () => {
    let t = Date.UTC(2030, 0, 1);
    const inner = createHttpClient({ verify: emulator.caPath });
    let polls = 0;
    const pca = new PublicClientApplication(DEFAULT_IDS.publicClientId, {
      httpClient: {
        send: (req) => {
          if (req.body?.includes('device_code=') === true) polls += 1;
          return inner.send(req);
        },
      },
      authority: emulator.authority,
      verify: emulator.caPath,
      instanceDiscovery: false,
      now: () => t,
      sleep: (ms) => {
        t += ms;
        return Promise.resolve();
      },
    });
    const user = emulator.config.users[0];
    assert.ok(user);
    const wrong = (): Promise<unknown> => pca.acquireTokenByUsernamePassword(user.username, 'wrong password', ['User.Read']);
    await assert.rejects(wrong(), { code: 'server_error', status: 400, error: 'invalid_grant' });
    const replayed = await wrong().catch((e: unknown) => e);
    assert.ok(replayed instanceof ServerError);
    assert.equal(replayed.error, 'invalid_grant');
    assert.equal(((await adminCall('GET', 'counters')) as Record<string, number>)['token:password'], 1);
    t += 60_001;
    await assert.rejects(wrong(), { code: 'server_error', error: 'invalid_grant' });
    assert.equal(((await adminCall('GET', 'counters')) as Record<string, number>)['token:password'], 2);

    const flow = await pca.initiateDeviceFlow(['User.Read']);
    const start = t;
    // Three intervals of identical polls, each answered 400 authorization_pending.
    const pending = pca.acquireTokenByDeviceFlow(flow, { exitCondition: (f) => t - start >= 3 * f.interval * 1000 });
    await assert.rejects(pending, { code: 'device_code_expired' });
    assert.ok(polls >= 3);
    assert.equal(((await adminCall('GET', 'counters')) as Record<string, number>)['token:device_code'], polls, 'every poll reached the server');
  });
});
