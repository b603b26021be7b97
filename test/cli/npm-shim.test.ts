// The `msal-ts` command as Windows users start it: through the msal-ts.cmd shim that npm writes for the package's bin.
// npm itself (its own CLI, run by node.exe) installs the packed tarball globally into a prefix whose path has a space
// and non-ASCII letters (as "C:\Program Files\nodejs" and a user profile can), offline, from a cache that
// scripts/windows-lane.sh filled; then cmd.exe runs the shim. Wine has no PowerShell, so msal-ts.ps1 is only checked to
// be written, not run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { PublicClientApplication, SerializableTokenCache } from '../../src/index.js';
import { cacheDir, type CliRun, emulatorFlags, ON_WINDOWS, privateEnv, REPO } from './helpers.js';

/** What the Windows lane provides (Windows paths): npm's CLI, the packed msal-ts, and the npm cache to install from. */
const LANE = {
  npmCli: process.env.MSAL_TS_LANE_NPM_CLI,
  packed: process.env.MSAL_TS_LANE_PACKED,
  npmCache: process.env.MSAL_TS_LANE_NPM_CACHE,
};
const PROVIDED = LANE.npmCli !== undefined && LANE.packed !== undefined && LANE.npmCache !== undefined;

// Under CI=true the lane must have set it up: a missing setup fails in before() instead of skipping.
const SKIP = !ON_WINDOWS
  ? 'npm writes msal-ts.cmd and msal-ts.ps1 on Windows only: this suite runs in the Windows lane (scripts/windows-lane.sh)'
  : !PROVIDED && process.env.CI !== 'true' && 'needs the npm and packed tarball that scripts/windows-lane.sh provides (MSAL_TS_LANE_*)';

/**
 * npm's shim ends with `endLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & "%_prog%" ...cli.cjs %*`: on Windows
 * the failed goto ends the batch (no "Terminate batch job?" prompt on Ctrl+C) while cmd still runs the rest of the
 * line it had parsed, so node's exit code is the shim's. Wine 8's cmd.exe ends the batch at the failed goto and runs
 * nothing after it (so the shim prints nothing and exits 0 there).
 */
const GOTO_IDIOM = 'goto #_undefined_# 2>NUL || title %COMSPEC% & ';

const GRAPH = 'https://graph.microsoft.com/User.Read';

/** Runs a child to completion with its output. */
function run(command: string, args: readonly string[], options: { env: Record<string, string>; cwd?: string; verbatim?: boolean }): Promise<CliRun> {
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, windowsVerbatimArguments: options.verbatim, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** Runs `cmd.exe /d /s /c "<command line>"` in `cwd`, each argument quoted for cmd where it needs it. */
function runCmd(args: readonly string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  for (const a of args) assert.doesNotMatch(a, /["%^&|<>]/, `cmd would reinterpret ${a}`);
  const line = args.map((a) => (/^[\w.:/-]+$/.test(a) ? a : `"${a}"`)).join(' ');
  return run('cmd.exe', ['/d', '/s', '/c', `"${line}"`], { env, cwd, verbatim: true });
}

/** The environment with `dirs` first on its search path (Windows spells the variable in any case: keep one). */
function withPath(env: Record<string, string>, dirs: readonly string[]): Record<string, string> {
  const out = { ...env };
  const key = Object.keys(out).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
  out[key] = [...dirs, out[key] ?? ''].join(';');
  return out;
}

/** Whether this cmd.exe runs the rest of a line after a `goto` to a missing label (see {@link GOTO_IDIOM}). */
async function cmdContinuesAfterFailedGoto(dir: string, env: Record<string, string>): Promise<boolean> {
  const probe = join(dir, 'goto-probe.cmd');
  await writeFile(probe, '@echo off\r\ngoto #_undefined_# 2>NUL || echo continued\r\n');
  try {
    return (await runCmd([probe], env, dir)).stdout.includes('continued');
  } finally {
    await rm(probe);
  }
}

describe('the msal-ts.cmd shim that npm writes, run by cmd.exe', { skip: SKIP }, () => {
  let prefix = '';
  let home = '';
  let env: Record<string, string> = {};
  let emulator: Emulator | undefined;

  before(async () => {
    assert.ok(PROVIDED, 'the Windows lane must set MSAL_TS_LANE_NPM_CLI, MSAL_TS_LANE_PACKED and MSAL_TS_LANE_NPM_CACHE');
    prefix = await mkdtemp(join(tmpdir(), 'msal-ts npm Zoë Ümlaut-'));
    ({ home, env } = await privateEnv());
    // node.exe's folder on the path, as the Node.js installer puts it (the shim runs `node`), then npm's global prefix.
    env = withPath(env, [dirname(process.execPath), prefix]);
    // --ignore-scripts skips koffi's install-time check for its prebuilt binary: 45 s more under Wine, and koffi's.
    const flags = ['--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
    const install = await run(
      process.execPath,
      [LANE.npmCli ?? '', 'install', '--global', '--prefix', prefix, '--cache', LANE.npmCache ?? '', ...flags, LANE.packed ?? ''],
      { env },
    );
    assert.equal(install.code, 0, `npm install failed: ${install.stderr}`);
  });
  after(async () => {
    await emulator?.close();
    const retry = { recursive: true, force: true, maxRetries: 5, retryDelay: 100 } as const;
    if (prefix !== '') await rm(prefix, retry);
    if (home !== '') await rm(home, retry);
  });

  it('npm writes msal-ts.cmd and msal-ts.ps1 for the bin, both starting dist/cli.cjs of the installed package', async () => {
    const target = /node_modules[\\/]msal-ts[\\/]dist[\\/]cli\.cjs/;
    assert.ok(existsSync(join(prefix, 'node_modules', 'msal-ts', 'dist', 'cli.cjs')));
    assert.ok(existsSync(join(prefix, 'node_modules', 'msal-ts', 'node_modules', '@koromix', 'koffi-win32-x64')), 'koffi for win32-x64');
    const cmd = await readFile(join(prefix, 'msal-ts.cmd'), 'utf8');
    assert.match(cmd, target);
    assert.ok(cmd.includes(GOTO_IDIOM), 'the shim line this suite knows how Wine runs');
    // Wine has no PowerShell: the .ps1 shim is written by npm but run nowhere here (docs/extensions.md says so).
    assert.match(await readFile(join(prefix, 'msal-ts.ps1'), 'utf8'), target);
  });

  it('cmd /c msal-ts.cmd: --version and --help print and exit 0, bad usage exits 2 with its message', async (t) => {
    if (!(await cmdContinuesAfterFailedGoto(home, env))) {
      // Wine 8's cmd.exe: run npm's shim without the one idiom it cannot run (see GOTO_IDIOM); everything else as written.
      const path = join(prefix, 'msal-ts.cmd');
      await writeFile(path, (await readFile(path, 'utf8')).replace(GOTO_IDIOM, ''));
      t.diagnostic("this cmd.exe ends a batch at a failed goto (Wine): the shim runs without npm's goto idiom");
    }
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const byName = await runCmd(['msal-ts.cmd', '--version'], env, home);
    assert.deepEqual(byName, { code: 0, stdout: `${version}\n`, stderr: '' });
    // Found on the path through PATHEXT, as a user types it; and by its full path, which has a space and non-ASCII.
    assert.deepEqual(await runCmd(['msal-ts', '--version'], env, home), byName);
    assert.deepEqual(await runCmd([join(prefix, 'msal-ts.cmd'), '-v'], env, home), byName);
    const help = await runCmd(['msal-ts', '--help'], env, home);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: msal-ts <command>/);
    const bad = await runCmd(['msal-ts', 'frobnicate'], env, home);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^msal-ts: unknown command 'frobnicate'/);
  });

  it('cmd /c msal-ts token serves a token from a plaintext cache file, with no token request (exit 0)', async () => {
    emulator = await startEmulator();
    // A user signed in earlier: the cache file as the CLI keeps it under %LOCALAPPDATA%.
    const tokenCache = new SerializableTokenCache();
    const app = new PublicClientApplication(DEFAULT_IDS.publicClientId, {
      authority: emulator.authority,
      verify: emulator.caPath,
      instanceDiscovery: false,
      tokenCache,
    });
    const signedIn = await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, [GRAPH]);
    await mkdir(cacheDir(home), { recursive: true });
    await writeFile(join(cacheDir(home), 'token-cache.json'), tokenCache.serialize());
    emulator.resetCounters();

    const r = await runCmd(['msal-ts', 'token', '--scope', GRAPH, '--no-interactive', '--json', ...emulatorFlags(emulator)], env, home);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out['access_token'], signedIn.access_token);
    assert.equal(out['token_source'], 'cache');
    assert.equal(out['account'], DEFAULT_IDS.aliceUsername);
    assert.equal(emulator.counters()['token'] ?? 0, 0);
  });
});
