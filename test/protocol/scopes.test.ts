import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decorateScopes,
  isReservedScope,
  isScopeSubset,
  normalizeScopes,
  parseScopeString,
  RESERVED_SCOPES,
  scopeSetsEqual,
  scopeToWire,
  validateExcludeScopes,
  validateScopes,
} from '../../src/protocol/scopes.js';

describe('validateScopes', () => {
  it('accepts arrays and Sets, de-duplicating in order', () => {
    assert.deepEqual(validateScopes(['b', 'a', 'b']), ['b', 'a']);
    assert.deepEqual(validateScopes(new Set(['x'])), ['x']);
    assert.deepEqual(validateScopes([]), []);
  });

  it('de-duplicates long lists too (past the short-list scan), keeping first-seen order, and returns a new array', () => {
    const long = Array.from({ length: 20 }, (_, i) => `api://app/s${i % 12}`);
    assert.deepEqual(
      validateScopes(long),
      Array.from({ length: 12 }, (_, i) => `api://app/s${i}`),
    );
    const big = new Set(Array.from({ length: 10 }, (_, i) => `s${i}`));
    assert.deepEqual(validateScopes(big), [...big]);
    const given = ['a'];
    assert.notEqual(validateScopes(given), given);
  });

  const typeErrors: [string, unknown, RegExp][] = [
    ['a plain string (iterates as characters)', 'User.Read', /scopes must be an array of strings, not a string: use \["User.Read"\]/],
    ['undefined', undefined, /scopes must be an array or Set/],
    ['an object', { 0: 'a' }, /array or Set/],
    ['a number element', ['a', 1], /non-empty strings/],
    ['an empty element', ['a', ''], /non-empty strings/],
  ];
  for (const [name, value, pattern] of typeErrors) {
    it(`rejects ${name} with TypeError naming scopes`, () => {
      assert.throws(
        () => validateScopes(value),
        (err: unknown) => err instanceof TypeError && pattern.test(err.message),
      );
    });
  }

  it('rejects a space-joined element with RangeError', () => {
    assert.throws(() => validateScopes(['User.Read Mail.Read']), RangeError);
  });

  it('names the argument it was given', () => {
    assert.throws(() => validateScopes('x', 'extraScopesToConsent'), /extraScopesToConsent must be/);
  });
});

describe('decorateScopes', () => {
  const cases: [string, unknown, string[], string[]][] = [
    ['adds the reserved scopes', ['User.Read'], [], ['User.Read', 'openid', 'profile', 'offline_access']],
    ['works with no scopes (sign-in only)', [], [], ['openid', 'profile', 'offline_access']],
    ['removes excluded scopes', ['User.Read'], ['offline_access'], ['User.Read', 'openid', 'profile']],
    ['compares exclusions case-insensitively', ['User.Read'], ['Offline_Access'], ['User.Read', 'openid', 'profile']],
    [
      'keeps a .default scope as is (the server judges combinations)',
      ['https://graph.microsoft.com/.default', 'User.Read'],
      [],
      ['https://graph.microsoft.com/.default', 'User.Read', 'openid', 'profile', 'offline_access'],
    ],
  ];
  for (const [name, input, exclude, expected] of cases) {
    it(name, () => {
      assert.deepEqual(decorateScopes(input, exclude), expected);
    });
  }

  for (const reserved of [...RESERVED_SCOPES, 'OpenID']) {
    it(`rejects the reserved scope ${reserved} with a RangeError that explains`, () => {
      assert.throws(
        () => decorateScopes(['User.Read', reserved]),
        (err: unknown) => err instanceof RangeError && err.message.includes(JSON.stringify(reserved)) && /added automatically/.test(err.message),
      );
    });
  }

  it('rejects a string with TypeError before looking at reserved scopes', () => {
    assert.throws(() => decorateScopes('openid'), TypeError);
  });
});

describe('isReservedScope', () => {
  it('knows the reserved scopes in any case, and nothing else of their lengths or others', () => {
    for (const scope of [...RESERVED_SCOPES, 'OpenID', 'Profile', 'OFFLINE_ACCESS']) assert.equal(isReservedScope(scope), true, scope);
    for (const scope of ['openi', 'opened', 'profiles', 'offline_accesS2', 'User.Read', 'https://graph.microsoft.com/.default', '']) {
      assert.equal(isReservedScope(scope), false, scope);
    }
  });
});

describe('validateExcludeScopes', () => {
  it('accepts undefined and lists', () => {
    assert.deepEqual(validateExcludeScopes(undefined), []);
    assert.deepEqual(validateExcludeScopes(['offline_access']), ['offline_access']);
  });
  it('rejects openid (RangeError) and a string (TypeError naming excludeScopes)', () => {
    assert.throws(() => validateExcludeScopes(['OPENID']), RangeError);
    assert.throws(() => validateExcludeScopes('offline_access'), /excludeScopes must be an array/);
  });
});

describe('scopeToWire and parseScopeString', () => {
  it('sorts, de-duplicates and space-joins', () => {
    assert.equal(scopeToWire(['profile', 'User.Read', 'openid', 'profile']), 'User.Read openid profile');
    assert.equal(scopeToWire(new Set<string>()), '');
  });
  it('gives the same wire form for any order', () => {
    assert.equal(scopeToWire(['b', 'a', 'c']), scopeToWire(['c', 'b', 'a']));
  });
  it('splits a server scope string on any whitespace', () => {
    assert.deepEqual(parseScopeString('  a  b\tc a '), ['a', 'b', 'c']);
    assert.deepEqual(parseScopeString(''), []);
  });
});

describe('case-insensitive comparison', () => {
  it('normalizes to a lower-case Set', () => {
    assert.deepEqual(normalizeScopes(['User.Read', 'user.read', 'Mail.Send']), new Set(['user.read', 'mail.send']));
  });
  const equal: [string[], string[], boolean][] = [
    [['User.Read', 'Mail.Send'], ['mail.send', 'USER.READ'], true],
    [['a', 'a'], ['A'], true],
    [['a'], ['a', 'b'], false],
    [[], [], true],
  ];
  for (const [x, y, expected] of equal) {
    it(`scopeSetsEqual(${JSON.stringify(x)}, ${JSON.stringify(y)}) is ${expected}`, () => {
      assert.equal(scopeSetsEqual(x, y), expected);
    });
  }
  it('isScopeSubset ignores case', () => {
    assert.equal(isScopeSubset(['User.Read'], ['user.read', 'openid']), true);
    assert.equal(isScopeSubset(['User.Read', 'Mail.Send'], ['user.read']), false);
    assert.equal(isScopeSubset([], []), true);
  });
});
