import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compactVerify, importSPKI } from 'jose';
import { InvalidResponseError } from '../../src/errors.js';
import { base64UrlDecode, base64UrlEncode, isBase64Url } from '../../src/protocol/base64url.js';
import { decodeClientInfo } from '../../src/protocol/client-info.js';
import { decodeJwt, signJwt } from '../../src/protocol/jwt.js';
import { fixtures } from './fixtures.js';

const enc = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('base64url', () => {
  it('round-trips arbitrary bytes without padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = base64UrlEncode(bytes);
        assert.equal(/[=+/]/.test(text), false);
        assert.deepEqual(new Uint8Array(base64UrlDecode(text)), bytes);
      }),
    );
  });

  it('encodes strings as UTF-8', () => {
    assert.equal(base64UrlEncode('é?>'), Buffer.from('é?>', 'utf8').toString('base64url'));
  });

  it('encodes a view of a larger buffer without the surrounding bytes', () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5]);
    assert.equal(base64UrlEncode(backing.subarray(1, 3)), Buffer.from([2, 3]).toString('base64url'));
  });

  const cases: [string, boolean][] = [
    ['', true],
    ['QQ', true],
    ['QQ==', true],
    ['QUI', true],
    ['QUI=', true],
    ['QQ=', false],
    ['QUJD=', false],
    ['Q', false],
    ['QQ+/', false],
    ['QQ Q', false],
    ['a.b', false],
    ['QQ===', false],
  ];
  for (const [text, ok] of cases) {
    it(`isBase64Url(${JSON.stringify(text)}) is ${ok}`, () => {
      assert.equal(isBase64Url(text), ok);
      if (ok) assert.doesNotThrow(() => base64UrlDecode(text));
      else assert.throws(() => base64UrlDecode(text), RangeError);
    });
  }

  it('decodes padded input like unpadded', () => {
    assert.equal(base64UrlDecode('QUI=').toString(), 'AB');
  });
});

describe('decodeJwt', () => {
  it('decodes header and payload', () => {
    const token = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ sub: 'x', n: 1 })}.c2ln`;
    assert.deepEqual(decodeJwt(token), { header: { alg: 'RS256', typ: 'JWT' }, payload: { sub: 'x', n: 1 } });
  });

  it('accepts an unsecured token with an empty signature', () => {
    assert.deepEqual(decodeJwt(`${enc({ alg: 'none' })}.${enc({ a: 1 })}.`).payload, { a: 1 });
  });

  const secret = 'eyJzZWNyZXQiOiJ0b3Atc2VjcmV0LXZhbHVlIn0';
  const bad: [string, unknown][] = [
    ['not a string', 42],
    ['one part', 'abc'],
    ['two parts', `${enc({})}.${enc({})}`],
    ['JWE (five parts)', `${enc({})}.a.b.c.d`],
    ['empty header', `.${enc({})}.sig`],
    ['header not base64url', `@@.${enc({})}.sig`],
    ['header not JSON', `${Buffer.from('{oops').toString('base64url')}.${enc({})}.sig`],
    ['header an array', `${enc([1])}.${enc({})}.sig`],
    ['payload null', `${enc({})}.${enc(null)}.sig`],
    ['payload a string', `${enc({})}.${enc('x')}.sig`],
    ['signature not base64url', `${enc({})}.${enc({})}.s+g`],
    ['payload not JSON, secret-looking', `${enc({})}.${secret}x.sig`],
  ];
  for (const [name, token] of bad) {
    it(`rejects ${name} with InvalidResponseError naming the source`, () => {
      assert.throws(
        () => decodeJwt(token as string, 'id token'),
        (err: unknown) =>
          err instanceof InvalidResponseError && err.source === 'id token' && err.message.startsWith('invalid id token:') && !err.message.includes(secret),
      );
    });
  }

  it('never throws anything but InvalidResponseError for arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.tuple(fc.string(), fc.string(), fc.string()).map((p) => p.join('.')),
        ),
        (s) => {
          try {
            decodeJwt(s);
          } catch (err) {
            assert.ok(err instanceof InvalidResponseError);
          }
        },
      ),
    );
  });
});

describe('signJwt', () => {
  const { a, ecKeyPem } = fixtures();
  const key = createPrivateKey(a.keyPem);
  const spki = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();

  for (const alg of ['RS256', 'PS256'] as const) {
    it(`${alg} signatures verify with jose`, async () => {
      const jwt = signJwt({ kid: 'k1', alg: 'HS256' }, { sub: 'me' }, key, alg);
      const { protectedHeader, payload } = await compactVerify(jwt, await importSPKI(spki, alg));
      assert.deepEqual(protectedHeader, { typ: 'JWT', kid: 'k1', alg });
      assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), { sub: 'me' });
    });
  }

  it('PS256 uses PSS: a PS256 signature does not verify as RS256', async () => {
    const jwt = signJwt({}, { sub: 'me' }, key, 'PS256');
    const [h = '', p = '', s = ''] = jwt.split('.');
    const relabelled = `${enc({ typ: 'JWT', alg: 'RS256' })}.${p}.${s}`;
    assert.notEqual(h, relabelled.split('.')[0]);
    await assert.rejects(compactVerify(relabelled, await importSPKI(spki, 'RS256')));
  });

  it('rejects a public key, an EC key and an unknown alg with TypeError', () => {
    assert.throws(() => signJwt({}, {}, createPublicKey(key), 'RS256'), TypeError);
    assert.throws(() => signJwt({}, {}, createPrivateKey(ecKeyPem), 'RS256'), TypeError);
    assert.throws(() => signJwt({}, {}, key, 'HS256' as 'RS256'), TypeError);
  });
});

describe('decodeClientInfo', () => {
  it('decodes uid and utid, padded or not', () => {
    const raw = enc({ uid: 'u-1', utid: 't-1', extra: true });
    assert.deepEqual(decodeClientInfo(raw), { uid: 'u-1', utid: 't-1' });
    const padded = Buffer.from(JSON.stringify({ uid: 'u', utid: 't' }))
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    assert.deepEqual(decodeClientInfo(padded), { uid: 'u', utid: 't' });
  });

  const bad: [string, unknown][] = [
    ['empty', ''],
    ['not a string', { uid: 'u' }],
    ['not base64url', 'a+b/'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['an array', enc(['u', 't'])],
    ['missing utid', enc({ uid: 'u' })],
    ['numeric uid', enc({ uid: 1, utid: 't' })],
    ['empty uid', enc({ uid: '', utid: 't' })],
  ];
  for (const [name, raw] of bad) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => decodeClientInfo(raw as string),
        (err: unknown) => err instanceof InvalidResponseError && err.source === 'client_info',
      );
    });
  }
});
