// bypassProxyForLocalTargets: link-local and loopback targets (IMDS at 169.254.169.254, localhost listeners) never go
// through a proxy, whether it comes from the environment or the `proxy` option; other hosts still do.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHttpClient } from '../../src/http/undici-http-client.js';
import { isLocalHost } from '../../src/http/undici-transport.js';
import type { ClosableHttpClient } from '../../src/http/undici-http-client.js';
import { clearProxyEnv, makePki, startConnectProxy, startHttpsServer } from './fixtures.js';
import type { ConnectProxy, Pki, TestServer } from './fixtures.js';

clearProxyEnv();

describe('bypassProxyForLocalTargets', () => {
  let pki: Pki;
  let server: TestServer;
  let proxy: ConnectProxy;
  const clients: ClosableHttpClient[] = [];
  before(async () => {
    pki = makePki();
    server = await startHttpsServer(pki, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('direct or not');
    });
    proxy = await startConnectProxy();
  });
  after(async () => {
    clearProxyEnv();
    for (const c of clients) await c.close();
    await proxy.close();
    await server.close();
    pki.dispose();
  });

  it('a proxy from the environment is not used for a loopback target', async () => {
    proxy.connects.length = 0;
    process.env.HTTPS_PROXY = proxy.url;
    process.env.HTTP_PROXY = proxy.url;
    try {
      const bypassing = createHttpClient({ ca: pki.caPem, bypassProxyForLocalTargets: true });
      const proxied = createHttpClient({ ca: pki.caPem });
      clients.push(bypassing, proxied);
      assert.equal((await bypassing.send({ method: 'GET', url: `${server.origin}/a`, headers: {} })).status, 200);
      assert.equal(proxy.connects.length, 0, 'sent directly');
      await proxied.send({ method: 'GET', url: `${server.origin}/b`, headers: {} });
      assert.equal(proxy.connects.length, 1, 'without the option the environment proxy is used (the control)');
    } finally {
      clearProxyEnv();
    }
  });

  it('an explicit proxy is not used for a loopback target either', async () => {
    proxy.connects.length = 0;
    const c = createHttpClient({ ca: pki.caPem, proxy: proxy.url, bypassProxyForLocalTargets: true });
    clients.push(c);
    assert.equal((await c.send({ method: 'GET', url: `${server.origin}/c`, headers: {} })).status, 200);
    assert.equal(proxy.connects.length, 0);
  });

  it('knows which hosts are local', () => {
    for (const host of ['169.254.169.254', '127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST.', 'a.localhost', '[::1]', '[fe80::1]']) {
      assert.equal(isLocalHost(host), true, host);
    }
    for (const host of ['login.microsoftonline.com', '10.0.0.1', '169.255.1.1', '128.0.0.1', 'localhost.example.com', '[2001:db8::1]']) {
      assert.equal(isLocalHost(host), false, host);
    }
  });

  it('rejects a non-boolean option before any I/O', () => {
    assert.throws(() => createHttpClient({ bypassProxyForLocalTargets: 'yes' as unknown as boolean }), TypeError);
  });
});
