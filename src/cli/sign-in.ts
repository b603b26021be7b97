/**
 * Interactive sign-in for `msal-ts login` and `msal-ts token`: the system browser on a loopback redirect (default), or
 * the device code flow for machines without a browser, with the code, the URL and a live countdown on stderr.
 */
import { spawn } from 'node:child_process';
import { styleText } from 'node:util';
import type { AuthenticationResult } from '../app/authentication-result.js';
import { startCountdown, useColor } from './countdown.js';
import { CliError, EXIT } from './exit-codes.js';
import type { Session } from './session.js';

/** How to sign in. */
export interface SignInOptions {
  deviceCode: boolean;
  /** Prefills the username on the sign-in page. */
  loginHint: string | undefined;
  /** Print the sign-in URL instead of launching a browser. */
  noBrowser: boolean;
  /** Loopback port for the browser redirect; 0 picks a free one. */
  port: number;
  /** Give up waiting for the browser after this many seconds; undefined waits until Ctrl+C. */
  timeoutSeconds: number | undefined;
  /** Aborted by Ctrl+C. */
  signal: AbortSignal;
}

/**
 * The `BROWSER` convention (Python's webbrowser, git, many CLIs): a command, run with the URL as its last argument.
 * Honoured here directly rather than through xdg-open, which honours it only outside a desktop session.
 */
function browserFromEnv(command: string): (url: string) => Promise<void> {
  return (url) =>
    new Promise<void>((resolve, reject) => {
      const [file, ...args] = command.trim().split(/\s+/);
      if (file === undefined || file === '') {
        reject(new Error('BROWSER is empty'));
        return;
      }
      const child = spawn(file, [...args, url], { stdio: 'ignore', detached: true });
      child.once('error', reject);
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    });
}

function emphasize(session: Session, text: string): string {
  return useColor(session.io.stderr, session.io.env) ? styleText('bold', text) : text;
}

async function byDeviceCode(session: Session, scopes: readonly string[], options: SignInOptions): Promise<AuthenticationResult> {
  const { app, io } = session;
  const flow = await app.initiateDeviceFlow(scopes, { signal: options.signal });
  const url = flow.verification_uri;
  io.stderr.write(`To sign in, open ${emphasize(session, url)} in a browser on any device\n` + `and enter the code ${emphasize(session, flow.user_code)}\n`);
  if (io.stderr.isTTY !== true) io.stderr.write(`Waiting for sign-in (the code expires in ${Math.round(flow.expires_in / 60)} minutes)...\n`);
  const countdown = startCountdown(io.stderr, 'Waiting for you to sign in...', flow.expires_at * 1000);
  try {
    return await app.acquireTokenByDeviceFlow(flow, { signal: options.signal });
  } finally {
    countdown.stop();
  }
}

async function byBrowser(session: Session, scopes: readonly string[], options: SignInOptions): Promise<AuthenticationResult> {
  const { app, io } = session;
  const showUrl = (url: string): void => {
    io.stderr.write(`Open this URL in a browser on this machine to sign in:\n${url}\n`);
  };
  const browser = io.env['BROWSER'];
  return await app.acquireTokenInteractive(scopes, {
    loginHint: options.loginHint,
    port: options.port,
    timeoutMs: options.timeoutSeconds === undefined ? undefined : options.timeoutSeconds * 1000,
    signal: options.signal,
    showUrl,
    openBrowser: options.noBrowser
      ? (url) => {
          showUrl(url);
          return Promise.resolve();
        }
      : browser !== undefined && browser.trim() !== ''
        ? browserFromEnv(browser)
        : undefined,
    onBeforeLaunchingUi: () => {
      if (!options.noBrowser) io.stderr.write('Opening your browser to sign in (use --device-code on a machine without one)...\n');
    },
  });
}

/**
 * Signs a user in with the chosen flow.
 *
 * @throws the library's errors (typed, mapped to exit codes by the caller); CliError (interrupted) on Ctrl+C.
 */
export async function signIn(session: Session, scopes: readonly string[], options: SignInOptions): Promise<AuthenticationResult> {
  try {
    return options.deviceCode ? await byDeviceCode(session, scopes, options) : await byBrowser(session, scopes, options);
  } catch (err) {
    if (options.signal.aborted) throw new CliError(EXIT.interrupted, 'interrupted: nobody was signed in', { cause: err });
    const seconds = options.timeoutSeconds;
    if ((err as { code?: unknown }).code === 'browser_interaction_timeout' && seconds !== undefined) {
      // The library counts in milliseconds; the user gave seconds.
      throw new CliError(EXIT.authFailed, `no sign-in within --timeout ${seconds} second${seconds === 1 ? '' : 's'}: nobody was signed in`, { cause: err });
    }
    throw err;
  }
}

/** Runs `fn` with a signal that Ctrl+C (SIGINT) or SIGTERM aborts, instead of killing the process mid-draw. */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const abort = (): void => {
    controller.abort();
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  }
}
