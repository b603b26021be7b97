/**
 * The `msal-ts` command's program: login, token, accounts, logout, emulator (docs/cli.md). The build makes it one
 * CommonJS file (dist/cli-core.cjs) that main.ts runs through its code cache (code-cache.ts).
 *
 * Flags parsed as node:util parseArgs parses them (parse-flags.ts) rather than with commander: the commands are few
 * and flat, and a token served from the cache should cost little more than Node's own start. Each command's code runs
 * only when the command does, so `msal-ts token` never starts the emulator's.
 */
import { CliError, EXIT, describeError, exitCodeFor, firstLine } from './exit-codes.js';
import type { Io } from './session.js';
import { HELP } from './usage.js';
import { VERSION } from '../version.js';

type Command = (args: string[], io: Io) => Promise<number>;

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  login: async () => (await import('./token-commands.js')).runLogin,
  token: async () => (await import('./token-commands.js')).runToken,
  accounts: async () => (await import('./account-commands.js')).runAccounts,
  logout: async () => (await import('./account-commands.js')).runLogout,
  emulator: async () => (await import('./emulator-command.js')).runEmulator,
};

/**
 * Runs the command line `args` (without node and the script).
 *
 * @param startup - what main.ts did to start the program (its code cache), printed first with `--verbose`: a function,
 *   so that a run without `--verbose` does not compose it.
 * @returns the exit code (see exit-codes.ts). Errors are printed as one line on stderr (all detail with `--verbose`).
 */
export async function main(
  args: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env },
  startup?: () => string,
): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    if (topic !== undefined && Object.hasOwn(HELP, topic) && topic !== 'main') {
      io.stdout.write(HELP[topic as keyof typeof HELP]);
      return EXIT.ok;
    }
    (command === undefined ? io.stderr : io.stdout).write(HELP.main);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load === undefined) {
    io.stderr.write(`msal-ts: unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')}; see msal-ts --help)\n`);
    return EXIT.usage;
  }
  const verbose = rest.includes('--verbose');
  if (verbose && startup !== undefined) io.stderr.write(`msal-ts: ${startup()}\n`);
  try {
    return await (
      await load()
    )(rest, io);
  } catch (err) {
    const exit = exitCodeFor(err);
    const hint = exit === EXIT.usage && !(err instanceof CliError) ? ` (see msal-ts ${command} --help)` : '';
    const unexpected = exit === EXIT.unexpected && !verbose ? ' (run again with --verbose for details)' : '';
    io.stderr.write(`msal-ts ${command}: ${firstLine(err)}${hint}${unexpected}\n`);
    if (verbose) io.stderr.write(`${describeError(err)}\n`);
    return exit;
  }
}
