/**
 * Where the emulator keeps its state (keys, CA, config) unless told otherwise, and the check that keeps that folder the
 * user's own. Shared by the emulator (the msal-ts-emulator package) and msal-ts's CLI, whose `--emulator` finds the
 * running emulator in the same folder: here, so that the CLI carries none of the emulator's code.
 */
import type { Stats } from 'node:fs';
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

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

/** Why a folder (`stats` from lstat) is not safe to trust: not a folder, a link, or {@link untrustedReason}'s answer. */
export function folderProblem(stats: Stats, othersMask: number): string | undefined {
  return stats.isSymbolicLink() || stats.isDirectory() ? untrustedReason(stats, othersMask) : 'is not a folder';
}
