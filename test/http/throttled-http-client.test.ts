// The throttling wrapper on its own, with a scripted transport (for the cases the emulator cannot produce: a 2xx
// with Retry-After, an abort while waiting to retry) and checks of its keys and stored state.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NetworkError, RequestAbortedError, RequestTimeoutError } from '../../src/errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/http/http-client.js';
import { createThrottledHttpClient, THROTTLED_LOCALLY_HEADER } from '../../src/http/throttled-http-client.js';
import { throttleKeys } from '../../src/http/throttle-steps.js';

type Step = HttpResponse | Error;

function scripted(steps: Step[]): HttpClient & { sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  return {
    sent,
    send: (req) => {
      sent.push(req);
      const step = steps.shift() ?? { status: 200, headers: {}, body: '{}' };
      return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
    },
  };
}

const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
const post = (fields: Record<string, string>): HttpRequest => ({ method: 'POST', url: 'https://idp.example/t/token', headers: {}, body: form(fields) });
const error = (status: number, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): HttpResponse => ({
  status,
  headers,
  body: JSON.stringify({ error: status === 400 ? 'invalid_grant' : 'temporarily_unavailable', ...extra }),
});

function clock() {
  const c = { t: 1_000_000, slept: [] as number[] };
  return {
    c,
    now: () => c.t,
    sleep: (ms: number) => {
      c.slept.push(ms);
      c.t += ms;
      return Promise.resolve();
    },
  };
}

describe('createThrottledHttpClient', () => {
  it('keys 429/5xx by url, client_id, scope and a digest of the refresh token; secrets never appear in keys', () => {
    const a = throttleKeys({ url: 'https://x/token', body: form({ client_id: 'c', scope: 's', refresh_token: 'RT-SECRET-A' }) });
    const b = throttleKeys({ url: 'https://x/token', body: form({ client_id: 'c', scope: 's', refresh_token: 'RT-SECRET-B' }) });
    assert.notEqual(a.transient, b.transient);
    assert.match(a.transient, /^POST https:\/\/x\/token client_id=c scope=s hash=[0-9a-f]{64} 429\/5xx\/Retry-After$/);
    assert.doesNotMatch(a.transient + a.uiRequired, /SECRET/);
    const withAssertion = (jti: string) => throttleKeys({ url: 'https://x/token', body: form({ grant_type: 'client_credentials', client_assertion: jti }) });
    assert.equal(withAssertion('one').uiRequired, withAssertion('two').uiRequired, 'a fresh client assertion is the same request');
  });

  it("another account is not throttled by one account's 429", async () => {
    const { now, sleep } = clock();
    const inner = scripted([error(429, { 'retry-after': '120' })]);
    const http = createThrottledHttpClient(inner, { now, sleep });
    assert.equal((await http.send(post({ client_id: 'c', refresh_token: 'one' }))).status, 429);
    const replay = await http.send(post({ client_id: 'c', refresh_token: 'one' }));
    assert.equal(replay.headers[THROTTLED_LOCALLY_HEADER], '1');
    assert.equal((await http.send(post({ client_id: 'c', refresh_token: 'two' }))).status, 200);
    assert.equal(inner.sent.length, 2);
  });

  it('the stored state is plain JSON holding only OAuth2 error fields', async () => {
    const { now, sleep } = clock();
    const store = new Map<string, unknown>();
    const inner = scripted([error(400, {}, { error_description: 'AADSTS50126', echoed: 'password=hunter2' })]);
    const http = createThrottledHttpClient(inner, { now, sleep, store });
    await http.send(post({ client_id: 'c', username: 'u', password: 'hunter2' }));
    const text = JSON.stringify([...store]);
    assert.doesNotMatch(text, /hunter2/);
    assert.match(text, /AADSTS50126/);
    assert.deepEqual(new Map(JSON.parse(text) as Array<[string, unknown]>), store);
  });

  it('a success is never replayed, even with Retry-After', async () => {
    const { now, sleep } = clock();
    const inner = scripted([{ status: 200, headers: { 'retry-after': '60' }, body: '{"access_token":"a"}' }]);
    const http = createThrottledHttpClient(inner, { now, sleep });
    await http.send(post({ client_id: 'c' }));
    await http.send(post({ client_id: 'c' }));
    assert.equal(inner.sent.length, 2);
  });

  it('GETs are retried but never throttled', async () => {
    const { now, sleep, c } = clock();
    const inner = scripted([error(503), error(503), error(503), error(503)]);
    const http = createThrottledHttpClient(inner, { now, sleep });
    const get: HttpRequest = { method: 'GET', url: 'https://x/.well-known/openid-configuration', headers: {} };
    assert.equal((await http.send(get)).status, 503);
    assert.equal((await http.send(get)).status, 503);
    assert.equal(inner.sent.length, 4, 'each call sent (and retried): nothing replayed');
    assert.deepEqual(c.slept, [1000, 1000]);
  });

  it('maxRetries 0 sends once; timeouts are never retried', async () => {
    const { now, sleep } = clock();
    const once = scripted([error(500)]);
    assert.equal((await createThrottledHttpClient(once, { now, sleep, maxRetries: 0 }).send(post({}))).status, 500);
    assert.equal(once.sent.length, 1);
    const slow = scripted([new RequestTimeoutError('slow'), new RequestTimeoutError('slow')]);
    await assert.rejects(createThrottledHttpClient(slow, { now, sleep }).send(post({})), RequestTimeoutError);
    assert.equal(slow.sent.length, 1);
  });

  it('a retry that would pass the deadline is not made', async () => {
    const { now, sleep } = clock();
    const inner = scripted([error(503, { 'retry-after': '5' })]);
    const http = createThrottledHttpClient(inner, { now, sleep, deadlineMs: 4000 });
    assert.equal((await http.send(post({}))).status, 503);
    assert.equal(inner.sent.length, 1);
  });

  it('an abort while waiting to retry rejects with RequestAbortedError', async () => {
    const inner = scripted([new NetworkError('reset')]);
    const controller = new AbortController();
    const http = createThrottledHttpClient(inner, { retryDelayMs: 10_000 });
    const pending = http.send({ ...post({}), signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, RequestAbortedError);
    assert.equal(inner.sent.length, 1);
  });

  it('rejects malformed options before any I/O', () => {
    assert.throws(() => createThrottledHttpClient(scripted([]), { maxRetries: -1 }), RangeError);
    assert.throws(() => createThrottledHttpClient({} as HttpClient), TypeError);
  });
});
