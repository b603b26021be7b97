import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { createPkce, pkceChallenge } from '../../src/protocol/pkce.js';
import { createNonce, createState, randomUrlSafeString } from '../../src/protocol/random.js';

describe('PKCE', () => {
  it('matches the RFC 7636 appendix B example', () => {
    assert.equal(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  for (const length of [43, 64, 100, 128]) {
    it(`a verifier of ${length} unreserved characters with its S256 challenge`, () => {
      const pkce = createPkce(length);
      assert.equal(pkce.code_verifier.length, length);
      assert.match(pkce.code_verifier, /^[A-Za-z0-9\-._~]+$/);
      assert.equal(pkce.code_challenge_method, 'S256');
      assert.equal(pkce.code_challenge, createHash('sha256').update(pkce.code_verifier).digest('base64url'));
    });
  }

  it('defaults to 43 characters and never repeats', () => {
    const seen = new Set(Array.from({ length: 200 }, () => createPkce().code_verifier));
    assert.equal(seen.size, 200);
    assert.equal([...seen][0]?.length, 43);
  });

  for (const length of [42, 129, 43.5, Number.NaN]) {
    it(`rejects length ${length} with RangeError`, () => {
      assert.throws(
        () => createPkce(length),
        (err: unknown) => err instanceof RangeError && /length/.test(err.message),
      );
    });
  }
});

describe('state and nonce', () => {
  it('are 43 base64url characters and distinct', () => {
    const values = [createState(), createState(), createNonce(), createNonce()];
    for (const v of values) assert.match(v, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(new Set(values).size, values.length);
  });

  it('randomUrlSafeString sizes and bounds', () => {
    assert.equal(randomUrlSafeString(16).length, 22);
    assert.throws(() => randomUrlSafeString(8), RangeError);
    assert.throws(() => randomUrlSafeString(2048), RangeError);
  });
});
