import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import { InvalidCredentialError } from '../../src/errors.js';
import { CLIENT_ASSERTION_TYPE_JWT_BEARER, createClientAuthenticator, type ClientCredential } from '../../src/protocol/client-credential.js';
import { decodeJwt } from '../../src/protocol/jwt.js';
import { fixtures, hex, PASSPHRASE } from './fixtures.js';

const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const ENDPOINT = 'https://login.microsoftonline.com/contoso/oauth2/v2.0/token';
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function b64url(hexText: string): string {
  return Buffer.from(hexText, 'hex').toString('base64url');
}

async function assertionOf(credential: ClientCredential, options: Parameters<typeof createClientAuthenticator>[2] = {}): Promise<string> {
  const fields = await createClientAuthenticator(CLIENT_ID, credential, options).authenticate(ENDPOINT);
  assert.equal(fields.client_assertion_type, CLIENT_ASSERTION_TYPE_JWT_BEARER);
  assert.equal(typeof fields.client_assertion, 'string');
  return fields.client_assertion ?? '';
}

/** Verifies with jose against the certificate, as a token endpoint holding that certificate would. */
async function verifyWithCert(jwt: string, certPem: string, alg: 'RS256' | 'PS256', now = T0): Promise<Record<string, unknown>> {
  const { payload } = await jwtVerify(jwt, await importX509(certPem, alg), {
    algorithms: [alg],
    audience: ENDPOINT,
    issuer: CLIENT_ID,
    subject: CLIENT_ID,
    currentDate: new Date(now),
  });
  return payload;
}

describe('client secret', () => {
  for (const credential of ['s3cret', { clientSecret: 's3cret' }] as ClientCredential[]) {
    it(`${typeof credential === 'string' ? 'a string' : '{ clientSecret }'} gives client_secret`, async () => {
      const auth = createClientAuthenticator(CLIENT_ID, credential);
      assert.equal(auth.kind, 'client_secret');
      assert.deepEqual(await auth.authenticate(ENDPOINT), { client_secret: 's3cret' });
    });
  }
});

describe('certificate assertions', () => {
  const { a, b } = fixtures();
  const now = (): number => T0;

  it('SHA-1 thumbprint: RS256 with unpadded x5t, verified with jose against the certificate', async () => {
    const jwt = await assertionOf({ privateKey: a.keyPem, thumbprint: a.sha1Fingerprint.replaceAll(':', '') }, { now });
    const header = decodeProtectedHeader(jwt);
    assert.equal(header.alg, 'RS256');
    assert.equal(header.x5t, b64url(hex(a.sha1Fingerprint)));
    assert.equal(header.x5t?.includes('='), false);
    assert.equal(header['x5t#S256'], undefined);
    assert.equal(header.x5c, undefined);
    await verifyWithCert(jwt, a.certPem, 'RS256');
  });

  it('SHA-256 thumbprint: PS256 with x5t#S256', async () => {
    const jwt = await assertionOf({ privateKey: a.keyPem, thumbprintSha256: a.sha256Fingerprint }, { now });
    const header = decodeProtectedHeader(jwt);
    assert.equal(header.alg, 'PS256');
    assert.equal(header['x5t#S256'], b64url(hex(a.sha256Fingerprint)));
    assert.equal(header.x5t, undefined);
    await verifyWithCert(jwt, a.certPem, 'PS256');
  });

  it('both thumbprints: SHA-256 is preferred', async () => {
    const jwt = await assertionOf({ privateKey: a.keyPem, thumbprint: a.sha1Fingerprint, thumbprintSha256: a.sha256Fingerprint }, { now });
    assert.equal(decodeProtectedHeader(jwt).alg, 'PS256');
  });

  it('publicCertificate only: PS256, x5t#S256 computed from it, x5c of the chain in order', async () => {
    const jwt = await assertionOf({ privateKey: a.keyPem, publicCertificate: a.certPem + b.certPem }, { now });
    const header = decodeProtectedHeader(jwt);
    assert.equal(header.alg, 'PS256');
    assert.equal(header['x5t#S256'], b64url(hex(a.sha256Fingerprint)));
    const derOf = (pem: string): string => new X509Certificate(pem).raw.toString('base64');
    assert.deepEqual(header.x5c, [derOf(a.certPem), derOf(b.certPem)]);
    // The x5c leaf alone is enough to verify: what subject-name/issuer authentication relies on.
    const leafPem = `-----BEGIN CERTIFICATE-----\n${(header.x5c?.[0] ?? '').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----`;
    await verifyWithCert(jwt, leafPem, 'PS256');
  });

  it('SHA-1 thumbprint with publicCertificate: RS256 with x5t and x5c', async () => {
    const jwt = await assertionOf({ privateKey: a.keyPem, thumbprint: a.sha1Fingerprint, publicCertificate: a.certPem }, { now });
    const header = decodeProtectedHeader(jwt);
    assert.equal(header.alg, 'RS256');
    assert.equal(header.x5t, b64url(hex(a.sha1Fingerprint)));
    assert.equal(header.x5c?.length, 1);
    await verifyWithCert(jwt, a.certPem, 'RS256');
  });

  it('a combined key+certificate PEM identifies the certificate without x5c', async () => {
    const jwt = await assertionOf({ privateKey: a.keyPem + a.certPem }, { now });
    const header = decodeProtectedHeader(jwt);
    assert.equal(header['x5t#S256'], b64url(hex(a.sha256Fingerprint)));
    assert.equal(header.x5c, undefined);
  });

  it('a private KeyObject is accepted', async () => {
    const jwt = await assertionOf({ privateKey: createPrivateKey(a.keyPem), thumbprintSha256: a.sha256Fingerprint }, { now });
    await verifyWithCert(jwt, a.certPem, 'PS256');
  });

  for (const [name, pem] of [
    ['PKCS#8', () => fixtures().encryptedPkcs8],
    ['PKCS#1', () => fixtures().encryptedPkcs1],
  ] as const) {
    it(`an encrypted ${name} key with the right passphrase signs`, async () => {
      const jwt = await assertionOf({ privateKey: pem(), passphrase: PASSPHRASE, publicCertificate: a.certPem }, { now });
      await verifyWithCert(jwt, a.certPem, 'PS256');
    });
  }

  describe('ADFS', () => {
    it('uses RS256 + x5t even when only a certificate is given', async () => {
      const jwt = await assertionOf({ privateKey: a.keyPem, publicCertificate: a.certPem }, { now, isAdfs: true });
      const header = decodeProtectedHeader(jwt);
      assert.equal(header.alg, 'RS256');
      assert.equal(header.x5t, b64url(hex(a.sha1Fingerprint)));
      assert.equal(header['x5t#S256'], undefined);
      await verifyWithCert(jwt, a.certPem, 'RS256');
    });

    it('uses the SHA-1 thumbprint when both are given', async () => {
      const jwt = await assertionOf({ privateKey: a.keyPem, thumbprint: a.sha1Fingerprint, thumbprintSha256: a.sha256Fingerprint }, { now, isAdfs: true });
      assert.equal(decodeProtectedHeader(jwt).x5t, b64url(hex(a.sha1Fingerprint)));
    });

    it('rejects only a SHA-256 thumbprint, which cannot give x5t', () => {
      assert.throws(
        () => createClientAuthenticator(CLIENT_ID, { privateKey: a.keyPem, thumbprintSha256: a.sha256Fingerprint }, { isAdfs: true }),
        (err: unknown) => err instanceof TypeError && /ADFS/.test(err.message),
      );
    });
  });

  it('claims: aud, iss, sub, iat, nbf, exp = now + 600, a UUID jti', async () => {
    const jwt = await assertionOf({ privateKey: a.keyPem, thumbprintSha256: a.sha256Fingerprint }, { now });
    const payload = await verifyWithCert(jwt, a.certPem, 'PS256');
    const t = T0 / 1000;
    assert.deepEqual({ ...payload, jti: undefined }, { aud: ENDPOINT, iss: CLIENT_ID, sub: CLIENT_ID, iat: t, nbf: t, exp: t + 600, jti: undefined });
    assert.match(String(payload.jti), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('clientClaims are added and may override', async () => {
    const jwt = await assertionOf({ privateKey: a.keyPem, thumbprintSha256: a.sha256Fingerprint }, { now, clientClaims: { custom: 'x', sub: 'other' } });
    const { payload } = decodeJwt(jwt);
    assert.equal(payload.custom, 'x');
    assert.equal(payload.sub, 'other');
    assert.equal(payload.iss, CLIENT_ID);
  });

  describe('reuse', () => {
    it('reuses the assertion while more than 60 s are left, then signs a new one', async () => {
      let t = T0;
      const auth = createClientAuthenticator(CLIENT_ID, { privateKey: a.keyPem, thumbprintSha256: a.sha256Fingerprint }, { now: () => t });
      const first = (await auth.authenticate(ENDPOINT)).client_assertion;
      t = T0 + 539_000;
      assert.equal((await auth.authenticate(ENDPOINT)).client_assertion, first);
      t = T0 + 540_000;
      const renewed = (await auth.authenticate(ENDPOINT)).client_assertion ?? '';
      assert.notEqual(renewed, first);
      assert.equal(decodeJwt(renewed).payload.iat, (T0 + 540_000) / 1000);
      t = T0 + 541_000;
      assert.equal((await auth.authenticate(ENDPOINT)).client_assertion, renewed);
    });

    it('keeps one assertion per token endpoint, with that endpoint as aud', async () => {
      const other = 'https://login.microsoftonline.com/fabrikam/oauth2/v2.0/token';
      const auth = createClientAuthenticator(CLIENT_ID, { privateKey: a.keyPem, thumbprintSha256: a.sha256Fingerprint }, { now });
      const x1 = (await auth.authenticate(ENDPOINT)).client_assertion ?? '';
      const y1 = (await auth.authenticate(other)).client_assertion ?? '';
      assert.equal(decodeJwt(x1).payload.aud, ENDPOINT);
      assert.equal(decodeJwt(y1).payload.aud, other);
      assert.equal((await auth.authenticate(ENDPOINT)).client_assertion, x1);
      assert.equal((await auth.authenticate(other)).client_assertion, y1);
    });

    it('stays bounded: an evicted endpoint gets a fresh assertion', async () => {
      const auth = createClientAuthenticator(CLIENT_ID, { privateKey: a.keyPem, thumbprintSha256: a.sha256Fingerprint }, { now });
      const first = (await auth.authenticate(`${ENDPOINT}?t=0`)).client_assertion;
      for (let i = 1; i <= 40; i += 1) await auth.authenticate(`${ENDPOINT}?t=${i}`);
      assert.notEqual((await auth.authenticate(`${ENDPOINT}?t=0`)).client_assertion, first);
    });
  });
});

describe('certificate validation at construction', () => {
  const { a, b, ecKeyPem } = fixtures();
  const make =
    (credential: unknown, options: Parameters<typeof createClientAuthenticator>[2] = {}) =>
    () =>
      createClientAuthenticator(CLIENT_ID, credential as ClientCredential, options);
  const isCredentialError =
    (pattern: RegExp) =>
    (err: unknown): boolean =>
      err instanceof InvalidCredentialError &&
      err.code === 'invalid_credential' &&
      pattern.test(err.message) &&
      !err.message.includes(PASSPHRASE) &&
      !err.message.includes('wrong-passphrase') &&
      !err.message.includes('PRIVATE KEY');

  const credentialErrors: [string, () => unknown, RegExp][] = [
    ['encrypted key without passphrase', make({ privateKey: fixtures().encryptedPkcs8, publicCertificate: a.certPem }), /encrypted and no passphrase/],
    ['encrypted PKCS#1 key without passphrase', make({ privateKey: fixtures().encryptedPkcs1, publicCertificate: a.certPem }), /encrypted and no passphrase/],
    ['wrong passphrase', make({ privateKey: fixtures().encryptedPkcs8, passphrase: 'wrong-passphrase', publicCertificate: a.certPem }), /passphrase is wrong/],
    [
      'wrong passphrase (PKCS#1)',
      make({ privateKey: fixtures().encryptedPkcs1, passphrase: 'wrong-passphrase', publicCertificate: a.certPem }),
      /passphrase is wrong/,
    ],
    ['key does not match certificate', make({ privateKey: b.keyPem, publicCertificate: a.certPem }), /does not match the certificate/],
    ['SHA-1 thumbprint mismatch', make({ privateKey: a.keyPem, publicCertificate: a.certPem, thumbprint: b.sha1Fingerprint }), /thumbprint does not match/],
    [
      'SHA-256 thumbprint mismatch',
      make({ privateKey: a.keyPem, publicCertificate: a.certPem, thumbprintSha256: b.sha256Fingerprint }),
      /thumbprintSha256 does not match/,
    ],
    ['EC key', make({ privateKey: ecKeyPem, thumbprint: a.sha1Fingerprint }), /ec key; only RSA/],
    ['certificate in place of the key', make({ privateKey: a.certPem, thumbprint: a.sha1Fingerprint }), /certificate but no private key/],
    ['garbage key', make({ privateKey: 'hello', thumbprint: a.sha1Fingerprint }), /no PEM private key/],
    [
      'corrupt key body',
      make({ privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', thumbprint: a.sha1Fingerprint }),
      /does not parse/,
    ],
    [
      'corrupt certificate',
      make({ privateKey: a.keyPem, publicCertificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }),
      /does not parse/,
    ],
  ];
  for (const [name, fn, pattern] of credentialErrors) {
    it(`${name} -> InvalidCredentialError`, () => {
      assert.throws(fn, isCredentialError(pattern));
    });
  }

  const typeErrors: [string, () => unknown, RegExp][] = [
    ['a number', make(42), /clientCredential must be/],
    ['null', make(null), /clientCredential must be/],
    ['an array', make(['s']), /clientCredential must be/],
    ['an empty object', make({}), /one of clientSecret, privateKey or clientAssertion/],
    ['two kinds', make({ clientSecret: 's', clientAssertion: 'x' }), /only one of/],
    ['an unknown option', make({ clientSecret: 's', thumbprint: 'x' }), /unknown option\(s\) thumbprint/],
    ['a typo', make({ privateKey: a.keyPem, thumbPrint: 'x' }), /unknown option\(s\) thumbPrint/],
    ['MSAL Python keys', make({ private_key: a.keyPem, thumbprint: a.sha1Fingerprint }), /camelCase/],
    ['an empty secret', make(''), /non-empty/],
    ['an empty clientSecret', make({ clientSecret: '' }), /non-empty/],
    ['an empty assertion', make({ clientAssertion: '' }), /must not be empty/],
    ['a numeric assertion', make({ clientAssertion: 1 }), /string or a function/],
    ['SHA-1 thumbprint too short', make({ privateKey: a.keyPem, thumbprint: 'abcd' }), /thumbprint must be a SHA-1 thumbprint: 40 hex/],
    ['SHA-1 thumbprint not hex', make({ privateKey: a.keyPem, thumbprint: 'z'.repeat(40) }), /40 hex/],
    ['SHA-1 value as thumbprintSha256', make({ privateKey: a.keyPem, thumbprintSha256: a.sha1Fingerprint }), /64 hex/],
    ['numeric thumbprint', make({ privateKey: a.keyPem, thumbprint: 123 }), /hex string/],
    ['no thumbprint or certificate', make({ privateKey: a.keyPem }), /needs thumbprintSha256, thumbprint or publicCertificate/],
    ['private key as publicCertificate', make({ privateKey: a.keyPem, publicCertificate: a.keyPem }), /holds a private key, not a certificate/],
    ['publicCertificate without certificate', make({ privateKey: a.keyPem, publicCertificate: 'nothing' }), /no "-----BEGIN CERTIFICATE-----"/],
    ['public KeyObject', make({ privateKey: createPublicKey(a.keyPem), thumbprint: a.sha1Fingerprint }), /must be a private key/],
    ['numeric passphrase', make({ privateKey: a.keyPem, passphrase: 1, thumbprint: a.sha1Fingerprint }), /passphrase must be a string/],
    ['empty clientId', () => createClientAuthenticator('', 's'), /clientId/],
    ['clientClaims not an object', make('s', { clientClaims: 'x' as unknown as Record<string, unknown> }), /clientClaims/],
  ];
  for (const [name, fn, pattern] of typeErrors) {
    it(`${name} -> TypeError`, () => {
      assert.throws(fn, (err: unknown) => err instanceof TypeError && pattern.test(err.message));
    });
  }

  it('thumbprints are accepted in upper case, lower case or colon-separated', () => {
    for (const tp of [a.sha1Fingerprint, hex(a.sha1Fingerprint), hex(a.sha1Fingerprint).toUpperCase()]) {
      assert.doesNotThrow(make({ privateKey: a.keyPem, publicCertificate: a.certPem, thumbprint: tp }));
    }
  });

  it('a wrong-passphrase error does not carry the passphrase in its cause either', () => {
    try {
      make({ privateKey: fixtures().encryptedPkcs8, passphrase: 'wrong-passphrase', thumbprint: a.sha1Fingerprint })();
      assert.fail('expected a throw');
    } catch (err) {
      assert.ok(err instanceof InvalidCredentialError);
      assert.equal(JSON.stringify(err.cause, Object.getOwnPropertyNames(err.cause ?? {})).includes('wrong-passphrase'), false);
    }
  });
});

describe('client assertion credential', () => {
  it('a string is sent unchanged every time', async () => {
    const auth = createClientAuthenticator(CLIENT_ID, { clientAssertion: 'header.payload.sig' });
    assert.equal(auth.kind, 'client_assertion');
    for (let i = 0; i < 2; i += 1) {
      assert.deepEqual(await auth.authenticate(ENDPOINT), {
        client_assertion_type: CLIENT_ASSERTION_TYPE_JWT_BEARER,
        client_assertion: 'header.payload.sig',
      });
    }
  });

  it('a callback is awaited per request with the client id and token endpoint', async () => {
    const seen: unknown[] = [];
    let n = 0;
    const auth = createClientAuthenticator(CLIENT_ID, {
      clientAssertion: async (context) => {
        seen.push(context);
        n += 1;
        return Promise.resolve(`assertion-${n}`);
      },
    });
    assert.equal((await auth.authenticate(ENDPOINT)).client_assertion, 'assertion-1');
    assert.equal((await auth.authenticate('https://e/2')).client_assertion, 'assertion-2');
    assert.deepEqual(seen, [
      { clientId: CLIENT_ID, tokenEndpoint: ENDPOINT },
      { clientId: CLIENT_ID, tokenEndpoint: 'https://e/2' },
    ]);
  });

  for (const [name, value] of [
    ['an empty string', ''],
    ['undefined', undefined],
    ['a number', 5],
  ] as const) {
    it(`a callback returning ${name} -> InvalidCredentialError`, async () => {
      const auth = createClientAuthenticator(CLIENT_ID, { clientAssertion: () => value as unknown as string });
      await assert.rejects(auth.authenticate(ENDPOINT), InvalidCredentialError);
    });
  }

  it("a callback's own error propagates unchanged", async () => {
    const boom = new Error('vault down');
    const auth = createClientAuthenticator(CLIENT_ID, { clientAssertion: () => Promise.reject(boom) });
    await assert.rejects(auth.authenticate(ENDPOINT), (err: unknown) => err === boom);
  });

  it('authenticate rejects (not throws) an empty token endpoint, for every kind', async () => {
    const { a } = fixtures();
    for (const credential of [
      's',
      { clientAssertion: 'x' },
      { clientAssertion: () => 'x' },
      { privateKey: a.keyPem, publicCertificate: a.certPem },
    ] as ClientCredential[]) {
      const auth = createClientAuthenticator(CLIENT_ID, credential);
      const pending = auth.authenticate('');
      await assert.rejects(pending, TypeError);
    }
  });
});

describe('x5t encoding', () => {
  it('is unpadded base64url of the digest bytes (RFC 7515), unlike MSAL Python which keeps "="', async () => {
    const { a } = fixtures();
    const jwt = await assertionOf({ privateKey: a.keyPem, thumbprint: a.sha1Fingerprint });
    const der = new X509Certificate(a.certPem).raw;
    const digest = createHash('sha1').update(der).digest();
    assert.equal(decodeProtectedHeader(jwt).x5t, digest.toString('base64url'));
    assert.equal(digest.toString('base64url').length, 27);
  });
});
