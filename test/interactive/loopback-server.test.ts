import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { BrowserInteractionTimeoutError, LoopbackPortInUseError, RequestAbortedError } from '../../src/errors.js';
import { startLoopbackServer } from '../../src/interactive/loopback-server.js';
import type { LoopbackServer } from '../../src/interactive/types.js';

/** Resolves with the error code of a TCP connection attempt to `host:port`, or 'connected'. */
function tryConnect(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

function portOf(server: LoopbackServer): number {
  return Number(new URL(server.redirectUri).port);
}

/** The server's URL on 127.0.0.1 (the redirect URI says localhost, which may resolve to ::1 first). */
function local(server: LoopbackServer, pathAndQuery: string): string {
  return `http://127.0.0.1:${portOf(server)}${pathAndQuery}`;
}

async function get(server: LoopbackServer, pathAndQuery: string): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(local(server, pathAndQuery));
  return { status: res.status, body: await res.text(), headers: res.headers };
}

describe('loopback redirect server', () => {
  it('receives a GET response, answers with the success page, and stops listening', async (t) => {
    const server = await startLoopbackServer();
    t.after(() => server.close());
    assert.match(server.redirectUri, /^http:\/\/localhost:\d+$/);
    const port = portOf(server);
    assert.ok(port > 0);
    const waiting = server.waitForResponse({ state: 's1' });
    const page = await get(server, '/?code=the-code&state=s1&session_state=x');
    assert.equal(page.status, 200);
    assert.match(page.body, /Authentication complete/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.deepEqual(await waiting, { code: 'the-code', state: 's1', session_state: 'x' });
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
  });

  it('receives a form_post response', async (t) => {
    const server = await startLoopbackServer({ redirectHost: '127.0.0.1' });
    t.after(() => server.close());
    assert.match(server.redirectUri, /^http:\/\/127\.0\.0\.1:\d+$/);
    const waiting = server.waitForResponse({ state: 'st' });
    const res = await fetch(server.redirectUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code: 'c0de', state: 'st', client_info: 'eyJ1aWQiOiIxIn0' }).toString(),
    });
    assert.equal(res.status, 200);
    await res.text();
    assert.deepEqual(await waiting, { code: 'c0de', state: 'st', client_info: 'eyJ1aWQiOiIxIn0' });
  });

  it('answers a state mismatch with a page and keeps waiting for the right state', async (t) => {
    const server = await startLoopbackServer();
    t.after(() => server.close());
    const waiting = server.waitForResponse({ state: 'right' });
    let settled = false;
    void waiting.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    const wrong = await get(server, '/?code=stolen&state=wrong');
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /State mismatch/);
    const noState = await get(server, '/?code=stolen');
    assert.equal(noState.status, 400);
    assert.equal(settled, false);
    const right = await get(server, '/?code=good&state=right');
    assert.equal(right.status, 200);
    assert.equal((await waiting).code, 'good');
  });

  it('answers other paths with 404, and requests without code or error with a page, without ending the wait', async (t) => {
    const server = await startLoopbackServer();
    t.after(() => server.close());
    const waiting = server.waitForResponse({ state: 's' });
    assert.equal((await get(server, '/favicon.ico')).status, 404);
    assert.equal((await get(server, '/callback?code=x&state=s')).status, 404);
    const bare = await get(server, '/');
    assert.equal(bare.status, 400);
    assert.match(bare.body, /Waiting for sign-in/);
    const put = await fetch(local(server, '/?code=x&state=s'), { method: 'PUT' });
    assert.equal(put.status, 405);
    await put.text();
    const twice = await get(server, '/?code=a&code=b&state=s');
    assert.equal(twice.status, 400, 'a repeated field is refused, not guessed');
    const json = await fetch(local(server, '/'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"code":"x","state":"s"}' });
    assert.equal(json.status, 400);
    await json.text();
    assert.equal((await get(server, '/?code=real&state=s')).status, 200);
    assert.equal((await waiting).code, 'real');
  });

  it('returns an error response with the error page, escaping everything the server sent (no XSS)', async (t) => {
    const server = await startLoopbackServer();
    t.after(() => server.close());
    const waiting = server.waitForResponse({ state: 's' });
    const evil = '<script>alert(document.cookie)</script><img src=x onerror="alert(1)">';
    const query = new URLSearchParams({ error: 'access_denied', error_description: evil, state: 's' });
    const page = await get(server, `/?${query.toString()}`);
    assert.equal(page.status, 400);
    assert.match(page.body, /access_denied/);
    assert.ok(!page.body.includes('<script>'), page.body);
    assert.ok(!page.body.includes('<img'), page.body);
    assert.match(page.body, /&#60;script&#62;alert\(document\.cookie\)&#60;\/script&#62;/);
    assert.match(page.body, /onerror=&#34;alert\(1\)&#34;/);
    assert.deepEqual(await waiting, { error: 'access_denied', error_description: evil, state: 's' });
  });

  it('fills custom templates with escaped $var and ${var} values; $$ is a dollar sign', async (t) => {
    const server = await startLoopbackServer({ successTemplate: '<p>Got $code for ${state}, $$5, $missing.</p>' });
    t.after(() => server.close());
    const waiting = server.waitForResponse({ state: 'a"b' });
    const page = await get(server, `/?${new URLSearchParams({ code: '<b>c</b>', state: 'a"b' }).toString()}`);
    assert.equal(page.body, '<p>Got &#60;b&#62;c&#60;/b&#62; for a&#34;b, $5, .</p>');
    await waiting;
  });

  it('holds a response that arrives before waitForResponse and answers it once the wait starts', async (t) => {
    const server = await startLoopbackServer();
    t.after(() => server.close());
    const early = get(server, '/?code=fast&state=s');
    // Let the request reach the server before waiting starts.
    await new Promise((resolve) => setImmediate(resolve));
    const response = await server.waitForResponse({ state: 's' });
    assert.equal(response.code, 'fast');
    assert.equal((await early).status, 200);
  });

  it('rejects with BrowserInteractionTimeoutError after timeoutMs and stops listening', async (t) => {
    const server = await startLoopbackServer();
    t.after(() => server.close());
    await assert.rejects(server.waitForResponse({ state: 's', timeoutMs: 30 }), (err: unknown) => {
      assert.ok(err instanceof BrowserInteractionTimeoutError);
      assert.equal(err.code, 'browser_interaction_timeout');
      return true;
    });
    assert.equal(await tryConnect(portOf(server)), 'ECONNREFUSED');
  });

  it('rejects with RequestAbortedError when the signal aborts, or was aborted already', async (t) => {
    const server = await startLoopbackServer();
    t.after(() => server.close());
    const controller = new AbortController();
    const waiting = server.waitForResponse({ state: 's', signal: controller.signal });
    controller.abort(new Error('user cancelled'));
    await assert.rejects(waiting, (err: unknown) => err instanceof RequestAbortedError && err.cause instanceof Error && err.cause.message === 'user cancelled');
    assert.equal(await tryConnect(portOf(server)), 'ECONNREFUSED');

    const second = await startLoopbackServer();
    t.after(() => second.close());
    await assert.rejects(second.waitForResponse({ state: 's', signal: AbortSignal.abort() }), RequestAbortedError);
    assert.equal(await tryConnect(portOf(second)), 'ECONNREFUSED');
  });

  it('rejects a wait in progress when close() is called; close is idempotent', async () => {
    const server = await startLoopbackServer();
    const waiting = server.waitForResponse({ state: 's' });
    await server.close();
    await assert.rejects(waiting, RequestAbortedError);
    await server.close();
    assert.equal(await tryConnect(portOf(server)), 'ECONNREFUSED');
    await assert.rejects(server.waitForResponse({ state: 's' }), TypeError);
  });

  it('listens on the chosen port, and throws LoopbackPortInUseError when it is busy', async (t) => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const address = blocker.address();
    assert.ok(address !== null && typeof address === 'object');
    await assert.rejects(startLoopbackServer({ port: address.port }), (err: unknown) => {
      assert.ok(err instanceof LoopbackPortInUseError);
      assert.equal(err.code, 'loopback_port_in_use');
      assert.equal(err.port, address.port);
      return true;
    });
    const free = await startLoopbackServer();
    const freePort = portOf(free);
    await free.close();
    const chosen = await startLoopbackServer({ port: freePort });
    t.after(() => chosen.close());
    assert.equal(chosen.redirectUri, `http://localhost:${freePort}`);
  });

  it('binds 127.0.0.1 only, not every interface', async (t) => {
    const server = await startLoopbackServer();
    t.after(() => server.close());
    assert.equal(await tryConnect(portOf(server)), 'connected');
    // Linux routes all of 127/8 to lo: a server bound to 0.0.0.0 would accept this connection.
    assert.equal(await tryConnect(portOf(server), '127.0.0.2'), 'ECONNREFUSED');
  });

  it('refuses bad options and arguments before listening', async (t) => {
    await assert.rejects(startLoopbackServer({ port: -1 }), RangeError);
    await assert.rejects(startLoopbackServer({ port: 1.5 }), TypeError);
    await assert.rejects(startLoopbackServer({ redirectHost: '0.0.0.0' as 'localhost' }), /redirectHost/);
    await assert.rejects(startLoopbackServer({ successTemplate: 42 as unknown as string }), /successTemplate/);
    const server = await startLoopbackServer();
    t.after(() => server.close());
    await assert.rejects(server.waitForResponse({ state: '' }), /state/);
    await assert.rejects(server.waitForResponse({ state: 's', timeoutMs: 0 }), RangeError);
    const waiting = server.waitForResponse({ state: 's' });
    await assert.rejects(server.waitForResponse({ state: 's' }), /already called/);
    await server.close();
    await assert.rejects(waiting, RequestAbortedError);
  });

  it('holds the IPv6 loopback address too: another local process cannot bind [::1]:<port> and take the code', async (t) => {
    const server = await startLoopbackServer();
    t.after(() => server.close());
    assert.match(server.redirectUri, /^http:\/\/localhost:\d+$/);
    const squatter = createServer();
    const outcome = await new Promise<string>((resolve) => {
      squatter.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      squatter.listen(portOf(server), '::1', () => resolve('bound'));
    });
    if (outcome === 'bound') squatter.close();
    assert.equal(outcome, 'EADDRINUSE', 'a local process could bind [::1] on the redirect port');
    // A browser that resolves localhost to ::1 first reaches this server, not a squatter.
    const waiting = server.waitForResponse({ state: 'v6' });
    const res = await fetch(`http://[::1]:${portOf(server)}/?code=c6&state=v6`, { headers: { host: `localhost:${portOf(server)}` } });
    assert.equal(res.status, 200);
    await res.text();
    assert.deepEqual(await waiting, { code: 'c6', state: 'v6' });
  });

  it('refuses a chosen port whose [::1] side another process already holds', async (t) => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '::1', () => resolve()));
    t.after(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
    const address = squatter.address();
    assert.ok(address !== null && typeof address === 'object');
    const started = await startLoopbackServer({ port: address.port }).then(
      async (server) => {
        await server.close();
        return 'started';
      },
      (err: unknown) => err,
    );
    assert.ok(started instanceof LoopbackPortInUseError, `started with [::1]:${address.port} held by another process`);
  });

  it('holds at most a few responses that arrive before waitForResponse; the rest are answered at once', async (t) => {
    const server = await startLoopbackServer();
    t.after(() => server.close());
    const statuses = new Map<number, number>();
    const flood = Array.from({ length: 40 }, (_, i) =>
      fetch(local(server, `/?code=c${i}&state=s${i}`), { signal: AbortSignal.timeout(10_000) }).then(
        async (res) => {
          await res.text();
          statuses.set(i, res.status);
        },
        () => undefined,
      ),
    );
    // Everything past the bound is answered without anyone waiting: the flood settles that far on its own.
    for (let i = 0; i < 200 && statuses.size < 40 - 8; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(statuses.size >= 40 - 8, `only ${statuses.size} of 40 early responses were answered; the rest were held`);
    assert.ok([...statuses.values()].every((s) => s === 503));
    await server.close();
    await Promise.all(flood);
  });
});
