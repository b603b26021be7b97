// Helpers of the CLI tests: the built command (dist/cli.cjs) run as a child process with a private HOME and cache, and
// the emulator's admin API called over HTTPS as a second party would.
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { DEFAULT_IDS, type Emulator } from '../../src/emulator/index.js';

export const REPO = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO, 'dist', 'cli.cjs');

/** Builds dist/ when it is missing (scripts/test-all.sh builds before the tests; a lone test run may not have). */
export function ensureBuilt(): void {
  if (!existsSync(CLI)) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
}

/** Windows (node.exe in the Wine lane): the CLI keeps its files under %LOCALAPPDATA%, and kill() only terminates. */
export const ON_WINDOWS = process.platform === 'win32';

/** How long a CLI child may run before it is killed as hung. */
const HANG_GUARD_MS = 180_000;

/** The CLI's default cache folder under a {@link privateEnv} home. */
export function cacheDir(home: string): string {
  return ON_WINDOWS ? join(home, 'AppData', 'Local', 'msal-ts') : join(home, 'cache', 'msal-ts');
}

/** The folder of the CLI's default config file under a {@link privateEnv} home. */
export function configDir(home: string): string {
  return ON_WINDOWS ? join(home, 'AppData', 'Local', 'msal-ts') : join(home, 'config', 'msal-ts');
}

/**
 * A private HOME with its own XDG folders (and %LOCALAPPDATA% for Windows), and an environment with no MSAL_TS_*
 * leaking in from the runner.
 */
export async function privateEnv(extra: Record<string, string> = {}, prefix = 'msal-ts-cli-'): Promise<{ home: string; env: Record<string, string> }> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MSAL_TS_') && k !== 'BROWSER') env[k] = v;
  Object.assign(env, {
    HOME: home,
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_CONFIG_HOME: join(home, 'config'),
    LOCALAPPDATA: join(home, 'AppData', 'Local'),
    NO_COLOR: '1',
    ...extra,
  });
  return { home, env };
}

/**
 * `env` with `file` preloaded (`--require`) into the CLI's process, after the NODE_OPTIONS it already has (the Windows
 * lane's keep-alive shim, without which a request fails under Wine).
 */
export function preloading(env: Record<string, string>, file: string): Record<string, string> {
  const options = [env['NODE_OPTIONS'], `--require ${JSON.stringify(file)}`].filter((o) => o !== undefined && o !== '');
  return { ...env, NODE_OPTIONS: options.join(' ') };
}

/** The flags that point the CLI at an in-process emulator with a plaintext cache. */
export function emulatorFlags(emulator: Emulator, clientId: string = DEFAULT_IDS.publicClientId): string[] {
  return ['--client-id', clientId, '--authority', emulator.authority, '--ca', emulator.caPath, '--no-instance-discovery', '--plaintext-cache'];
}

/** What a finished CLI run printed. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running CLI child with its output so far. */
export interface CliChild {
  readonly child: ChildProcessByStdio<Writable | null, Readable, Readable>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stderr. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<CliRun>;
}

/** Starts `node dist/cli.cjs ...args`. */
export function startCli(args: readonly string[], env: Record<string, string>): CliChild {
  return watchCli(spawn(process.execPath, [CLI, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** A running CLI child that can be sent a real Ctrl+C. */
export interface InterruptibleCli extends CliChild {
  /** Presses Ctrl+C: SIGINT on POSIX; on Windows a console CTRL_C_EVENT (see fixtures/console-host.mjs). */
  ctrlC(): void;
}

/**
 * Starts `node dist/cli.cjs ...args` so that {@link InterruptibleCli.ctrlC} reaches it as a user's Ctrl+C would. On
 * Windows the CLI runs under fixtures/console-host.mjs, in a console of its own, and `child` is that host, which
 * relays the CLI's output and exit code.
 */
export function startCliForCtrlC(args: readonly string[], env: Record<string, string>): InterruptibleCli {
  if (!ON_WINDOWS) {
    const cli = startCli(args, env);
    return { ...cli, ctrlC: () => cli.child.kill('SIGINT') };
  }
  const host = join(REPO, 'test', 'cli', 'fixtures', 'console-host.mjs');
  const child = spawn(process.execPath, [host, process.execPath, CLI, ...args], { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
  return { ...watchCli(child), ctrlC: () => child.stdin.write('ctrl-c\n') };
}

/** Collects a CLI child's output, kills it if it hangs, and resolves `done` when it closes. */
function watchCli(child: ChildProcessByStdio<Writable | null, Readable, Readable>): CliChild {
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const w of waiters.splice(0)) w();
  });
  // A run that hangs (waiting for a sign-in nobody makes) must fail its test, not the whole suite's time budget. A hang
  // guard, not a timing: generous, since node.exe under Wine on a loaded machine took 20 s just to print --help.
  const killer = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
  const done = new Promise<CliRun>((resolveRun) => {
    child.on('close', (code) => {
      clearTimeout(killer);
      for (const w of waiters.splice(0)) w();
      resolveRun({ code, stdout: out, stderr: err });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitForStderr(pattern, timeoutMs = HANG_GUARD_MS / 2) {
      return new Promise((resolveMatch, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in stderr after ${timeoutMs} ms: ${err}`)), timeoutMs);
        const check = (): void => {
          const m = err.match(pattern);
          if (m !== null) {
            clearTimeout(timer);
            resolveMatch(m);
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            reject(new Error(`the CLI exited (${child.exitCode}) before ${pattern} appeared: ${err}`));
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
  };
}

/** Runs the CLI to completion. */
export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  return startCli(args, env).done;
}

/** POSTs JSON to the emulator's admin API over HTTPS, trusting its CA, as another process would. */
export function adminPost(emulator: Emulator, path: string, body: unknown): Promise<unknown> {
  return new Promise((resolveBody, reject) => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${emulator.adminToken}` };
    const req = request(`${emulator.url}${path}`, { method: 'POST', ca: emulator.caPem, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        if (res.statusCode === 200) resolveBody(JSON.parse(text));
        else reject(new Error(`${path}: HTTP ${res.statusCode ?? '?'} ${text}`));
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Request counts per endpoint only ("token:<grant>" keys repeat the "token" count). */
export function totalRequests(counters: Record<string, number>): number {
  return Object.entries(counters)
    .filter(([k]) => !k.includes(':'))
    .reduce((sum, [, v]) => sum + v, 0);
}

/** The device code the CLI printed ("enter the code XXXX"). */
export const USER_CODE = /enter the code (\S+)/;
