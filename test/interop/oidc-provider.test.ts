// acquireTokenForClient against a real, third-party OpenID provider (panva's oidc-provider) on loopback HTTPS,
// through `oidcAuthority`: client_secret_post, private_key_jwt (PS256 + x5t#S256, RS256 + x5t) and a ready assertion.
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Provider from 'oidc-provider';
import { SignJWT, importPKCS8 } from 'jose';
import { ConfidentialClientApplication } from '../../src/app/confidential-client-application.js';
import { makePki, type Pki } from '../http/fixtures.js';
import { fixtures, hex, PASSPHRASE } from '../protocol/fixtures.js';

const SCOPE = 'api.read';

describe('acquireTokenForClient against oidc-provider', () => {
  let pki: Pki;
  let server: Server;
  let issuer: string;
  let tokenRequests = 0;

  before(async () => {
    pki = makePki();
    const cert = fixtures().a;
    const clientJwk = { ...createPublicKey(cert.keyPem).export({ format: 'jwk' }), use: 'sig' };
    const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    server = createServer({ key: pki.keyPem, cert: pki.certPem });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const common = { grant_types: ['client_credentials'], redirect_uris: [], response_types: [] };
    const provider = new Provider(issuer, {
      jwks: { keys: [{ ...signing, kid: 'op-key', use: 'sig' }] },
      clients: [
        { client_id: 'daemon', client_secret: 'daemon-secret', token_endpoint_auth_method: 'client_secret_post', ...common },
        {
          client_id: 'daemon-ps256',
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'PS256',
          jwks: { keys: [clientJwk] },
          ...common,
        },
        {
          client_id: 'daemon-rs256',
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'RS256',
          jwks: { keys: [clientJwk] },
          ...common,
        },
      ],
      scopes: [SCOPE],
      ttl: { ClientCredentials: 3600 },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => 'api://default',
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({ scope: SCOPE, audience: 'api://default', accessTokenFormat: 'jwt', accessTokenTTL: 3600 }),
        },
      },
    });
    const callback = provider.callback();
    server.on('request', (req, res) => {
      if (req.method === 'POST' && req.url === '/token') tokenRequests++;
      callback(req, res);
    });
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    pki.dispose();
  });

  async function acquireTwice(app: ConfidentialClientApplication): Promise<void> {
    const before = tokenRequests;
    const first = await app.acquireTokenForClient([SCOPE]);
    assert.equal(first.token_source, 'identity_provider');
    assert.equal(first.token_type, 'Bearer');
    assert.equal(typeof first.access_token, 'string');
    assert.ok(first.expires_in > 3000);
    assert.equal(tokenRequests, before + 1);
    const second = await app.acquireTokenForClient([SCOPE]);
    assert.equal(second.token_source, 'cache');
    assert.equal(second.access_token, first.access_token);
    assert.equal(tokenRequests, before + 1, 'the cache hit sent no token request');
  }

  it('client secret (client_secret_post)', async () => {
    const app = new ConfidentialClientApplication('daemon', {
      oidcAuthority: issuer,
      clientCredential: 'daemon-secret',
      verify: pki.caPath,
    });
    await acquireTwice(app);
  });

  it('private_key_jwt with a SHA-256 thumbprint (PS256, x5t#S256)', async () => {
    const cert = fixtures().a;
    const app = new ConfidentialClientApplication('daemon-ps256', {
      oidcAuthority: issuer,
      clientCredential: { privateKey: cert.keyPem, thumbprintSha256: hex(cert.sha256Fingerprint) },
      verify: pki.caPath,
    });
    await acquireTwice(app);
  });

  it('private_key_jwt with a SHA-1 thumbprint (RS256, x5t)', async () => {
    const cert = fixtures().a;
    const app = new ConfidentialClientApplication('daemon-rs256', {
      oidcAuthority: issuer,
      clientCredential: { privateKey: cert.keyPem, thumbprint: hex(cert.sha1Fingerprint) },
      verify: pki.caPath,
    });
    await acquireTwice(app);
  });

  it('private_key_jwt from a passphrase-encrypted key with its certificate (x5c)', async () => {
    const { a, encryptedPkcs8 } = fixtures();
    const app = new ConfidentialClientApplication('daemon-ps256', {
      oidcAuthority: issuer,
      clientCredential: { privateKey: encryptedPkcs8, passphrase: PASSPHRASE, publicCertificate: a.certPem },
      verify: pki.caPath,
    });
    await acquireTwice(app);
  });

  it('a client assertion given as a string', async () => {
    const key = await importPKCS8(fixtures().a.keyPem, 'PS256');
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'PS256' })
      .setIssuer('daemon-ps256')
      .setSubject('daemon-ps256')
      .setAudience(`${issuer}/token`)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
    const app = new ConfidentialClientApplication('daemon-ps256', {
      oidcAuthority: issuer,
      clientCredential: { clientAssertion: assertion },
      verify: pki.caPath,
    });
    await acquireTwice(app);
  });

  it('a client assertion supplied by a callback', async () => {
    const key = await importPKCS8(fixtures().a.keyPem, 'PS256');
    const seen: string[] = [];
    const app = new ConfidentialClientApplication('daemon-ps256', {
      oidcAuthority: issuer,
      clientCredential: {
        clientAssertion: async ({ clientId, tokenEndpoint }) => {
          seen.push(tokenEndpoint);
          return new SignJWT({ jti: randomUUID() })
            .setProtectedHeader({ alg: 'PS256' })
            .setIssuer(clientId)
            .setSubject(clientId)
            .setAudience(tokenEndpoint)
            .setIssuedAt()
            .setExpirationTime('5m')
            .sign(key);
        },
      },
      verify: pki.caPath,
    });
    await acquireTwice(app);
    assert.deepEqual(seen, [`${issuer}/token`]);
  });

  it('a wrong secret is refused with the provider error, and nothing is cached', async () => {
    const app = new ConfidentialClientApplication('daemon', {
      oidcAuthority: issuer,
      clientCredential: 'not-the-secret',
      verify: pki.caPath,
    });
    await assert.rejects(app.acquireTokenForClient([SCOPE]), { code: 'server_error', error: 'invalid_client' });
    assert.equal(app.tokenCache.listAccessTokens().length, 0);
  });
});
