// The command line's flag parser (src/cli/parse-flags.ts) against node:util parseArgs in strict mode, which it stands
// in for: for any command line, both give the same values, or both throw the same error (code and message; an unknown
// `--flag` near a known one gets " (did you mean --known?)" after parseArgs' message). Command lines are drawn from the
// pieces that decide the parse: known and unknown flags, `--flag=value`, lone and grouped short flags, `--`, `-`,
// values that look like flags, and free text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import fc from 'fast-check';
import { COMMON_OPTIONS } from '../../src/cli/settings.js';
import { parseFlags } from '../../src/cli/parse-flags.js';
import { fuzz } from './budget.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const BUDGET = { ci: 3_000, fuzz: 100_000, long: 1_000_000 } as const;

/** The CLI's own sets (account commands; the emulator's), and one with string short flags, which they do not use. */
const CONFIGS: Record<string, Options> = {
  common: { ...COMMON_OPTIONS, account: { type: 'string' }, all: { type: 'boolean' } },
  emulator: { port: { type: 'string' }, 'state-dir': { type: 'string' }, 'auto-approve': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  shorts: {
    file: { type: 'string', short: 'f' },
    all: { type: 'boolean', short: 'a' },
    list: { type: 'string', short: 'l', multiple: true },
    b: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v', multiple: true },
  },
};

type Outcome = { values: Record<string, unknown> } | { code: unknown; message: string };

function outcome(parse: () => { values: object }): Outcome {
  try {
    return { values: { ...parse().values } };
  } catch (err) {
    assert.ok(err instanceof TypeError, `a TypeError, not ${String(err)}`);
    return { code: (err as { code?: unknown }).code, message: err.message };
  }
}

function compare(options: Options, args: string[]): void {
  const theirs = outcome(() => parseArgs({ args, options, strict: true }));
  const ours = outcome(() => parseFlags(args, options));
  const context = `args ${JSON.stringify(args)}`;
  if ('code' in theirs && 'code' in ours && theirs.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && ours.code === theirs.code) {
    assert.ok(ours.message === theirs.message || /^ \(did you mean --[\w-]+\?\)$/.test(ours.message.slice(theirs.message.length)), context);
    assert.ok(ours.message.startsWith(theirs.message), context);
    return;
  }
  assert.deepEqual(ours, theirs, context);
}

function piecesFor(options: Options): fc.Arbitrary<string> {
  const names = Object.keys(options);
  const shorts = Object.values(options).flatMap((o) => (o.short === undefined ? [] : [o.short]));
  return fc.oneof(
    fc.constantFrom(...names).map((n) => `--${n}`),
    fc.tuple(fc.constantFrom(...names), fc.constantFrom('', 'x', '-x', '--y', 'a=b', ' ')).map(([n, v]) => `--${n}=${v}`),
    fc.constantFrom('--', '-', '---', '--=x', '-=', '--bogus', '--scopes', '--__proto__', '--constructor', '-x', '-1', '-xy', ''),
    fc.array(fc.constantFrom(...shorts, 'x', 'q', '-', '='), { minLength: 1, maxLength: 4 }).map((cs) => `-${cs.join('')}`),
    fc.constantFrom('value', 'https://login.example.test/t', 'User.Read offline_access', ' ', 'é'),
    fc.string({ maxLength: 6 }),
  );
}

describe('parseFlags against node:util parseArgs (strict, no positionals)', () => {
  for (const [label, options] of Object.entries(CONFIGS)) {
    it(`gives the same values or the same error for any command line (${label} flags)`, async () => {
      await fuzz(
        `parse-flags ${label}`,
        fc.property(fc.array(piecesFor(options), { maxLength: 7 }), (args) => compare(options, args)),
        BUDGET,
      );
    });
  }

  it('suggests the closest flag for a misspelt one, as the command always did', () => {
    assert.throws(() => parseFlags(['--scopes', 'x'], CONFIGS['common'] ?? {}), {
      code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION',
      message: "Unknown option '--scopes' (did you mean --scope?)",
    });
    assert.throws(() => parseFlags(['--zzzzzz'], CONFIGS['common'] ?? {}), { message: "Unknown option '--zzzzzz'" });
  });

  it('returns values with no prototype, lists for multiple flags, the last value otherwise', () => {
    const { values } = parseFlags(['--scope', 'a', '--scope=b', '--cache', 'one', '--cache', 'two', '--json'], CONFIGS['common'] ?? {});
    assert.equal(Object.getPrototypeOf(values), null);
    assert.deepEqual({ ...values }, { scope: ['a', 'b'], cache: 'two', json: true });
  });
});
