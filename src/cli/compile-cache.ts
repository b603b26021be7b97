/**
 * Node's compile cache for the `msal-ts` command (Node >= 22.1; Node 20 has none), kept in a folder only this user can
 * write: `<CLI cache folder>/node-compile-cache` (paths.ts).
 *
 * The cache holds V8 code that Node runs without compiling the source again, so whoever can write into it can run
 * code in every later `msal-ts` process, which reads token caches and secrets. Node's own default folder is
 * `<tmpdir>/node-compile-cache`, which on a shared machine another user can create first and keep writable (Node then
 * uses it as it finds it): the CLI never uses it. It creates its folder with mode 0700 and uses it only when it is a
 * real folder owned by this user and closed to others (a folder of this user's with looser bits is closed first);
 * otherwise it runs without the cache, which is only an optimization.
 *
 * `NODE_COMPILE_CACHE` still chooses the folder (Node enabled it before this code runs), and
 * `NODE_DISABLE_COMPILE_CACHE` turns it off, as for any Node program.
 */
import { join } from 'node:path';
import { folderProblem } from '../util/emulator-state-dir.js';
import { defaultCliPaths } from './paths.js';

/** What {@link enableCompileCache} needs from the process; tests pass their own. */
export interface CompileCacheHost {
  /** `module.enableCompileCache`, undefined before Node 22.1. */
  readonly enable: ((directory: string) => unknown) | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
}

/** What happened, for `--verbose` and tests. */
export type CompileCacheOutcome =
  | { readonly status: 'enabled'; readonly directory: string }
  | { readonly status: 'unsupported' | 'set-by-environment' | 'disabled-by-environment' }
  | { readonly status: 'refused'; readonly directory: string; readonly reason: string };

/** Turns the compile cache on in the CLI's private folder when Node has one and the folder can be trusted. */
export function enableCompileCache(host: CompileCacheHost = processHost()): CompileCacheOutcome {
  if (host.enable === undefined) return { status: 'unsupported' };
  if (isSet(host.env['NODE_DISABLE_COMPILE_CACHE'])) return { status: 'disabled-by-environment' };
  if (isSet(host.env['NODE_COMPILE_CACHE'])) return { status: 'set-by-environment' };
  const directory = join(defaultCliPaths(host.env, host.platform).cacheDir, 'node-compile-cache');
  const reason = privateFolderProblem(directory);
  if (reason !== undefined) return { status: 'refused', directory, reason };
  try {
    host.enable(directory);
  } catch (err) {
    // Node documents that it does not throw here; an optimization must not stop the command if it ever does.
    return { status: 'refused', directory, reason: err instanceof Error ? err.message : String(err) };
  }
  return { status: 'enabled', directory };
}

/** Why `directory` cannot hold code this user will run, after creating it (0700) or closing it; undefined when it can. */
function privateFolderProblem(directory: string): string | undefined {
  // Not an import: the CLI's entry importing node:fs would split the library's shared code into one more chunk, which a
  // process serving a token from the library alone would then load too (test/package/cold-start.test.ts).
  const { chmodSync, lstatSync, mkdirSync } = process.getBuiltinModule('node:fs');
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    let stats = lstatSync(directory);
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

/** One line for `--verbose`. */
export function describeCompileCache(outcome: CompileCacheOutcome): string {
  switch (outcome.status) {
    case 'enabled':
      return `Node compile cache in ${outcome.directory}`;
    case 'unsupported':
      return 'no Node compile cache (Node >= 22.1 has one)';
    case 'set-by-environment':
      return 'Node compile cache where NODE_COMPILE_CACHE says';
    case 'disabled-by-environment':
      return 'Node compile cache off (NODE_DISABLE_COMPILE_CACHE)';
    case 'refused':
      return `no Node compile cache: ${outcome.directory} ${outcome.reason}`;
  }
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

function processHost(): CompileCacheHost {
  const module = process.getBuiltinModule('node:module') as { enableCompileCache?: (directory: string) => unknown };
  const enable = module.enableCompileCache;
  return { enable: enable === undefined ? undefined : (directory) => enable.call(module, directory), env: process.env, platform: process.platform };
}
