/**
 * The `msal-ts` command's entry (dist/cli.cjs): starts the program and runs the command line (docs/cli.md).
 *
 * In the package the program is dist/cli-core.cjs, which this entry compiles through the command's code cache
 * (code-cache.ts): a command that serves a token from the cache then compiles almost nothing. Both are CommonJS, so
 * that Node starts no ES module loader either. From source (tsx, the tests that run src/cli/main.ts) the program is
 * program.ts, imported as ES modules, without a code cache.
 */
import { join } from 'node:path';
import type { Io } from './session.js';
import { loadProgram, type LoadedProgram } from './code-cache.js';
import { lazyStream } from './stdio.js';
import { VERSION } from '../version.js';

/** The program file beside this one, set by the build (scripts/build.mjs); undefined when running from source. */
declare const __MSAL_TS_CLI_PROGRAM__: string | undefined;
/** package.json's engines.node, set by the build; undefined when running from source. */
declare const __MSAL_TS_NODE_ENGINES__: string | undefined;

type Main = (args: string[], io?: Io, startup?: () => string) => Promise<number>;

async function start(args: string[]): Promise<number> {
  // Every part of the command loads Node's modules through process.getBuiltinModule (Node >= 20.16 and >= 22.3; the
  // engines field asks for 20.19 or 22.12, where a CommonJS program can also require msal-ts). Without it, say so in
  // one line rather than fail with a TypeError from deep inside.
  if (typeof process.getBuiltinModule !== 'function') {
    const needs = typeof __MSAL_TS_NODE_ENGINES__ === 'string' ? __MSAL_TS_NODE_ENGINES__ : 'a newer version';
    process.stderr.write(`msal-ts: needs Node.js ${needs}; this is Node.js ${process.version}\n`);
    return 2;
  }
  if (typeof __MSAL_TS_CLI_PROGRAM__ === 'string') {
    // Written straight to the descriptors until a command needs Node's streams (stdio.ts).
    const io: Io = { stdout: lazyStream(1, () => process.stdout), stderr: lazyStream(2, () => process.stderr), env: process.env };
    // Answered here, as the program answers it: loading the program for one line would compile all of it.
    if (args[0] === '--version' || args[0] === '-v') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    // The program sits beside this file: this file's require resolves what the program's would. Help has a code cache
    // of its own, whichever way it is asked for.
    const cacheName = args[0] === '--help' || args[0] === '-h' ? 'help' : args[0];
    // The program's other part (what a token served from the cache never runs: the sign-in flows, the network half;
    // scripts/build.mjs) is a file of its own, which the program loads through this when a command first needs it,
    // handing it the program's modules (`partLink`). It has a code cache of its own, saved with the program's.
    const parts: LoadedProgram[] = [];
    const link = {
      loadPart: (file: string, partLink: unknown): Record<string, unknown> => {
        const part = loadProgram(join(__dirname, file), cacheName, undefined, require, partLink);
        parts.push(part);
        return part.exports;
      },
    };
    const program = loadProgram(join(__dirname, __MSAL_TS_CLI_PROGRAM__), cacheName, undefined, require, link);
    const exit = await (program.exports['main'] as Main)(args, io, () => program.description);
    if (exit === 0) for (const loaded of [program, ...parts]) loaded.save();
    return exit;
  }
  // A specifier the bundler does not follow: the package runs the CommonJS program above, never this.
  const source = './program.js';
  const { main } = (await import(source)) as { main: Main };
  return main(args, undefined, () => 'no code cache (running from source)');
}

void start(process.argv.slice(2)).then((exit) => {
  process.exitCode = exit;
});
