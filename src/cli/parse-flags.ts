/**
 * The command line's flags, parsed as node:util parseArgs parses them in strict mode without positionals (same values,
 * same errors: codes and messages), with "did you mean" for a misspelt flag (`--scopes` for `--scope`), using the same
 * suggestion as the library's option-key check.
 *
 * Written here rather than calling parseArgs: Node compiles parseArgs' module (and its validators) on each run, about
 * 4 million instructions of every `msal-ts` command, where this file runs from the command's code cache. The two are
 * held to the same results by a differential test over generated command lines (test/cli/parse-flags.test.ts).
 * Supported: options of type string or boolean, `multiple`, `short` (one character); no defaults, no positionals.
 */
import type { ParseArgsConfig, parseArgs } from 'node:util';
import { closestName } from '../util/options.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true }>>;

/** One option as the command line gave it. */
interface Given {
  /** The option's long name (or the character of an unknown short option). */
  readonly name: string;
  /** As written: `--name`, `-n`. */
  readonly rawName: string;
  readonly value: string | undefined;
  /** Whether the value was part of the same argument (`--name=value`, `-nvalue`). */
  readonly inline: boolean;
}

/** The error parseArgs throws: a TypeError with a Node-style `code`. */
function parseError(code: 'INVALID_OPTION_VALUE' | 'UNEXPECTED_POSITIONAL' | 'UNKNOWN_OPTION', message: string): TypeError {
  return Object.assign(new TypeError(message), { code: `ERR_PARSE_ARGS_${code}` });
}

/**
 * Parses `args` against `options` (no positionals).
 *
 * @throws TypeError (ERR_PARSE_ARGS_*) for an unknown flag, with the closest known flag when one is near; for a string
 *   flag without its value or with one that looks like a flag, a boolean flag given a value, and any argument that is
 *   not a flag. All are bad usage (exit code 2).
 */
export function parseFlags<const O extends Options>(args: string[], options: O): Parsed<O> {
  const values: Record<string, string | boolean | Array<string | boolean>> = Object.create(null) as Record<string, never>;
  for (const given of optionsIn(args, options)) {
    check(given, options);
    store(given, options, values);
  }
  return { values, positionals: [] } as unknown as Parsed<O>;
}

/** The options of `args`, in order; throws at the first argument that is not one (as parseArgs does, in order). */
function* optionsIn(args: readonly string[], options: Options): Generator<Given> {
  const queue = [...args];
  while (queue.length > 0) {
    const arg = queue.shift() as string;
    if (arg === '--') {
      // Everything after it is positional: the first one, if any, is an error.
      if (queue.length > 0) throw unexpected(queue[0] as string);
      return;
    }
    const short = arg.length >= 2 && arg[0] === '-' && arg[1] !== '-';
    if (short && arg.length === 2) {
      // `-n`, and its value in the next argument if it is a string option.
      const name = longNameOf(arg[1] as string, options);
      const value = typeOf(options, name) === 'string' && queue.length > 0 ? queue.shift() : undefined;
      yield { name, rawName: arg, value, inline: false };
    } else if (short && typeOf(options, longNameOf(arg[1] as string, options)) !== 'string') {
      // A group, `-abc`: each character one short option, up to a string option, which takes the rest as its value.
      const expanded: string[] = [];
      for (let i = 1; i < arg.length; i++) {
        const last = i === arg.length - 1;
        if (last || typeOf(options, longNameOf(arg[i] as string, options)) !== 'string') {
          expanded.push(`-${arg[i] as string}`);
        } else {
          expanded.push(`-${arg.slice(i)}`);
          break;
        }
      }
      queue.unshift(...expanded);
    } else if (short) {
      // `-nvalue` for a string option `n`.
      const char = arg[1] as string;
      yield { name: longNameOf(char, options), rawName: `-${char}`, value: arg.slice(2), inline: true };
    } else if (arg.length > 2 && arg.startsWith('--')) {
      // `--name=value` when an `=` follows the name's first character; the name then ends at the first `=` (so `--==`
      // names the empty flag, as in parseArgs).
      if (!arg.includes('=', 3)) {
        const name = arg.slice(2);
        const value = typeOf(options, name) === 'string' && queue.length > 0 ? queue.shift() : undefined;
        yield { name, rawName: arg, value, inline: false };
      } else {
        const equals = arg.indexOf('=');
        const name = arg.slice(2, equals);
        yield { name, rawName: `--${name}`, value: arg.slice(equals + 1), inline: true };
      }
    } else {
      throw unexpected(arg);
    }
  }
}

/** parseArgs' strict checks of one option, in its order. */
function check(given: Given, options: Options): void {
  if (!Object.hasOwn(options, given.name)) throw unknown(given.rawName, options);
  const short = options[given.name]?.short;
  const shortAndLong = `${short ? `-${short}, ` : ''}--${given.name}`;
  const type = typeOf(options, given.name);
  if (type === 'string' && typeof given.value !== 'string') {
    throw parseError('INVALID_OPTION_VALUE', `Option '${shortAndLong} <value>' argument missing`);
  }
  if (type === 'boolean' && given.value !== undefined) {
    throw parseError('INVALID_OPTION_VALUE', `Option '${shortAndLong}' does not take an argument`);
  }
  if (!given.inline && given.value !== undefined && given.value.length > 1 && given.value[0] === '-') {
    const example = given.rawName.startsWith('--') ? `'${given.rawName}=-XYZ'` : `'--${given.name}=-XYZ' or '${given.rawName}-XYZ'`;
    throw parseError(
      'INVALID_OPTION_VALUE',
      `Option '${given.rawName}' argument is ambiguous.\nDid you forget to specify the option argument for '${given.rawName}'?\n` +
        `To specify an option argument starting with a dash use ${example}.`,
    );
  }
}

function store(given: Given, options: Options, values: Record<string, string | boolean | Array<string | boolean>>): void {
  if (given.name === '__proto__') return;
  const value = given.value ?? true;
  if (options[given.name]?.multiple === true) {
    const list = values[given.name];
    if (Array.isArray(list)) list.push(value);
    else values[given.name] = [value];
  } else {
    values[given.name] = value;
  }
}

/** The long name of the option whose short form is `char`, or `char` itself when none is. */
function longNameOf(char: string, options: Options): string {
  for (const [name, option] of Object.entries(options)) if (Object.hasOwn(option, 'short') && option.short === char) return name;
  return char;
}

function typeOf(options: Options, name: string): 'string' | 'boolean' | undefined {
  return Object.hasOwn(options, name) ? options[name]?.type : undefined;
}

function unexpected(arg: string): TypeError {
  return parseError('UNEXPECTED_POSITIONAL', `Unexpected argument '${arg}'. This command does not take positional arguments`);
}

/** An unknown option, with the closest known long flag when one is near. */
function unknown(rawName: string, options: Options): TypeError {
  const flag = rawName.startsWith('--') ? rawName.slice(2) : undefined;
  const meant = flag === undefined ? undefined : closestName(flag, new Set(Object.keys(options)));
  if (meant === undefined) return parseError('UNKNOWN_OPTION', `Unknown option '${rawName}'`);
  return parseError('UNKNOWN_OPTION', `Unknown option '${rawName}' (did you mean --${meant}?)`);
}
