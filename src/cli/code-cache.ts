/**
 * How the `msal-ts` command starts its program (dist/cli-core.cjs, one CommonJS file the build makes from program.ts):
 * compiled through V8 with a code cache of its own, so that a run that serves a token from the cache compiles almost
 * nothing. Node 20 keeps no compiled code of ES modules, and Node's compile cache (Node >= 22.1) stores a module's code
 * as compiled at load, before the functions a command runs are compiled; this cache is written after a command has
 * run, so it holds them too. Measured on `msal-ts token` from a cached token, Node 20: with the CommonJS bin, +127 M
 * instructions above Node's own start became +52 M (BENCHMARKS.md).
 *
 * The cache holds code that V8 runs without compiling the source again, so whoever can write into it can run code in
 * every later `msal-ts` process, which reads token caches and secrets. It lives in `<CLI cache folder>/code-cache`
 * (paths.ts), created 0700 and used only when it is a real folder owned by this user and closed to others (a folder of
 * this user's with looser bits is closed first); otherwise the command runs without it, which is only slower. One file
 * per command and installation, named by everything that must match for its code to be this program's: the program
 * file's path, msal-ts's version, Node's version and architecture, Node's options, and the program file's size and
 * modification time (V8 itself refuses
 * code made by another V8 or for a source of another length; it does not compare the source's text). Written whole
 * (a temporary file renamed over it) after a run that exited 0 when no accepted cache was there; the files an older
 * build wrote for the same command, Node and options are removed then. `NODE_DISABLE_COMPILE_CACHE` turns it off, as it turns off Node's own.
 */
import { basename, dirname, join } from 'node:path';
import { folderProblem } from '../util/emulator-state-dir.js';
import { VERSION } from '../version.js';
import { defaultCliPaths } from './paths.js';

/** What {@link loadProgram} reads from the process; tests pass their own. */
export interface CodeCacheHost {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  /** Node's options (`process.execArgv`): V8 refuses code compiled under other flags. */
  readonly execArgv: readonly string[];
}

/** The program, started. */
export interface LoadedProgram {
  /** What the program file exports (`module.exports`). */
  readonly exports: Record<string, unknown>;
  /** Whether V8 took its compiled code from the cache. */
  readonly cacheUsed: boolean;
  /** The cache file of this command line, when there is one (used or to be written). */
  readonly cacheFile: string | undefined;
  /** One line for `--verbose` (composed when read). */
  readonly description: string;
  /** After a run that exited 0: writes the code compiled so far when no accepted cache was there. Never throws. */
  save(): void;
}

/**
 * The program file's first and last text: the build wraps the program in the function Node gives a CommonJS module, so
 * that the program sees what `require` would have given it, plus the `importModule` the build puts in place of its
 * import() of packages (undici, the emulator's): Node 20 loses a script's import() callback when V8 takes the script
 * from a code cache ("A dynamic import callback was not specified"), and its main-context loader for scripts prints an
 * experimental warning. Last, `programLink`: what the loader hands the program. The command's program gets the bin's
 * `loadPart`; the program's second file gets the first file's modules (main.ts, scripts/build.mjs). The head holds the
 * program's "use strict", which a bundle's own would no longer open.
 */
export const PROGRAM_HEAD = '(function (exports, require, module, __filename, __dirname, importModule, programLink) {"use strict";';
export const PROGRAM_TAIL = '\n})\n';

/** A command word (not an option, a path or nothing) has a cache of its own: its runs compile the same code. */
const COMMAND_WORD = /^[a-z]{1,20}$/;

/**
 * Compiles and runs the CommonJS program at `programPath` (wrapped by the build in {@link PROGRAM_HEAD} and
 * {@link PROGRAM_TAIL}), with the code cache of `command` when it can be trusted.
 * `programRequire` is the program's `require`: one that resolves from the program's folder (the bin passes its own,
 * from the same folder: creating one loads node:module, about a million instructions of every run); by default one is
 * created. `link` is handed to the program as it is (its wrapper's last parameter).
 * @throws Error when the file is not wrapped so (a damaged installation); what reading, compiling or running the program
 *   throws (a missing or damaged installation).
 */
export function loadProgram(
  programPath: string,
  command: string | undefined,
  host: CodeCacheHost = processHost(),
  programRequire?: NodeJS.Require,
  link?: unknown,
): LoadedProgram {
  // Not imports: the CLI's entry importing node:fs would split the library's shared code into one more chunk, which a
  // process serving a token from the library alone would then load too (test/package/cold-start.test.ts).
  const fs = process.getBuiltinModule('node:fs');
  const vm = process.getBuiltinModule('node:vm');
  const createRequire = (path: string): NodeJS.Require => process.getBuiltinModule('node:module').createRequire(path);
  // The program file and its cache are read into one buffer, the program first (V8 copies it into a string), then the
  // cache over it: a buffer is fresh memory, and each page of it a page fault (about 10 µs each in a virtual machine).
  // Opened and stat'ed once each; no readFileSync, which would compile its own helpers on every run.
  const programFd = fs.openSync(programPath, 'r');
  let source: string;
  let place: { file?: string; reason?: string };
  let cached: Buffer | undefined;
  try {
    const stats = fs.fstatSync(programFd);
    place = cachePlace(programPath, `${stats.size}-${Math.trunc(stats.mtimeMs)}`, command, host);
    const cacheFd = place.file === undefined ? undefined : openIfThere(place.file);
    try {
      const cacheSize = cacheFd === undefined ? 0 : fs.fstatSync(cacheFd).size;
      const buffer = Buffer.allocUnsafeSlow(Math.max(stats.size, cacheSize));
      source = buffer.subarray(0, readInto(programFd, buffer, stats.size)).toString();
      if (cacheFd !== undefined) cached = buffer.subarray(0, readInto(cacheFd, buffer, cacheSize));
    } finally {
      if (cacheFd !== undefined) fs.closeSync(cacheFd);
    }
  } finally {
    fs.closeSync(programFd);
  }
  if (!source.startsWith(PROGRAM_HEAD) || !source.endsWith(PROGRAM_TAIL)) throw new Error(`${programPath} is not a program msal-ts built`);
  // The file is the script as it is: V8 copies a source made by concatenation into one flat string before it looks
  // its code up (measured when the program was 234 KB: 77 page faults on every run).
  const script = new vm.Script(source, { filename: programPath, cachedData: cached });
  const cacheUsed = cached !== undefined && script.cachedDataRejected !== true;
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as Record<string, unknown> };
  run(module.exports, programRequire ?? createRequire(programPath), module, programPath, dirname(programPath), importModule, link);
  const file = place.file;
  return {
    exports: module.exports,
    cacheUsed,
    cacheFile: file,
    get description() {
      return describe(place, cached !== undefined, cacheUsed);
    },
    save: () => {
      if (file !== undefined && !cacheUsed) writeCache(file, script.createCachedData());
    },
  };
}

/** A package, imported from here: from the folder the program is in (dist/), resolved as from the program itself. */
function importModule(specifier: string): Promise<unknown> {
  return import(specifier);
}

/** The file opened for reading, or undefined when it cannot be (none yet, or unreadable: the run compiles, then writes it). */
function openIfThere(path: string): number | undefined {
  try {
    return process.getBuiltinModule('node:fs').openSync(path, 'r');
  } catch {
    return undefined;
  }
}

/** Reads up to `size` bytes of `fd` from its start into `buffer`; returns how many it read (fewer at an early end). */
function readInto(fd: number, buffer: Buffer, size: number): number {
  const { readSync } = process.getBuiltinModule('node:fs');
  let done = 0;
  while (done < size) {
    const n = readSync(fd, buffer, done, size - done, done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Where this command line's cache is, or why it has none; `stamp` is the program file's size and modification time. */
function cachePlace(programPath: string, stamp: string, command: string | undefined, host: CodeCacheHost): { file?: string; reason?: string } {
  const off = host.env['NODE_DISABLE_COMPILE_CACHE'];
  if (off !== undefined && off !== '') return { reason: 'off (NODE_DISABLE_COMPILE_CACHE)' };
  if (command === undefined || !COMMAND_WORD.test(command)) return { reason: 'none for this command line' };
  const directory = join(defaultCliPaths(host.env, host.platform).cacheDir, 'code-cache');
  const problem = privateFolderProblem(directory);
  if (problem !== undefined) return { reason: `not used: ${directory} ${problem}` };
  // `<who>@<what>.v8`: a later build of the same installation replaces the files of the same command, Node and options
  // (the `<who>`), and leaves those of another Node (nvm users switch) or another installation (a global msal-ts and
  // a project's, of other versions, run in turn) alone: each would otherwise remove the other's, and every run would
  // compile the whole program and write its cache again.
  const who = [command, process.version, process.arch, hash(host.execArgv.join('\0')), hash(programPath)].join('-');
  return { file: join(directory, `${who}@${VERSION}-${stamp}.v8`) };
}

function describe(place: { file?: string; reason?: string }, found: boolean, used: boolean): string {
  if (place.file === undefined) return `code cache ${place.reason ?? 'not used'}`;
  if (used) return `code cache used: ${place.file}`;
  const when = 'if this run succeeds';
  return found ? `code cache refused by V8 (rewritten ${when}): ${place.file}` : `code cache none yet (written ${when}): ${place.file}`;
}

/** How long a cache file that no run rewrites is kept (a write removes older ones). */
const STALE_AFTER_MS = 30 * 24 * 3600 * 1000;

/**
 * Writes the whole file or nothing, then removes the files an older build of this installation wrote for the same
 * command, Node and options, and any file no run has written for {@link STALE_AFTER_MS}. Errors only cost the next run
 * time.
 */
function writeCache(file: string, data: Buffer): void {
  const fs = process.getBuiltinModule('node:fs');
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, data, { mode: 0o600, flag: 'wx' });
    fs.renameSync(temporary, file);
    const directory = dirname(file);
    const who = `${basename(file).split('@')[0] ?? ''}@`;
    const staleBefore = Date.now() - STALE_AFTER_MS;
    for (const other of fs.readdirSync(directory)) {
      if (other === basename(file) || !/\.v8(\.\d+\.tmp)?$/.test(other)) continue;
      const path = join(directory, other);
      // An older build of this installation; or a file nothing has written for a month: an installation removed since
      // (npx runs each version from a folder of its own), or a temporary file a killed run left.
      if (other.startsWith(who) || (fs.lstatSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < staleBefore) fs.rmSync(path, { force: true });
    }
  } catch {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // nothing more to do: the cache is only an optimization
    }
  }
}

/** Why `directory` cannot hold code this user will run, after creating it (0700) or closing it; undefined when it can. */
export function privateFolderProblem(directory: string): string | undefined {
  const { chmodSync, lstatSync, mkdirSync } = process.getBuiltinModule('node:fs');
  try {
    // Created when missing only: mkdirSync compiles its own helpers on every run that calls it.
    let stats = lstatSync(directory, { throwIfNoEntry: false });
    if (stats === undefined) {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      stats = lstatSync(directory);
    }
    // A real folder of ours that others can write (made earlier under a looser umask): close it, then judge it again.
    if (folderProblem(stats, 0) === undefined && folderProblem(stats, 0o077) !== undefined) {
      chmodSync(directory, 0o700);
      stats = lstatSync(directory);
    }
    return folderProblem(stats, 0o077);
  } catch (err) {
    return `cannot be created or examined (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}

/** A short name for Node's options or a path (not a security check: the folder is private, and V8 checks its flags itself). */
function hash(text: string): string {
  let h = 5381;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 33) + text.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

function processHost(): CodeCacheHost {
  return { env: process.env, platform: process.platform, execArgv: process.execArgv };
}
