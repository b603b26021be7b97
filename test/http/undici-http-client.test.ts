import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { InvalidResponseError, NetworkError, RequestAbortedError, RequestTimeoutError } from '../../src/errors.js';
import { createHttpClient } from '../../src/http/undici-http-client.js';
import type { ClosableHttpClient, HttpClientOptions } from '../../src/http/undici-http-client.js';
import type { LogContext, Logger, LogLevel } from '../../src/logger.js';
import { clearProxyEnv, makePki, startConnectProxy, startHttpsServer } from './fixtures.js';
import type { ConnectProxy, Pki, TestServer } from './fixtures.js';

clearProxyEnv();

let pki: Pki;
let server: TestServer;
const clients: ClosableHttpClient[] = [];

/** A logger that keeps what it receives (level and context; the text is not asserted on). */
function recorder(): Logger & { seen: Array<{ level: LogLevel; context: LogContext }> } {
  const seen: Array<{ level: LogLevel; context: LogContext }> = [];
  return { level: 'verbose', seen, log: (level, _message, context) => seen.push({ level, context }) };
}

function client(options?: HttpClientOptions): ClosableHttpClient {
  const c = createHttpClient(options);
  clients.push(c);
  return c;
}

before(async () => {
  pki = makePki();
  server = await startHttpsServer(pki, (req, res, body) => {
    const path = req.url ?? '';
    if (path.startsWith('/hang')) return; // never answers
    if (path.startsWith('/stall-body')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      return; // never ends
    }
    if (path.startsWith('/big')) {
      const n = Number(new URL(path, 'https://x').searchParams.get('n'));
      const chunked = path.includes('chunked');
      res.writeHead(200, chunked ? {} : { 'content-length': String(n) });
      res.end('x'.repeat(n));
      return;
    }
    if (path.startsWith('/status/')) {
      res.writeHead(Number(path.slice('/status/'.length)), { 'Content-Type': 'application/json', 'X-Mixed-Case': 'v' });
      res.end('{"error":"temporarily_unavailable"}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Mixed-Case': 'v' });
    res.end(JSON.stringify({ method: req.method, path, body, contentType: req.headers['content-type'] ?? null }));
  });
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
  pki.dispose();
});

describe('options', () => {
  it('a misspelt option is a TypeError naming it and the option meant, before any request', () => {
    assert.throws(() => createHttpClient({ verfy: false } as never), /unknown option "verfy".*did you mean "verify"/);
    assert.throws(() => createHttpClient({ timeout: 5 } as never), /unknown option "timeout"/);
  });
});

describe('trust (verify / ca)', () => {
  it('verify=false accepts a certificate from an unknown CA', async () => {
    const res = await client({ verify: false }).send({ method: 'GET', url: `${server.origin}/hello`, headers: {} });
    assert.equal(res.status, 200);
    assert.equal((JSON.parse(res.body) as { path: string }).path, '/hello');
  });

  it('verify=<CA bundle path> trusts that CA', async () => {
    const res = await client({ verify: pki.caPath }).send({ method: 'GET', url: `${server.origin}/a`, headers: {} });
    assert.equal(res.status, 200);
  });

  it('ca=<PEM text> trusts that CA', async () => {
    const res = await client({ ca: pki.caPem }).send({ method: 'GET', url: `${server.origin}/b`, headers: {} });
    assert.equal(res.status, 200);
  });

  it('the default trust store rejects the private CA with NetworkError carrying the TLS error', async () => {
    const err = await client()
      .send({ method: 'GET', url: `${server.origin}/c`, headers: { 'client-request-id': 'corr-1' } })
      .then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof NetworkError);
    assert.equal(err.code, 'network_error');
    assert.equal(err.correlationId, 'corr-1');
    assert.match(String((err.cause as { code?: unknown }).code), /CERT|SIGNATURE|ISSUER/);
  });

  it('verify=false warns once through the logger', async () => {
    const logger = recorder();
    const c = client({ verify: false, logger });
    await c.send({ method: 'GET', url: `${server.origin}/w1`, headers: {} });
    await c.send({ method: 'GET', url: `${server.origin}/w2`, headers: {} });
    assert.deepEqual(logger.seen, [{ level: 'warning', context: { tlsVerification: 'off', setting: 'verify=false' } }]);
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0 (read when the client is created) warns once through the logger', async () => {
    const logger = recorder();
    const saved = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
    let c: ClosableHttpClient;
    try {
      c = client({ verify: pki.caPath, logger });
    } finally {
      if (saved === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
      else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = saved;
    }
    await c.send({ method: 'GET', url: `${server.origin}/w3`, headers: {} });
    await c.send({ method: 'GET', url: `${server.origin}/w4`, headers: {} });
    assert.deepEqual(logger.seen, [{ level: 'warning', context: { tlsVerification: 'off', setting: 'NODE_TLS_REJECT_UNAUTHORIZED=0' } }]);
    // The control: verification on and the variable unset, nothing is logged.
    const quiet = recorder();
    await client({ verify: pki.caPath, logger: quiet }).send({ method: 'GET', url: `${server.origin}/w5`, headers: {} });
    assert.deepEqual(quiet.seen, []);
  });

  it('a verify path that cannot be read rejects with TypeError naming options.verify', async () => {
    await assert.rejects(
      client({ verify: `${pki.dir}/missing.pem` }).send({ method: 'GET', url: `${server.origin}/d`, headers: {} }),
      (e: unknown) => e instanceof TypeError && /options\.verify/.test(e.message),
    );
  });
});

describe('requests and responses', () => {
  it('sends the POST body as is and lower-cases response header names', async () => {
    const res = await client({ ca: pki.caPem }).send({
      method: 'POST',
      url: `${server.origin}/token?x=1`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=a+b',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-mixed-case'], 'v');
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(res.body), {
      method: 'POST',
      path: '/token?x=1',
      body: 'grant_type=client_credentials&scope=a+b',
      contentType: 'application/x-www-form-urlencoded',
    });
  });

  it('resolves (does not reject) for error statuses', async () => {
    for (const status of [400, 404, 500, 503]) {
      const res = await client({ ca: pki.caPem }).send({ method: 'GET', url: `${server.origin}/status/${status}`, headers: {} });
      assert.equal(res.status, status);
      assert.equal(res.body, '{"error":"temporarily_unavailable"}');
    }
  });

  it('a body larger than maxBodyBytes rejects with InvalidResponseError (declared and chunked)', async () => {
    const http = client({ ca: pki.caPem, maxBodyBytes: 100 });
    for (const path of ['/big?n=1000', '/big?n=200000&chunked']) {
      await assert.rejects(http.send({ method: 'GET', url: `${server.origin}${path}`, headers: {} }), (e: unknown) => {
        assert.ok(e instanceof InvalidResponseError);
        assert.equal(e.status, 200);
        return true;
      });
    }
    const ok = await http.send({ method: 'GET', url: `${server.origin}/big?n=100`, headers: {} });
    assert.equal(ok.body.length, 100);
  });
});

describe('proxies', () => {
  let proxy: ConnectProxy;
  before(async () => {
    proxy = await startConnectProxy();
  });
  after(async () => {
    await proxy.close();
  });

  it('an explicit proxy tunnels with CONNECT and sends Proxy-Authorization from the URL credentials', async () => {
    proxy.connects.length = 0;
    const withCreds = proxy.url.replace('http://', 'http://alice:p%40ss@');
    const res = await client({ ca: pki.caPem, proxy: withCreds }).send({ method: 'GET', url: `${server.origin}/via`, headers: {} });
    assert.equal(res.status, 200);
    assert.equal(proxy.connects.length, 1);
    assert.equal(proxy.connects[0]?.target, `127.0.0.1:${server.port}`);
    assert.equal(proxy.connects[0]?.proxyAuthorization, `Basic ${Buffer.from('alice:p@ss').toString('base64')}`);
  });

  it('an explicit proxy without credentials sends no Proxy-Authorization', async () => {
    proxy.connects.length = 0;
    await client({ ca: pki.caPem, proxy: proxy.url }).send({ method: 'GET', url: `${server.origin}/via2`, headers: {} });
    assert.equal(proxy.connects.length, 1);
    assert.equal(proxy.connects[0]?.proxyAuthorization, undefined);
  });

  it('HTTPS_PROXY from the environment is honoured', async () => {
    proxy.connects.length = 0;
    process.env.HTTPS_PROXY = proxy.url;
    try {
      const res = await client({ ca: pki.caPem }).send({ method: 'GET', url: `${server.origin}/env`, headers: {} });
      assert.equal(res.status, 200);
      assert.deepEqual(
        proxy.connects.map((c) => c.target),
        [`127.0.0.1:${server.port}`],
      );
    } finally {
      clearProxyEnv();
    }
  });

  it('lower-case https_proxy is honoured too', async () => {
    proxy.connects.length = 0;
    process.env.https_proxy = proxy.url;
    try {
      await client({ ca: pki.caPem }).send({ method: 'GET', url: `${server.origin}/env2`, headers: {} });
      assert.equal(proxy.connects.length, 1);
    } finally {
      clearProxyEnv();
    }
  });

  it('NO_PROXY bypasses the environment proxy', async () => {
    proxy.connects.length = 0;
    process.env.HTTPS_PROXY = proxy.url;
    process.env.NO_PROXY = '127.0.0.1';
    try {
      const res = await client({ ca: pki.caPem }).send({ method: 'GET', url: `${server.origin}/direct`, headers: {} });
      assert.equal(res.status, 200);
      assert.equal(proxy.connects.length, 0);
    } finally {
      clearProxyEnv();
    }
  });

  it('a proxy that refuses connections gives NetworkError without leaking the proxy password', async () => {
    const dead = await unusedPort();
    const err = await client({ ca: pki.caPem, proxy: `http://bob:hunter2@127.0.0.1:${dead}` })
      .send({ method: 'GET', url: `${server.origin}/x`, headers: {} })
      .then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof NetworkError);
    assert.doesNotMatch(err.message, /hunter2/);
  });
});

describe('timeouts, aborts and connection failures', () => {
  it('no response within timeoutMs rejects with RequestTimeoutError', async () => {
    await assert.rejects(
      client({ ca: pki.caPem, timeoutMs: 200 }).send({ method: 'GET', url: `${server.origin}/hang`, headers: {} }),
      (e: unknown) => e instanceof RequestTimeoutError && e.code === 'request_timeout',
    );
  });

  it('a body that stalls past timeoutMs rejects with RequestTimeoutError', async () => {
    await assert.rejects(
      client({ ca: pki.caPem, timeoutMs: 200 }).send({ method: 'GET', url: `${server.origin}/stall-body`, headers: {} }),
      (e: unknown) => e instanceof RequestTimeoutError,
    );
  });

  it('the caller aborting mid-request rejects with RequestAbortedError carrying the reason', async () => {
    const controller = new AbortController();
    const seenBefore = server.seen.length;
    const pending = client({ ca: pki.caPem }).send({ method: 'GET', url: `${server.origin}/hang`, headers: {}, signal: controller.signal });
    while (server.seen.length === seenBefore) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('user gave up'));
    await assert.rejects(pending, (e: unknown) => {
      assert.ok(e instanceof RequestAbortedError);
      assert.equal((e.cause as Error).message, 'user gave up');
      return true;
    });
  });

  it('an already-aborted signal rejects without sending anything', async () => {
    const seenBefore = server.seen.length;
    await assert.rejects(
      client({ ca: pki.caPem }).send({ method: 'GET', url: `${server.origin}/never`, headers: {}, signal: AbortSignal.abort() }),
      RequestAbortedError,
    );
    assert.equal(server.seen.length, seenBefore);
  });

  it('connection refused rejects with NetworkError whose cause is ECONNREFUSED, and no body in the message', async () => {
    const port = await unusedPort();
    const err = await client()
      .send({ method: 'POST', url: `https://127.0.0.1:${port}/token`, headers: {}, body: 'client_secret=TopSecretValue' })
      .then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof NetworkError);
    assert.equal((err.cause as { code?: unknown }).code, 'ECONNREFUSED');
    assert.doesNotMatch(err.message, /TopSecretValue/);
  });

  it('a connection reset rejects with NetworkError', async () => {
    const sockets = new Set<Socket>();
    const resetter = createNetServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => resetter.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = resetter.address() as AddressInfo;
      await assert.rejects(
        client({ verify: false }).send({ method: 'GET', url: `https://127.0.0.1:${port}/`, headers: {} }),
        (e: unknown) => e instanceof NetworkError && e.cause !== undefined,
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => resetter.close(() => resolve()));
    }
  });
});

describe('caller misuse', () => {
  const bad: Array<[string, () => unknown, RegExp, ErrorConstructor]> = [
    ['verify of a wrong type', () => createHttpClient({ verify: 1 as unknown as boolean }), /options\.verify/, TypeError],
    ['ca that is not PEM', () => createHttpClient({ ca: 'not a certificate' }), /options\.ca/, TypeError],
    ['ca with verify=false', () => createHttpClient({ verify: false, ca: '-----BEGIN CERTIFICATE-----' }), /options\.ca/, TypeError],
    ['proxy that is not a URL', () => createHttpClient({ proxy: 'nope' }), /options\.proxy/, TypeError],
    ['socks proxy', () => createHttpClient({ proxy: 'socks5://u:secretpw@h:1080' }), /options\.proxy/, TypeError],
    ['negative timeout', () => createHttpClient({ timeoutMs: -1 }), /options\.timeoutMs/, RangeError],
    ['zero connect timeout', () => createHttpClient({ connectTimeoutMs: 0 }), /options\.connectTimeoutMs/, RangeError],
    ['NaN maxBodyBytes', () => createHttpClient({ maxBodyBytes: Number.NaN }), /options\.maxBodyBytes/, RangeError],
  ];
  for (const [name, fn, message, type] of bad) {
    it(`throws ${type.name} for ${name}`, () => {
      assert.throws(fn, (e: unknown) => e instanceof type && message.test(e.message) && !/secretpw/.test(e.message));
    });
  }

  it('rejects a request URL that is not http(s) with TypeError naming request.url', async () => {
    await assert.rejects(
      createHttpClient().send({ method: 'GET', url: 'ftp://example.com/x', headers: {} }),
      (e: unknown) => e instanceof TypeError && /request\.url/.test(e.message),
    );
  });
});

describe('lazy loading', () => {
  it('importing the module and creating a client does not load undici; the first request does', () => {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const loaded = () => Object.keys(require.cache).some((k) => /node_modules[\\\\/]undici[\\\\/]/.test(k));
      const { createHttpClient } = await import('./src/http/undici-http-client.ts');
      const afterImport = loaded();
      const http = createHttpClient({ proxy: 'http://127.0.0.1:9' });
      const afterCreate = loaded();
      await http.send({ method: 'GET', url: 'http://127.0.0.1:9/', headers: {} }).catch(() => undefined);
      console.log(JSON.stringify({ afterImport, afterCreate, afterSend: loaded() }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url),
      encoding: 'utf8',
    });
    // afterSend proves the probe can see undici when it is loaded.
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop() ?? ''), { afterImport: false, afterCreate: false, afterSend: true });
  });
});

async function unusedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
