// TokenCache and SerializableTokenCache refuse an option they would ignore: a misspelt purgeExpiredAccessTokens kept
// the default (purging) without a word.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SerializableTokenCache, TokenCache } from '../../src/index.js';

describe('token cache options validation', () => {
  it('a misspelt option is a TypeError with the option meant; subclasses keep their own options', () => {
    for (const [Cache, where] of [
      [TokenCache, 'TokenCache'],
      [SerializableTokenCache, 'SerializableTokenCache'],
    ] as const) {
      assert.throws(() => new Cache({ purgeExpiredAccessToken: false } as never), {
        name: 'TypeError',
        message: `unknown option "purgeExpiredAccessToken" in ${where} options (did you mean "purgeExpiredAccessTokens"?)`,
      });
    }
    class Tagged extends SerializableTokenCache {
      readonly tag: string;
      constructor(options: { tag: string; purgeExpiredAccessTokens?: boolean }) {
        super({ purgeExpiredAccessTokens: options.purgeExpiredAccessTokens });
        this.tag = options.tag;
      }
    }
    assert.equal(new Tagged({ tag: 't' }).tag, 't');
  });
});
