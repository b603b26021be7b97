// The option-key check every public constructor and method runs before any I/O: unknown keys are a TypeError with a
// "did you mean", options msal-ts deliberately lacks (broker, proof-of-possession) an UnsupportedOptionError.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnsupportedOptionError } from '../../src/errors.js';
import { checkOptionKeys, optionShape } from '../../src/util/options.js';

interface Sample {
  authority?: string | undefined;
  loginHint?: string | undefined;
  timeoutMs?: number | undefined;
  tokenCache?: object | undefined;
}
const SAMPLE = optionShape<Sample>('Sample options', { authority: true, loginHint: true, timeoutMs: true, tokenCache: true });

function refusal(options: unknown): Error {
  try {
    checkOptionKeys(options, SAMPLE);
  } catch (err) {
    if (err instanceof Error) return err;
  }
  assert.fail('no error thrown');
}

describe('checkOptionKeys', () => {
  it('accepts known keys, undefined values included, an empty object and a missing options object', () => {
    checkOptionKeys({ authority: 'x', loginHint: undefined, timeoutMs: 5 }, SAMPLE);
    checkOptionKeys({}, SAMPLE);
    checkOptionKeys(undefined, SAMPLE);
  });

  it('names an unknown key and where it was, with the closest known key', () => {
    const err = refusal({ authorty: 'https://login.microsoftonline.com/common' });
    assert.ok(err instanceof TypeError);
    assert.equal(err.message, 'unknown option "authorty" in Sample options (did you mean "authority"?)');
  });

  it('suggests the camelCase name for case slips and MSAL Python snake_case names', () => {
    assert.match(refusal({ loginhint: 'a' }).message, /unknown option "loginhint" .*did you mean "loginHint"/);
    assert.match(refusal({ login_hint: 'a' }).message, /did you mean "loginHint"/);
    assert.match(refusal({ token_cache: {} }).message, /did you mean "tokenCache"/);
    assert.match(refusal({ timeout: 5 }).message, /did you mean "timeoutMs"/);
  });

  it('suggests the key a shortened name starts (a unit suffix left off)', () => {
    assert.match(refusal({ login: 'alice' }).message, /did you mean "loginHint"/);
    assert.match(refusal({ tokencach: {} }).message, /did you mean "tokenCache"/);
    assert.equal(refusal({ log: 1 }).message, 'unknown option "log" in Sample options');
  });

  it('suggests nothing when no known key is close', () => {
    const err = refusal({ colour: 'blue' });
    assert.ok(err instanceof TypeError);
    assert.equal(err.message, 'unknown option "colour" in Sample options');
  });

  it('an unknown key is refused even when its value is undefined (a typo does not depend on the value)', () => {
    assert.ok(refusal({ authorty: undefined }) instanceof TypeError);
  });

  it('refuses broker and proof-of-possession options with an UnsupportedOptionError saying why', () => {
    for (const [key, value, why] of [
      ['authScheme', { httpMethod: 'GET', url: 'https://x.example/', nonce: 'n' }, /proof-of-possession.*broker/],
      ['auth_scheme', {}, /proof-of-possession.*broker/],
      ['enableBrokerOnWindows', true, /only PublicClientApplication signs in through a broker/],
      ['enableBrokerOnMac', true, /only PublicClientApplication signs in through a broker/],
      ['enableBrokerOnLinux', true, /only PublicClientApplication signs in through a broker/],
      ['enableBrokerOnWsl', true, /only PublicClientApplication signs in through a broker/],
      ['allowBroker', true, /deprecated.*enableBrokerOnWindows/],
      ['parentWindowHandle', 0, /broker/],
    ] as const) {
      const err = refusal({ [key]: value });
      assert.ok(err instanceof UnsupportedOptionError, key);
      assert.equal(err.code, 'unsupported_option');
      assert.equal(err.option, key);
      assert.match(err.message, new RegExp(`"${key}" in Sample options`));
      assert.match(err.message, why);
    }
  });

  it('a broker option that asks for no broker (false or undefined) is accepted', () => {
    checkOptionKeys({ enableBrokerOnWindows: false, enableBrokerOnLinux: undefined, allowBroker: false, authScheme: undefined }, SAMPLE);
  });

  it('refuses options that are not an object', () => {
    for (const bad of [null, 'authority', 42, true]) {
      const err = refusal(bad);
      assert.ok(err instanceof TypeError);
      assert.match(err.message, /^Sample options must be an object/);
    }
  });

  it('checks inherited enumerable keys too (they are read like own ones)', () => {
    const options: unknown = Object.create({ authorty: 'x' });
    assert.ok(refusal(options) instanceof TypeError);
  });
});
