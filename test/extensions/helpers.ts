// Shared by the msal-ts/extensions tests: temporary directories, child processes running TypeScript fixtures, and the
// real Secret Service check.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import type * as Esbuild from 'esbuild';

export const PYTHON = '/usr/bin/python3';

/** Windows (node.exe, in the Wine lane): no POSIX modes, no Python peers, no Secret Service. */
export const ON_WINDOWS = process.platform === 'win32';

/** Skip reasons shared by the suites, so each skip says why it cannot apply on Windows. */
export const WINDOWS_SKIP = {
  python: 'the Python peer runs on Linux only (Debian python3; no Windows Python in the Wine lane)',
  readOnlyDir: 'Windows has no read-only directories: the read-only attribute on a folder does not stop file creation',
  symlink: 'creating symlinks needs a privilege on Windows, and sticky world-writable directories are POSIX',
  fifo: 'named pipes are not files on Windows (no mkfifo)',
} as const;

/**
 * A file's POSIX permission bits, or `undefined` on Windows, where Node.js reports 0666/0444 from the read-only
 * attribute and privacy comes from the user profile's ACLs instead.
 */
export function posixMode(path: string): number | undefined {
  return ON_WINDOWS ? undefined : statSync(path).mode & 0o777;
}

/** Asserts a file's POSIX permission bits; on Windows only that it exists (see {@link posixMode}). */
export function assertMode(path: string, mode: number): void {
  if (ON_WINDOWS) assert.ok(statSync(path).isFile() || statSync(path).isDirectory());
  else assert.equal(posixMode(path), mode);
}

/** A module path as `import()` takes it: a file URL (a `Z:\` path is read as a URL scheme on Windows). */
export function moduleSpecifier(path: string): string {
  return pathToFileURL(path).href;
}
export const FIXTURES = join(import.meta.dirname, 'fixtures');
export const run = promisify(execFile);

/** A fresh private directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `msal-ts-${prefix}-`));
  // Retries: on Windows a file another handle still has open is deleted only when that handle closes.
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }) };
}

/** Runs a TypeScript fixture in a child Node.js process and resolves with its stdout (rejects on a non-zero exit). */
export async function runFixture(
  script: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; uid?: number } = {},
): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(FIXTURES, script), ...args], {
    env: options.env ?? process.env,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Starts a TypeScript fixture without waiting for it. The caller kills it by pid. */
export function startFixture(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, script), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the first stdout line of a child that contains `marker`. */
export function waitForLine(child: ChildProcess, marker: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`no "${marker}" from child within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      const line = buffer.split('\n').find((l) => l.includes(marker));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    // 'close', not 'exit': a child that prints the line and exits at once can exit before the line has been read.
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before "${marker}"; stderr: ${stderr}`));
    });
  });
}

/** The pid of a process that has exited (and been reaped). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid;
  await exited(child);
  if (pid === undefined) throw new Error('the short-lived child got no pid');
  return pid;
}

/** Waits for a child to exit, with its exit code; what it printed may not all have been read yet (see {@link closed}). */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Resolves once the child has exited and its output streams have closed, with how it ended. Wait for this, not for
 * {@link exited}, before reading what the child printed: Node emits 'exit' possibly before the last of its output has
 * been read from the pipe (a worker that prints a line and SIGKILLs itself at once was seen to end "without a report").
 */
export function closed(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.stdout?.closed !== false && child.stderr?.closed !== false && (child.exitCode !== null || child.signalCode !== null)) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

/** How to run the libsecret suites, for failure messages. */
export const KEYRING_HINT =
  "run the suite inside a D-Bus session with an unlocked gnome-keyring: XDG_DATA_HOME=$(mktemp -d) dbus-run-session -- sh -c 'printf %s pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && node scripts/run-tests.mjs test/extensions'";

/**
 * Bundles a TypeScript fixture into one ESM (or CommonJS) file that plain Node.js starts in a fraction of tsx's time
 * (for tests that start many processes). The bundle lives under node_modules/.cache so that koffi still resolves;
 * readable by all, so a fixture can run as another user. Returns the bundle's path.
 */
export function bundleFixture(script: string, format: 'esm' | 'cjs' = 'esm'): string {
  // Required, not imported, and built synchronously (one esbuild process for the call, not esbuild's service, which
  // tsx shares): under tsx, import('esbuild') in a test file that had run others gave an empty module on Node 22.23
  // ("build is not a function"), and the service's build never answered once on Node 26.12.
  const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
  const outDir = join(import.meta.dirname, '../../node_modules/.cache/msal-ts-tests');
  const outfile = join(outDir, `${script.replace(/\.ts$/, '')}-${process.pid}.${format === 'esm' ? 'mjs' : 'cjs'}`);
  buildSync({
    entryPoints: [join(FIXTURES, script)],
    outfile,
    bundle: true,
    format,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    define: { __MSAL_TS_VERSION__: '"test"' },
    logLevel: 'warning',
  });
  return outfile;
}
