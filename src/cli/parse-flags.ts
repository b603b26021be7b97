/**
 * node:util parseArgs in strict mode, with "did you mean" for a misspelt flag (`--scopes` for `--scope`), using the
 * same suggestion as the library's option-key check.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from '../util/options.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The flag named in parseArgs' "Unknown option '--x'" message. */
const UNKNOWN = /^Unknown option '--([^'=]+)'/;

/**
 * Parses `args` against `options` (no positionals).
 *
 * @throws TypeError (ERR_PARSE_ARGS_*) for an unknown flag, with the closest known flag when one is near; parseArgs'
 *   own errors otherwise. Both are bad usage (exit code 2).
 */
export function parseFlags<const O extends Options>(args: string[], options: O): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true }>> {
  try {
    return parseArgs<{ args: string[]; options: O; strict: true }>({ args, options, strict: true });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const flag = err instanceof Error && code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? UNKNOWN.exec(err.message)?.[1] : undefined;
    const meant = flag === undefined ? undefined : closestName(flag, new Set(Object.keys(options)));
    if (meant === undefined) throw err;
    throw Object.assign(new TypeError(`Unknown option '--${flag ?? ''}' (did you mean --${meant}?)`, { cause: err }), { code });
  }
}
