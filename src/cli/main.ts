/**
 * The `msal-ts` command: login, token, accounts, logout, emulator (docs/cli.md).
 *
 * Built on node:util parseArgs rather than commander: the commands are few and flat, and a token served from the
 * cache should cost little more than Node's own start. Each command is imported when it runs, so `msal-ts token`
 * never loads the emulator, and the library core and msal-ts/extensions load only once settings are resolved.
 */
import { CliError, EXIT, describeError, exitCodeFor, firstLine } from './exit-codes.js';
import type { Io } from './session.js';
import { HELP } from './usage.js';
import { VERSION } from '../version.js';
import { describeCompileCache, enableCompileCache } from './compile-cache.js';

type Command = (args: string[], io: Io) => Promise<number>;

// Node >= 22.1 can keep V8's compiled code of the modules loaded from here on (every command, the library) on disk,
// which spares each later run much of their compile time; Node 20 has no such cache. In a folder only this user can
// write, never Node's default one in the shared temporary folder (compile-cache.ts).
const compileCache = enableCompileCache();

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
 * @returns the exit code (see exit-codes.ts). Errors are printed as one line on stderr (all detail with `--verbose`).
 */
export async function main(args: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
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
  if (verbose) io.stderr.write(`msal-ts: ${describeCompileCache(compileCache)}\n`);
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

process.exitCode = await main(process.argv.slice(2));
