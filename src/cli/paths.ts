/**
 * Where the CLI keeps its files by default: config file and cache folder. A module of its own, so that the CLI's entry
 * (which keeps the command's code cache in the cache folder: code-cache.ts) does not load the settings code.
 */
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';
import { nonEmptyOrUndefined } from '../util/checks.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Where the CLI looks for its config file and keeps its caches when nothing else is said. */
export interface CliPaths {
  readonly configFile: string;
  /** The folder of `token-cache.bin` (`.json` when plaintext) and `http-cache.json`. */
  readonly cacheDir: string;
}

/**
 * The default config file and cache folder. Windows: both in `%LOCALAPPDATA%\msal-ts` (the user's local, non-roaming
 * application data, where MSAL .NET's cache helper and Azure Identity keep their caches; a DPAPI-encrypted cache is
 * bound to this machine's user key anyway), falling back to `<home>\AppData\Local`; XDG variables are not read there.
 * Elsewhere `$XDG_CONFIG_HOME/msal-ts/config.json` and `$XDG_CACHE_HOME/msal-ts` (defaults `~/.config`, `~/.cache`).
 * A relative base is ignored, as the XDG spec says.
 */
export function defaultCliPaths(env: Env = process.env, platform: NodeJS.Platform = process.platform, home?: string): CliPaths {
  // The home folder only when no variable says where to go: os.homedir() loads node:os (about a million instructions
  // of every run of the command, which reads the CLI cache folder to find its code cache).
  const homeFolder = (): string => home ?? homedir();
  const absolute = (path: typeof posix, name: string): string | undefined => {
    const value = nonEmpty(env[name]);
    return value !== undefined && path.isAbsolute(value) ? value : undefined;
  };
  if (platform === 'win32') {
    const dir = win32.join(absolute(win32, 'LOCALAPPDATA') ?? win32.join(homeFolder(), 'AppData', 'Local'), 'msal-ts');
    return { configFile: win32.join(dir, 'config.json'), cacheDir: dir };
  }
  const posixHome = (): string => nonEmpty(env['HOME']) ?? homeFolder();
  return {
    configFile: posix.join(absolute(posix, 'XDG_CONFIG_HOME') ?? posix.join(posixHome(), '.config'), 'msal-ts', 'config.json'),
    cacheDir: posix.join(absolute(posix, 'XDG_CACHE_HOME') ?? posix.join(posixHome(), '.cache'), 'msal-ts'),
  };
}

/** A set, non-blank value, trimmed: how the CLI reads every variable and setting (settings.ts too). */
export function nonEmpty(value: string | undefined): string | undefined {
  return nonEmptyOrUndefined(value?.trim());
}
