// Id token validation (signature, issuer with Entra's {tenantid} template, audience, lifetime with skew, nonce,
// auth_time) and the JWKS cache (fetch once, refresh once on an unknown kid, rate-limited).
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, constants, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { JwksCache } from '../../src/authority/jwks.js';
import { IdTokenError } from '../../src/errors.js';
import type { HttpClient, HttpRequest } from '../../src/http/http-client.js';
import { expectedIssuer, nonceHash, validateIdToken, validateIdTokenClaims } from '../../src/protocol/id-token.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const NOW = 1_800_000_000;
const ISSUER = 'https://login.example.com/tid-1/v2.0';

function jws(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject = rsa.privateKey): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64(header)}.${b64(claims)}`;
  const data = Buffer.from(input);
  let signature: Buffer;
  if (header['alg'] === 'PS256') signature = sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  else if (header['alg'] === 'ES256') signature = sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  else signature = sign('sha256', data, key);
  return `${input}.${signature.toString('base64url')}`;
}

const good = { aud: 'client-1', iss: ISSUER, exp: NOW + 3600, nbf: NOW - 10, iat: NOW - 10, tid: 'tid-1', sub: 's' };
const rsaKeys = (): Promise<KeyObject[]> => Promise.resolve([rsa.publicKey]);
const base = { clientId: 'client-1', issuer: ISSUER, now: NOW, keys: rsaKeys };

async function failure(token: string, options: Parameters<typeof validateIdToken>[1]): Promise<string> {
  const err = await validateIdToken(token, options).catch((e: unknown) => e);
  assert.ok(err instanceof IdTokenError, `expected IdTokenError, got ${String(err)}`);
  assert.equal(err.code, 'invalid_id_token');
  return err.check;
}

describe('validateIdToken', () => {
  it('accepts a good RS256, PS256 or ES256 token and returns its claims', async () => {
    assert.equal((await validateIdToken(jws({ alg: 'RS256', kid: 'k' }, good), base))['sub'], 's');
    assert.equal((await validateIdToken(jws({ alg: 'PS256' }, good), base))['sub'], 's');
    const ecKeys = (): Promise<KeyObject[]> => Promise.resolve([rsa.publicKey, ec.publicKey]);
    assert.equal((await validateIdToken(jws({ alg: 'ES256' }, good, ec.privateKey), { ...base, keys: ecKeys }))['sub'], 's');
  });

  it('refuses a bad signature, alg none, HS256 and an unknown key', async () => {
    const token = jws({ alg: 'RS256' }, good);
    const [h, , s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...good, sub: 'someone-else' })).toString('base64url')}.${s}`;
    assert.equal(await failure(tampered, base), 'signature');
    assert.equal(await failure(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${token.split('.')[1]}.`, base), 'signature');
    assert.equal(await failure(jws({ alg: 'HS256' }, good), base), 'signature');
    assert.equal(await failure(token, { ...base, keys: () => Promise.resolve([]) }), 'unknown_key');
    assert.equal(await failure('not-a-jwt', base), 'malformed');
  });

  it('checks the audience (a string or an array, case-sensitive)', async () => {
    assert.equal(await failure(jws({ alg: 'RS256' }, { ...good, aud: 'CLIENT-1' }), base), 'audience');
    assert.equal((await validateIdToken(jws({ alg: 'RS256' }, { ...good, aud: ['x', 'client-1'] }), base))['sub'], 's');
  });

  it("checks the issuer, filling Entra's {tenantid} template with the token's tid", async () => {
    assert.equal(await failure(jws({ alg: 'RS256' }, { ...good, iss: 'https://evil.example.com/tid-1/v2.0' }), base), 'issuer');
    const template = 'https://login.example.com/{tenantid}/v2.0';
    assert.equal((await validateIdToken(jws({ alg: 'RS256' }, good), { ...base, issuer: template }))['tid'], 'tid-1');
    const { tid: _tid, ...noTid } = good;
    void _tid;
    assert.equal(await failure(jws({ alg: 'RS256' }, noTid), { ...base, issuer: template }), 'issuer');
    assert.equal(expectedIssuer(template, { tid: 'abc' }), 'https://login.example.com/abc/v2.0');
  });

  it('checks exp and nbf with a 5-minute skew', () => {
    const check = (claims: Record<string, unknown>): string | undefined => {
      try {
        validateIdTokenClaims(claims, base);
        return undefined;
      } catch (err) {
        return err instanceof IdTokenError ? err.check : 'other';
      }
    };
    assert.equal(check({ ...good, exp: NOW - 299 }), undefined);
    assert.equal(check({ ...good, exp: NOW - 301 }), 'expired');
    assert.equal(check({ ...good, nbf: NOW + 299 }), undefined);
    assert.equal(check({ ...good, nbf: NOW + 301 }), 'not_yet_valid');
    assert.equal(check({ ...good, exp: 'soon' }), 'malformed');
  });

  it('checks the nonce and auth_time against max_age', () => {
    const nonce = nonceHash('raw-nonce');
    assert.equal(nonce, createHash('sha256').update('raw-nonce').digest('hex'));
    assert.doesNotThrow(() => validateIdTokenClaims({ ...good, nonce }, { ...base, nonce }));
    assert.throws(() => validateIdTokenClaims({ ...good, nonce: 'other' }, { ...base, nonce }), { check: 'nonce' });
    assert.throws(() => validateIdTokenClaims(good, { ...base, maxAge: 60 }), { check: 'max_age' });
    assert.throws(() => validateIdTokenClaims({ ...good, auth_time: NOW - 400 }, { ...base, maxAge: 60 }), { check: 'max_age' });
    assert.doesNotThrow(() => validateIdTokenClaims({ ...good, auth_time: NOW - 300 }, { ...base, maxAge: 60 }));
  });
});

describe('JwksCache', () => {
  function server(kids: () => string[]): HttpClient & { requests: HttpRequest[] } {
    const jwk = rsa.publicKey.export({ format: 'jwk' });
    const requests: HttpRequest[] = [];
    return {
      requests,
      send(req) {
        requests.push(req);
        const keys = kids().map((kid) => ({ ...jwk, kid, use: 'sig' }));
        return Promise.resolve({
          status: 200,
          headers: {},
          body: JSON.stringify({ keys: [...keys, { kty: 'RSA', use: 'enc', kid: 'enc' }, { kty: 'oct', k: 'x' }] }),
        });
      },
    };
  }

  it('fetches once, refreshes once on an unknown kid, and not again within the interval', async () => {
    let kids = ['old'];
    let now = 0;
    const http = server(() => kids);
    const cache = new JwksCache({ http, now: () => now, minRefreshIntervalMs: 60_000 });
    assert.equal((await cache.keys('https://op.example/jwks', 'old')).length, 1);
    assert.equal((await cache.keys('https://op.example/jwks', 'old')).length, 1);
    assert.equal(http.requests.length, 1);
    kids = ['old', 'new'];
    now = 61_000;
    assert.equal((await cache.keys('https://op.example/jwks', 'new')).length, 1, 'rollover: refetched');
    assert.equal(http.requests.length, 2);
    assert.deepEqual(await cache.keys('https://op.example/jwks', 'forged'), []);
    assert.equal(http.requests.length, 2, 'an unknown kid right after a fetch does not refetch');
    assert.equal((await cache.keys('https://op.example/jwks', undefined)).length, 2, 'no kid: every signing key');
  });

  it('refuses a document that is not a JWKS', async () => {
    const http: HttpClient = { send: () => Promise.resolve({ status: 200, headers: {}, body: '{"nokeys":true}' }) };
    await assert.rejects(new JwksCache({ http }).keys('https://op.example/jwks', 'k'), { code: 'invalid_response' });
    const failing: HttpClient = { send: () => Promise.resolve({ status: 500, headers: {}, body: '' }) };
    await assert.rejects(new JwksCache({ http: failing }).keys('https://op.example/jwks', 'k'), { code: 'invalid_response', status: 500 });
  });
});
