/**
 * Launching the system browser for interactive sign-in with the platform's own launcher (xdg-open, macOS `open`,
 * Windows' URL protocol handler), and the fallback of showing the URL when no browser starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { win32 } from 'node:path';
import { BrowserLaunchError } from '../errors.js';
import type { OpenBrowser } from './types.js';

/**
 * How long a launcher may take to report that it found no browser. xdg-open gives up within milliseconds (exit 3);
 * a launcher still running after this has handed the URL to a browser that runs in the foreground.
 */
const LAUNCHER_VERDICT_MS = 3000;

const HOW_TO = 'no browser could be launched; open the sign-in URL in a browser yourself';

function checkUrl(url: unknown): asserts url is string {
  if (typeof url !== 'string') throw new TypeError('url must be a string');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('url must be an absolute URL');
  }
  // Anything else could make the launcher run a local file or another program.
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TypeError('url must be an http or https URL');
}

/** A program and the arguments that come before the URL. */
type Launcher = readonly [file: string, ...args: string[]];

/**
 * The launchers to try, in order. Each gets the URL as one argument and no shell runs, so nothing in the URL is
 * interpreted. Windows: url.dll's FileProtocolHandler opens the default browser without cmd.exe (whose `start` would
 * parse `&` in the query), run by its full path: Windows looks a bare program name up in the current folder before PATH,
 * where anyone who can write to that folder could plant a rundll32.exe. WSL: xdg-open when the distribution has it,
 * else wslu's wslview, else Windows' handler through WSL interop.
 */
function launchers(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): Launcher[] {
  if (platform === 'darwin') return [['open']];
  if (platform === 'win32') {
    const root = env['SystemRoot'];
    const windows = root !== undefined && win32.isAbsolute(root) ? root : 'C:\\Windows';
    return [[win32.join(windows, 'System32', 'rundll32.exe'), 'url.dll,FileProtocolHandler']];
  }
  const wsl = platform === 'linux' && (env['WSL_DISTRO_NAME'] !== undefined || env['WSL_INTEROP'] !== undefined);
  return wsl ? [['xdg-open'], ['wslview'], ['rundll32.exe', 'url.dll,FileProtocolHandler']] : [['xdg-open']];
}

/** Starts `launcher` with `url`; rejects when the program cannot be started (e.g. ENOENT). */
function start(launcher: Launcher, url: string): Promise<ChildProcess> {
  const [file, ...args] = launcher;
  return new Promise((resolve, reject) => {
    // Detached and unreferenced: the browser outlives this process, and waiting for it must not keep Node running.
    const child = spawn(file, [...args, url], { stdio: 'ignore', detached: true, windowsHide: true });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve(child);
    });
  });
}

/**
 * The launcher's exit code if it exits within the verdict window, undefined if it is still running. The timer is
 * kept referenced: the launcher is unreferenced, and nothing else may be keeping the event loop alive.
 */
function exitCodeSoon(child: ChildProcess): Promise<number | null | undefined> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(undefined);
    }, LAUNCHER_VERDICT_MS);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      resolve(code);
    };
    child.once('exit', onExit);
  });
}

/**
 * Opens `url` in the system browser (the `BROWSER` environment variable is honoured on Linux through xdg-open).
 *
 * @throws TypeError when `url` is not an http(s) URL; {@link BrowserLaunchError} when no browser could be launched
 *   (no launcher is installed, or each reports failure). The message never contains the URL: it carries the user's
 *   login hint; give the URL to the user through your own channel (see {@link openBrowserOrShowUrl}).
 */
export const defaultOpenBrowser: OpenBrowser = async (url: string): Promise<void> => {
  checkUrl(url);
  // On Windows, the URL goes through a command line that the handler splits itself: pass the serialized form, in which
  // spaces and quotes are percent-encoded. Elsewhere the argument reaches the launcher exactly as given.
  const argument = process.platform === 'win32' ? new URL(url).href : url;
  const failures: string[] = [];
  let firstError: unknown;
  for (const launcher of launchers(process.platform, process.env)) {
    let child: ChildProcess;
    try {
      child = await start(launcher, argument);
    } catch (err) {
      firstError ??= err;
      failures.push(`${launcher[0]}: ${(err as NodeJS.ErrnoException).code ?? 'could not start'}`);
      continue;
    }
    const code = await exitCodeSoon(child);
    if (code === undefined || code === 0) return;
    failures.push(`${launcher[0]} exited with ${code === null ? 'a signal' : `status ${code}`}`);
  }
  throw new BrowserLaunchError(`${HOW_TO} (${failures.join('; ')})`, { cause: firstError });
};

/**
 * Opens `url` with `openBrowser`; when that fails, hands the URL to `showUrl` so the user can open it (as MSAL
 * Python's `auth_uri_callback`), and the caller keeps waiting for the redirect.
 *
 * @param openBrowser - The launcher, e.g. {@link defaultOpenBrowser} or one that drives a test browser.
 * @param url - The authorize URL.
 * @param showUrl - Shows the URL to the user (print it, put it in the UI). Without it, a failure is thrown.
 * @returns `true` when a browser was launched, `false` when the URL went to `showUrl`.
 * @throws {@link BrowserLaunchError} when launching failed and there is no `showUrl` (the original error is `cause`).
 */
export async function openBrowserOrShowUrl(openBrowser: OpenBrowser, url: string, showUrl?: (url: string) => void | Promise<void>): Promise<boolean> {
  if (typeof openBrowser !== 'function') throw new TypeError('openBrowser must be a function');
  if (showUrl !== undefined && typeof showUrl !== 'function') throw new TypeError('showUrl must be a function');
  try {
    await openBrowser(url);
    return true;
  } catch (err) {
    if (err instanceof TypeError) throw err;
    if (showUrl === undefined) throw err instanceof BrowserLaunchError ? err : new BrowserLaunchError(HOW_TO, { cause: err });
    await showUrl(url);
    return false;
  }
}
