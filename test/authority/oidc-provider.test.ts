// Discovery against a real, third-party OpenID provider (panva's oidc-provider) over loopback HTTPS.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import Provider from 'oidc-provider';
import { parseAuthority } from '../../src/authority/authority.js';
import { resolveAuthorityMetadata } from '../../src/authority/discovery.js';
import { createHttpClient } from '../../src/http/undici-http-client.js';
import type { ClosableHttpClient } from '../../src/http/undici-http-client.js';
import { clearProxyEnv, makePki, startHttpsServer } from '../http/fixtures.js';
import type { Pki, TestServer } from '../http/fixtures.js';

clearProxyEnv();

let pki: Pki;
let server: TestServer;
let http: ClosableHttpClient;
let issuer: string;

before(async () => {
  pki = makePki();
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  server = await startHttpsServer(pki, (req, res) => handle(req, res));
  issuer = server.origin;
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'app', client_secret: 'not-a-real-secret', redirect_uris: ['https://127.0.0.1/cb'] }],
    features: { deviceFlow: { enabled: true } },
  });
  // startHttpsServer has already consumed the body; oidc-provider reads none for discovery GETs.
  const callback = provider.callback();
  handle = (req, res) => {
    void callback(req, res);
  };
  http = createHttpClient({ ca: pki.caPem });
});

after(async () => {
  await http.close();
  await server.close();
  pki.dispose();
});

describe('oidc-provider as an oidc authority', () => {
  it('resolves its endpoints from {issuer}/.well-known/openid-configuration', async () => {
    const meta = await resolveAuthorityMetadata(parseAuthority(issuer, { oidcAuthority: true }), { http });
    assert.equal(meta.issuer, issuer);
    assert.equal(meta.token_endpoint, `${issuer}/token`);
    assert.equal(meta.authorization_endpoint, `${issuer}/auth`);
    assert.equal(meta.jwks_uri, `${issuer}/jwks`);
    assert.equal(meta.device_authorization_endpoint, `${issuer}/device/auth`);
    assert.equal(meta.tenant, undefined);
    assert.equal(meta.environment, '127.0.0.1');
    assert.ok(Array.isArray(meta.raw.grant_types_supported));
  });
});
