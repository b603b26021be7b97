/**
 * Where the emulator keeps its state (keys, CA, config) unless told otherwise, and the checks that keep that folder
 * the user's own: it holds a CA the user is told to trust, so nothing another local user can write may be loaded
 * from it. Its own small module so the CLI can find the same folder without loading the emulator.
 */
import { lstat, mkdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';
import { EmulatorStateError } from '../errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The default state folder, private to the user: `$XDG_STATE_HOME/msal-ts/emulator` (default
 * `~/.local/state/msal-ts/emulator`) on Linux and other POSIX systems, `~/Library/Application Support/msal-ts/emulator`
 * on macOS, `%LOCALAPPDATA%\msal-ts\emulator` on Windows. Never the shared temp folder, where another user could
 * create it first.
 */
export function defaultStateDir(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA;
    const base = local !== undefined && win32.isAbsolute(local) ? local : win32.join(homedir(), 'AppData', 'Local');
    return win32.join(base, 'msal-ts', 'emulator');
  }
  if (platform === 'darwin') return posix.join(homedir(), 'Library', 'Application Support', 'msal-ts', 'emulator');
  // The XDG spec says a relative path in XDG_STATE_HOME is invalid and must be ignored.
  const xdg = env.XDG_STATE_HOME;
  const base = xdg !== undefined && posix.isAbsolute(xdg) ? xdg : posix.join(homedir(), '.local', 'state');
  return posix.join(base, 'msal-ts', 'emulator');
}

/** The reason `stats` (from lstat) is not safe to trust, or undefined. `othersMask`: mode bits others must not have. */
export function untrustedReason(stats: Stats, othersMask: number): string | undefined {
  if (stats.isSymbolicLink()) return 'is a symbolic link';
  // Windows has neither uids nor POSIX modes; its per-user profile folders are private already.
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid === undefined) return undefined;
  if (stats.uid !== uid) return `belongs to uid ${stats.uid}, not to this user (uid ${uid})`;
  if ((stats.mode & othersMask) !== 0) return `has mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')}, open to other users`;
  return undefined;
}

/**
 * Creates `dir` (and missing parents) with mode 0700, then checks that it is a real folder (not a symbolic link), owned
 * by the current user and writable by no one else. Only the folder itself is checked, not its parents.
 *
 * @throws EmulatorStateError naming the folder and what to do, when it fails a check or cannot be created.
 */
export async function openStateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A dangling link or a file in the way: the checks below say which.
    if (code !== 'EEXIST' && code !== 'ENOTDIR') {
      throw new EmulatorStateError(
        dir,
        `The emulator cannot create its state folder ${dir} (${code ?? 'error'}). Choose another with stateDir / --state-dir.`,
        { cause: err },
      );
    }
  }
  const stats = await lstat(dir);
  const reason = stats.isSymbolicLink() || stats.isDirectory() ? untrustedReason(stats, 0o022) : 'is not a folder';
  if (reason !== undefined) {
    throw new EmulatorStateError(
      dir,
      `The emulator's state folder ${dir} ${reason}. It holds the CA you trust, so it must be a folder of your own that ` +
        'no one else can write. Remove it and start again, or choose another folder with stateDir / --state-dir.',
    );
  }
}
