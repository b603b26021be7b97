// ConfidentialClientApplication.acquireTokenForClient end to end against the emulator over HTTPS: every credential
// type gets a token, then the same call is served from the cache with zero HTTP requests (the emulator's counters).
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { importPKCS8, SignJWT } from 'jose';
import {
  AuthorityValidationError,
  CacheFormatError,
  ConfidentialClientApplication,
  InvalidCredentialError,
  InvalidResponseError,
  SerializableTokenCache,
  ServerError,
  type ClientCredential,
} from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { fixtures } from '../protocol/fixtures.js';

const GRAPH = ['https://graph.microsoft.com/.default'];

function total(counters: Record<string, number>): number {
  // Per-endpoint counts only; "token:<grant>" keys repeat the "token" count.
  return Object.entries(counters)
    .filter(([k]) => !k.includes(':'))
    .reduce((sum, [, v]) => sum + v, 0);
}

describe('acquireTokenForClient against the emulator', () => {
  let emulator: Emulator;
  let certPem: string;
  let keyPem: string;
  let thumbprint: string;
  let thumbprintSha256: string;

  before(async () => {
    emulator = await startEmulator({
      config: { apps: [{ clientId: DEFAULT_IDS.daemonClientId, signInAudience: 'AzureADMultipleOrgs' }] },
    });
    const app = emulator.config.apps.find((a) => a.clientId === DEFAULT_IDS.certificateClientId);
    const files = app?.certificateFiles;
    assert.ok(files, 'the emulator generated a certificate for its certificate app');
    certPem = readFileSync(files.certificatePath, 'utf8');
    keyPem = readFileSync(files.privateKeyPath, 'utf8');
    thumbprint = files.thumbprint;
    thumbprintSha256 = files.thumbprintSha256;
  });

  after(async () => {
    await emulator.close();
  });

  function makeApp(
    clientId: string,
    clientCredential: ClientCredential,
    extra: { tokenCache?: SerializableTokenCache; authority?: string } = {},
  ): ConfidentialClientApplication {
    return new ConfidentialClientApplication(clientId, {
      authority: extra.authority ?? emulator.authority,
      clientCredential,
      verify: emulator.caPath,
      instanceDiscovery: false,
      tokenCache: extra.tokenCache,
    });
  }

  async function tokenThenCacheHit(app: ConfidentialClientApplication): Promise<void> {
    emulator.resetCounters();
    const first = await app.acquireTokenForClient(GRAPH);
    assert.equal(first.token_source, 'identity_provider');
    assert.equal(first.token_type, 'Bearer');
    assert.ok(first.expires_in > 3000);
    assert.equal(emulator.counters()['token:client_credentials'], 1);
    const requestsSoFar = total(emulator.counters());
    const second = await app.acquireTokenForClient(GRAPH);
    assert.equal(second.token_source, 'cache');
    assert.equal(second.access_token, first.access_token);
    assert.ok(second.expires_in > 3000 && second.expires_in <= first.expires_in);
    assert.equal(total(emulator.counters()), requestsSoFar, 'the cache hit made no HTTP request');
  }

  it('client secret', async () => {
    await tokenThenCacheHit(makeApp(DEFAULT_IDS.daemonClientId, DEFAULT_IDS.daemonSecret));
  });

  it('client secret as { clientSecret }', async () => {
    await tokenThenCacheHit(makeApp(DEFAULT_IDS.daemonClientId, { clientSecret: DEFAULT_IDS.daemonSecret }));
  });

  it('certificate with a SHA-1 thumbprint (RS256 + x5t)', async () => {
    await tokenThenCacheHit(makeApp(DEFAULT_IDS.certificateClientId, { privateKey: keyPem, thumbprint }));
  });

  it('certificate with a SHA-256 thumbprint (PS256 + x5t#S256)', async () => {
    await tokenThenCacheHit(makeApp(DEFAULT_IDS.certificateClientId, { privateKey: keyPem, thumbprintSha256 }));
  });

  it('certificate given as its PEM (thumbprint computed, x5c sent)', async () => {
    await tokenThenCacheHit(makeApp(DEFAULT_IDS.certificateClientId, { privateKey: keyPem, publicCertificate: certPem }));
  });

  it('certificate with a passphrase-encrypted private key', async () => {
    const encrypted = createPrivateKey(keyPem).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'p4ss phrase',
    }) as string;
    await tokenThenCacheHit(makeApp(DEFAULT_IDS.certificateClientId, { privateKey: encrypted, passphrase: 'p4ss phrase', thumbprintSha256 }));
  });

  async function assertionFor(tokenEndpoint: string): Promise<string> {
    const key = await importPKCS8(keyPem, 'PS256');
    const x5tS256 = Buffer.from(thumbprintSha256, 'hex').toString('base64url');
    return new SignJWT({})
      .setProtectedHeader({ alg: 'PS256', 'x5t#S256': x5tS256 })
      .setIssuer(DEFAULT_IDS.certificateClientId)
      .setSubject(DEFAULT_IDS.certificateClientId)
      .setAudience(tokenEndpoint)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key);
  }

  it('client assertion given as a string', async () => {
    const assertion = await assertionFor(`${emulator.authority}/oauth2/v2.0/token`);
    await tokenThenCacheHit(makeApp(DEFAULT_IDS.certificateClientId, { clientAssertion: assertion }));
  });

  it('client assertion from an async callback, called per token request', async () => {
    const endpoints: string[] = [];
    const app = makeApp(DEFAULT_IDS.certificateClientId, {
      clientAssertion: async ({ clientId, tokenEndpoint }) => {
        assert.equal(clientId, DEFAULT_IDS.certificateClientId);
        endpoints.push(tokenEndpoint);
        return assertionFor(tokenEndpoint);
      },
    });
    await tokenThenCacheHit(app);
    assert.deepEqual(endpoints, [`${emulator.authority}/oauth2/v2.0/token`]);
  });

  it('one app serves many tenants from one cache with a per-call tenant', async () => {
    const cache = new SerializableTokenCache();
    const app = makeApp(DEFAULT_IDS.daemonClientId, DEFAULT_IDS.daemonSecret, { tokenCache: cache });
    const home = await app.acquireTokenForClient(GRAPH);
    const other = await app.acquireTokenForClient(GRAPH, { tenant: DEFAULT_IDS.secondTenantId });
    assert.equal(other.token_source, 'identity_provider');
    assert.notEqual(other.access_token, home.access_token);
    const tid = JSON.parse(Buffer.from(other.access_token.split('.')[1] ?? '', 'base64url').toString()) as { tid: string };
    assert.equal(tid.tid, DEFAULT_IDS.secondTenantId);
    emulator.resetCounters();
    assert.equal((await app.acquireTokenForClient(GRAPH)).access_token, home.access_token);
    assert.equal((await app.acquireTokenForClient(GRAPH, { tenant: DEFAULT_IDS.secondTenantId })).access_token, other.access_token);
    assert.equal(total(emulator.counters()), 0);
    assert.equal(cache.listAccessTokens().length, 2);
  });

  it('a tenant named by domain is discovered once, then served from the cache', async () => {
    const app = makeApp(DEFAULT_IDS.daemonClientId, DEFAULT_IDS.daemonSecret, {
      authority: emulator.authorityFor(DEFAULT_IDS.tenantDomain),
    });
    emulator.resetCounters();
    await app.acquireTokenForClient(GRAPH);
    assert.equal(emulator.counters()['openid-configuration'], 1);
    emulator.resetCounters();
    assert.equal((await app.acquireTokenForClient(GRAPH)).token_source, 'cache');
    assert.equal(total(emulator.counters()), 0);
    // Stored under the tenant id from the token endpoint, as MSAL Python does.
    const [entry] = app.tokenCache.listAccessTokens();
    assert.equal(entry?.realm, DEFAULT_IDS.tenantId);
  });

  it('forceRefresh and a claims challenge skip the cache; removeTokensForClient empties it', async () => {
    const app = makeApp(DEFAULT_IDS.daemonClientId, DEFAULT_IDS.daemonSecret);
    await app.acquireTokenForClient(GRAPH);
    emulator.resetCounters();
    assert.equal((await app.acquireTokenForClient(GRAPH, { forceRefresh: true })).token_source, 'identity_provider');
    const claims = JSON.stringify({ access_token: { nbf: { essential: true, value: '1' } } });
    assert.equal((await app.acquireTokenForClient(GRAPH, { claimsChallenge: claims })).token_source, 'identity_provider');
    assert.equal(emulator.counters()['token:client_credentials'], 2);
    assert.equal(app.tokenCache.listAccessTokens().length, 1, 'the new token replaced the old one');
    await app.removeTokensForClient();
    assert.equal(app.tokenCache.listAccessTokens().length, 0);
    assert.equal((await app.acquireTokenForClient(GRAPH)).token_source, 'identity_provider');
  });

  it('concurrent identical calls share one token request', async () => {
    const app = makeApp(DEFAULT_IDS.daemonClientId, DEFAULT_IDS.daemonSecret);
    emulator.resetCounters();
    const results = await Promise.all(Array.from({ length: 8 }, () => app.acquireTokenForClient(GRAPH)));
    assert.equal(new Set(results.map((r) => r.access_token)).size, 1);
    assert.equal(emulator.counters()['token:client_credentials'], 1);
  });

  it('returns the correlation id it sent with a token from the identity provider', async () => {
    const app = makeApp(DEFAULT_IDS.daemonClientId, DEFAULT_IDS.daemonSecret);
    const result = await app.acquireTokenForClient(GRAPH, { correlationId: 'corr-ok-1' });
    assert.equal(result.token_source, 'identity_provider');
    assert.equal(result.correlation_id, 'corr-ok-1');
    const generated = await app.acquireTokenForClient(GRAPH, { forceRefresh: true });
    assert.match(generated.correlation_id ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(app.tokenCache.listAccessTokens().length, 1);
  });

  it('sends the correlation id and returns it on server errors', async () => {
    const app = makeApp(DEFAULT_IDS.daemonClientId, 'wrong-secret');
    await assert.rejects(app.acquireTokenForClient(GRAPH, { correlationId: 'corr-123' }), (err: unknown) => {
      assert.ok(err instanceof ServerError);
      assert.equal(err.error, 'invalid_client');
      assert.deepEqual(err.error_codes, [7000215]);
      assert.equal(err.correlationId, 'corr-123');
      assert.equal(err.correlation_id, 'corr-123');
      assert.equal(err.message.includes('wrong-secret'), false);
      return true;
    });
    assert.equal(app.tokenCache.listAccessTokens().length, 0);
  });
});

describe('acquireTokenForClient: bad input gets a typed error and leaves the cache untouched', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator.close();
  });

  function makeApp(cache = new SerializableTokenCache(), authority = emulator.authority): ConfidentialClientApplication {
    return new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      tokenCache: cache,
    });
  }

  it('authority shapes that cannot work are refused before any I/O', () => {
    const cases: Array<[string, RegExp]> = [
      [`http://127.0.0.1:${emulator.port}/${DEFAULT_IDS.tenantId}`, /https/],
      [`https://127.0.0.1:${emulator.port}`, /tenant/],
      ['not a url', /authority/],
      [`https://127.0.0.1:${emulator.port}/${DEFAULT_IDS.tenantId}?x=1`, /query/],
    ];
    for (const [authority, message] of cases) {
      assert.throws(
        () => makeApp(undefined, authority),
        (err: unknown) => err instanceof TypeError && message.test(err.message),
        authority,
      );
    }
  });

  it('a multi-tenant authority is refused for client credentials before any I/O', async () => {
    emulator.resetCounters();
    await assert.rejects(makeApp(undefined, emulator.authorityFor('common')).acquireTokenForClient(GRAPH), RangeError);
    await assert.rejects(makeApp().acquireTokenForClient('https://graph.microsoft.com/.default' as unknown as string[]), TypeError);
    await assert.rejects(makeApp().acquireTokenForClient(['openid']), RangeError);
    assert.equal(total(emulator.counters()), 0);
  });

  it('an unknown tenant gives AuthorityValidationError', async () => {
    const app = makeApp(undefined, emulator.authorityFor('no-such-tenant.onmicrosoft.com'));
    await assert.rejects(app.acquireTokenForClient(GRAPH), AuthorityValidationError);
  });

  it('a malformed discovery document gives InvalidResponseError', async () => {
    const cache = new SerializableTokenCache();
    emulator.injectFault({ endpoint: 'openid-configuration', kind: 'malformed_json' });
    await assert.rejects(makeApp(cache, emulator.authorityFor(DEFAULT_IDS.tenantDomain)).acquireTokenForClient(GRAPH), InvalidResponseError);
    assert.equal(cache.listAccessTokens().length, 0);
  });

  const badBodies: Array<[string, string]> = [
    ['missing access_token', '{"token_type":"Bearer","expires_in":3600}'],
    ['access_token of the wrong type', '{"access_token":42,"token_type":"Bearer","expires_in":3600}'],
    ['expires_in of the wrong type', '{"access_token":"x","token_type":"Bearer","expires_in":{}}'],
    ['a JSON array', '[]'],
    ['HTML', '<html><body>Service unavailable</body></html>'],
    ['truncated JSON', '{"access_token":"x","tok'],
  ];
  for (const [what, body] of badBodies) {
    it(`a token response with ${what} gives InvalidResponseError`, async () => {
      const cache = new SerializableTokenCache();
      const before = cache.serialize();
      emulator.injectFault({ endpoint: 'token', kind: 'status', status: 200, body });
      await assert.rejects(makeApp(cache).acquireTokenForClient(GRAPH), InvalidResponseError);
      assert.equal(cache.serialize(), before);
    });
  }

  it('a corrupt cache string gives CacheFormatError and the cache keeps serving', async () => {
    const cache = new SerializableTokenCache();
    const app = makeApp(cache);
    const first = await app.acquireTokenForClient(GRAPH);
    for (const corrupt of ['{', 'null', '[]', '{"AccessToken": 5}', '\u0000garbage']) {
      assert.throws(() => cache.deserialize(corrupt), CacheFormatError, JSON.stringify(corrupt));
    }
    const second = await app.acquireTokenForClient(GRAPH);
    assert.equal(second.token_source, 'cache');
    assert.equal(second.access_token, first.access_token);
  });

  it('a certificate whose key does not match, or a wrong passphrase, fails at construction', () => {
    const { a, b, encryptedPkcs8 } = fixtures();
    const build = (clientCredential: ClientCredential): ConfidentialClientApplication =>
      new ConfidentialClientApplication(DEFAULT_IDS.certificateClientId, { authority: emulator.authority, clientCredential });
    assert.throws(() => build({ privateKey: a.keyPem, publicCertificate: b.certPem }), InvalidCredentialError);
    assert.throws(
      () => build({ privateKey: encryptedPkcs8, passphrase: 'hunter2-not-it', publicCertificate: a.certPem }),
      (err: unknown) => err instanceof InvalidCredentialError && !err.message.includes('hunter2'),
    );
    assert.throws(() => build({ privateKey: encryptedPkcs8, publicCertificate: a.certPem }), InvalidCredentialError);
  });
});
