// The built `msal-ts` command (dist/cli.cjs) end to end against the emulator, each run a child process with a private
// HOME: device code login approved through the admin API by this (other) process, browser login through BROWSER,
// tokens served from the persisted cache with no HTTP request (the emulator's counters), accounts, logout, --json,
// and every exit code.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import {
  adminPost,
  cacheDir,
  configDir,
  ON_WINDOWS,
  emulatorFlags,
  ensureBuilt,
  preloading,
  privateEnv,
  REPO,
  runCli,
  startCli,
  startCliForCtrlC,
  type InterruptibleCli,
  totalRequests,
  USER_CODE,
} from './helpers.js';

const ALICE = DEFAULT_IDS.aliceUsername;
const BOB = DEFAULT_IDS.bobUsername;
const GRAPH = 'https://graph.microsoft.com/User.Read';
const MAIL = 'https://graph.microsoft.com/Mail.Read';

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

describe('msal-ts command against the emulator', () => {
  let emulator: Emulator;
  let home: string;
  let env: Record<string, string>;
  let flags: string[];

  before(async () => {
    ensureBuilt();
    emulator = await startEmulator({ deviceCodeIntervalSeconds: 1 });
    ({ home, env } = await privateEnv());
    flags = emulatorFlags(emulator);
  });
  after(async () => {
    await emulator.close();
    await rm(home, { recursive: true, force: true });
  });

  /** `login --device-code`, approved (or denied) through the admin API once the CLI shows the code. */
  async function deviceLogin(
    username: string | undefined,
    extra: string[] = [],
    runEnv = env,
  ): Promise<{ code: number | null; stdout: string; stderr: string; userCode: string }> {
    const cli = startCli(['login', '--device-code', ...flags, ...extra], runEnv);
    const [, userCode = ''] = await cli.waitForStderr(USER_CODE);
    if (username === undefined) await adminPost(emulator, '/_emulator/device/deny', { user_code: userCode });
    else await adminPost(emulator, '/_emulator/device/approve', { user_code: userCode, username });
    return { ...(await cli.done), userCode };
  }

  it('--help works for every command and exits 0; no command is bad usage (2)', async () => {
    for (const command of ['login', 'token', 'accounts', 'logout', 'emulator']) {
      const r = await runCli([command, '--help'], env);
      assert.equal(r.code, 0, command);
      assert.match(r.stdout, new RegExp(`^Usage: msal-ts ${command}`), command);
      assert.match(r.stdout, /Exit codes|docs\/emulator\.md/, command);
    }
    const top = await runCli(['--help'], env);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /Commands:\n {2}login/);
    assert.match(top.stdout, /Try it offline:[^]*msal-ts login --emulator --device-code --plaintext-cache/, 'the hint works without a keyring');
    const none = await runCli([], env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage: msal-ts <command>/);
  });

  it('token --no-interactive before anyone signed in exits 3 with one line on stderr', async () => {
    const r = await runCli(['token', '--scope', GRAPH, '--no-interactive', ...flags], env);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^msal-ts token: interaction required: nobody is signed in; run `msal-ts login`/);
  });

  it('login --device-code shows the code and URL, waits for the approval, and stores the account (--json)', async () => {
    emulator.resetCounters();
    const r = await deviceLogin(ALICE, ['--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`open ${emulator.url}/devicelogin in a browser`));
    assert.match(r.userCode, /^[A-Z0-9]{6,}$/);
    assert.match(r.stderr, /warning: tokens are stored unencrypted in .*token-cache\.json \(--plaintext-cache/);
    const out = JSON.parse(r.stdout) as { account: Record<string, string>; expires_on: number; token_source: string };
    assert.equal(out.account['username'], ALICE);
    assert.equal(out.account['tenant_id'], DEFAULT_IDS.tenantId);
    assert.equal(out.token_source, 'identity_provider');
    assert.ok(out.expires_on > Date.now() / 1000);
    assert.equal(emulator.counters()['devicecode'], 1);
    const cache = JSON.parse(await readFile(join(cacheDir(home), 'token-cache.json'), 'utf8')) as Record<string, object>;
    assert.equal(Object.keys(cache['RefreshToken'] ?? {}).length, 1, 'the refresh token is persisted');
  });

  it('a home with spaces and non-ASCII letters: login stores the cache there (DPAPI-encrypted on Windows), token reads it back', async () => {
    const { home: h, env: e } = await privateEnv({}, 'msal-ts-cli-Zoë Ümlaut ');
    try {
      // Windows encrypts by default (DPAPI always works there); Linux has no keyring in this process, hence plaintext.
      const here = ON_WINDOWS ? flags.filter((f) => f !== '--plaintext-cache') : flags;
      const cli = startCli(['login', '--device-code', '--json', ...here], e);
      const [, userCode = ''] = await cli.waitForStderr(USER_CODE);
      await adminPost(emulator, '/_emulator/device/approve', { user_code: userCode, username: ALICE });
      const login = await cli.done;
      assert.equal(login.code, 0, login.stderr);
      const file = join(cacheDir(h), ON_WINDOWS ? 'token-cache.bin' : 'token-cache.json');
      const stored = await readFile(file);
      if (ON_WINDOWS) {
        assert.doesNotMatch(login.stderr, /unencrypted/);
        assert.ok(!stored.includes('RefreshToken') && !stored.includes(ALICE), 'the file is a DPAPI blob, not the cache in clear');
      }
      const r = await runCli(['token', '--scope', GRAPH, '--json', '--no-interactive', ...here], e);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as Record<string, unknown>)['account'], ALICE);
    } finally {
      await rm(h, { recursive: true, force: true });
    }
  });

  it('token: the first call refreshes for the new scope, the next is served from the persisted cache with no HTTP request', async () => {
    emulator.resetCounters();
    const first = await runCli(['token', '--scope', MAIL, '--json', ...flags], env);
    assert.equal(first.code, 0, first.stderr);
    const a = JSON.parse(first.stdout) as Record<string, unknown>;
    assert.equal(a['token_source'], 'identity_provider');
    assert.equal(emulator.counters()['token:refresh_token'], 1);
    assert.equal(emulator.counters()['openid-configuration'] ?? 0, 0, 'discovery came from the http cache login persisted');

    emulator.resetCounters();
    const second = await runCli(['token', '--scope', MAIL, '--json', '--no-interactive', ...flags], env);
    assert.equal(second.code, 0, second.stderr);
    const b = JSON.parse(second.stdout) as Record<string, unknown>;
    assert.equal(b['token_source'], 'cache');
    assert.equal(b['access_token'], a['access_token']);
    assert.equal(typeof a['scope'], 'string');
    assert.equal(b['scope'], a['scope'], 'scope is the granted scope string, fresh or cached');
    assert.equal(b['account'], ALICE);
    assert.equal(b['token_type'], 'Bearer');
    assert.ok(typeof b['expires_in'] === 'number' && b['expires_in'] > 3000);
    assert.equal(totalRequests(emulator.counters()), 0, JSON.stringify(emulator.counters()));
    assert.equal(second.stderr, '', 'a cache hit prints nothing on stderr');

    const raw = await runCli(['token', '--scope', MAIL, ...flags], env);
    assert.equal(raw.code, 0);
    assert.equal(raw.stdout, `${String(a['access_token'])}\n`, 'without --json: the raw token and a newline');
    assert.equal(totalRequests(emulator.counters()), 0);
  });

  it('token from the cache does not read the http cache; a run that sends a request does (a damaged one is said with --verbose)', async () => {
    const file = join(cacheDir(home), 'http-cache.json');
    const saved = await readFile(file, 'utf8');
    try {
      await writeFile(file, 'not json');
      const hit = await runCli(['token', '--scope', MAIL, '--no-interactive', '--verbose', ...flags], env);
      assert.equal(hit.code, 0, hit.stderr);
      assert.doesNotMatch(hit.stderr, /http cache/, 'the file was not opened');
      emulator.resetCounters();
      const refresh = await runCli(['token', '--scope', 'https://graph.microsoft.com/Calendars.Read', '--no-interactive', '--verbose', ...flags], env);
      assert.equal(refresh.code, 0, refresh.stderr);
      assert.match(refresh.stderr, /http cache .*http-cache\.json not used: /);
      assert.equal(emulator.counters()['openid-configuration'], 1, 'discovery was fetched again');
    } finally {
      await writeFile(file, saved);
    }
  });

  it("token from the cache: the command's code cache is written by its first run and used by the next (--verbose)", async () => {
    const folder = join(cacheDir(home), 'code-cache');
    await rm(folder, { recursive: true, force: true });
    const args = ['token', '--scope', MAIL, '--no-interactive', '--verbose', ...flags];
    const first = await runCli(args, env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^msal-ts: code cache none yet \(written if this run succeeds\): .*code-cache[\\/]token-/m);
    const files = readdirSync(folder);
    assert.equal(files.length, 1, files.join(', '));
    if (!ON_WINDOWS) {
      assert.equal(statSync(folder).mode & 0o777, 0o700);
      assert.equal(statSync(join(folder, files[0] ?? '')).mode & 0o777, 0o600);
    }
    const second = await runCli(args, env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /^msal-ts: code cache used: /m);
    assert.equal(second.stdout, first.stdout, 'the same token, from the token cache');
  });

  it("token from the cache compiles the program's first file only; a run that sends a request loads the second, with a code cache of its own", async () => {
    const folder = join(cacheDir(home), 'code-cache');
    await rm(folder, { recursive: true, force: true });
    const report = preloading(env, join(import.meta.dirname, 'fixtures', 'report-program.cjs'));
    const files = (r: { stderr: string }): string => /^program files: (.*)$/m.exec(r.stderr)?.[1] ?? '';
    const hit = async (): Promise<string> => {
      const r = await runCli(['token', '--scope', MAIL, '--no-interactive', ...flags], report);
      assert.equal(r.code, 0, r.stderr);
      return files(r);
    };
    assert.equal(await hit(), 'cli-core.cjs compiled');
    assert.equal(await hit(), 'cli-core.cjs cached');
    // New scopes: the token comes from the refresh token, over the network half, which is in the second file.
    emulator.resetCounters();
    const refresh = async (scope: string): Promise<string> => {
      const r = await runCli(['token', '--scope', `https://graph.microsoft.com/${scope}`, '--no-interactive', ...flags], report);
      assert.equal(r.code, 0, r.stderr);
      return files(r);
    };
    assert.equal(await refresh('Files.Read'), 'cli-core.cjs cached, cli-apart.cjs compiled');
    assert.ok(totalRequests(emulator.counters()) > 0, 'the second run sent requests');
    const apartSize = statSync(join(REPO, 'dist', 'cli-apart.cjs')).size;
    assert.equal(readdirSync(folder).filter((f) => f.includes(`-${apartSize}-`)).length, 1, 'the second file has a code cache of its own');
    assert.equal(await refresh('Files.ReadWrite'), 'cli-core.cjs cached, cli-apart.cjs cached');
    assert.equal(await hit(), 'cli-core.cjs cached', 'a hit still loads the first file only');
  });

  it('refuses a second program file of another build, before any of its code runs, with what to do', async () => {
    // The installation as an upgrade caught halfway would leave it: the bin and the first file of one build, the second
    // file of another (its build mark changed).
    const copy = join(home, 'mixed-install', 'dist');
    await mkdir(copy, { recursive: true });
    for (const file of ['cli.cjs', 'cli-core.cjs', 'cli-apart.cjs']) await writeFile(join(copy, file), await readFile(join(REPO, 'dist', file)));
    const apart = await readFile(join(copy, 'cli-apart.cjs'), 'utf8');
    const mark = /programLink\?\.build!=="([0-9a-f-]{36})"/.exec(apart)?.[1];
    assert.ok(mark !== undefined, 'the second file checks its build mark first');
    await writeFile(join(copy, 'cli-apart.cjs'), apart.replace(mark, '00000000-0000-4000-8000-000000000000'));
    const r = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(
        process.execPath,
        [join(copy, 'cli.cjs'), 'token', '--scope', 'https://graph.microsoft.com/Sites.Read.All', '--no-interactive', ...flags],
        { env },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code) => done({ code, stderr }));
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cli-apart\.cjs is not of the build of the program that loads it; reinstall msal-ts/);
  });

  it('--version is answered by the bin without loading the program; --help gets a code cache of its own', async () => {
    const folder = join(cacheDir(home), 'code-cache');
    await rm(folder, { recursive: true, force: true });
    const report = join(import.meta.dirname, 'fixtures', 'report-program.cjs');
    for (const flag of ['--version', '-v']) {
      const version = await runCli([flag], preloading(env, report));
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout, `${(JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string }).version}\n`);
      assert.match(version.stderr, /^program loaded: no$/m);
    }
    assert.equal((await runCli(['--help'], env)).code, 0);
    assert.deepEqual(
      readdirSync(folder).map((f) => f.split('-')[0]),
      ['help'],
    );
    // The probe itself, on a command that does load the program:
    const help = await runCli(['--help'], preloading(env, report));
    assert.match(help.stderr, /^program loaded: yes$/m);
    const again = await runCli(['-h'], env);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Commands:\n {2}login/);
  });

  it("token from the cache writes its output without building Node's streams (POSIX; Windows consoles need them)", async () => {
    const report = join(import.meta.dirname, 'fixtures', 'report-streams.cjs');
    const r = await runCli(['token', '--scope', MAIL, '--no-interactive', ...flags], preloading(env, report));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
    assert.match(r.stderr, ON_WINDOWS ? /^streams built: yes$/m : /^streams built: no$/m);
  });

  it("token --output exec-credential prints only kubectl's ExecCredential, from the cache, in the apiVersion kubectl asks for", async () => {
    const cached = JSON.parse((await runCli(['token', '--scope', MAIL, '--json', '--no-interactive', ...flags], env)).stdout) as Record<string, unknown>;
    emulator.resetCounters();
    const r = await runCli(['token', '--scope', MAIL, '--output', 'exec-credential', '--no-interactive', ...flags], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.split('\n').length, 2, 'one line of JSON and nothing else on stdout');
    const credential = JSON.parse(r.stdout) as { apiVersion: string; kind: string; status: { token: string; expirationTimestamp: string } };
    assert.deepEqual(Object.keys(credential).sort(), ['apiVersion', 'kind', 'status']);
    assert.equal(credential.apiVersion, 'client.authentication.k8s.io/v1');
    assert.equal(credential.kind, 'ExecCredential');
    assert.deepEqual(Object.keys(credential.status).sort(), ['expirationTimestamp', 'token']);
    assert.equal(credential.status.token, cached['access_token']);
    assert.match(credential.status.expirationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'RFC 3339, UTC');
    // Both derive from the cached expires_in at whole seconds, a run apart: equal give or take that rounding.
    assert.ok(Math.abs(Date.parse(credential.status.expirationTimestamp) / 1000 - Number(cached['expires_on'])) <= 1);
    assert.equal(totalRequests(emulator.counters()), 0, 'served from the cache');

    const execInfo = JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1beta1', spec: { interactive: false } });
    const beta = await runCli(['token', '--scope', MAIL, '--output', 'exec-credential', ...flags], { ...env, KUBERNETES_EXEC_INFO: execInfo });
    assert.equal(beta.code, 0, beta.stderr);
    assert.equal((JSON.parse(beta.stdout) as { apiVersion: string }).apiVersion, 'client.authentication.k8s.io/v1beta1');

    const bad = await runCli(['token', '--scope', MAIL, '--output', 'yaml', ...flags], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--output must be token, json or exec-credential/);
    const alpha = JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1alpha1' });
    const old = await runCli(['token', '--scope', MAIL, '--output', 'exec-credential', ...flags], { ...env, KUBERNETES_EXEC_INFO: alpha });
    assert.equal(old.code, 2);
    assert.match(old.stderr, /KUBERNETES_EXEC_INFO asks for client\.authentication\.k8s\.io\/v1alpha1/);
  });

  it('accounts lists the signed-in account (text and --json)', async () => {
    const text = await runCli(['accounts', ...flags], env);
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`^${ALICE}\ttenant ${DEFAULT_IDS.tenantId}\t`));
    const json = await runCli(['accounts', '--json', ...flags], env);
    const list = JSON.parse(json.stdout) as Array<Record<string, string>>;
    assert.deepEqual(
      list.map((x) => [x['username'], x['tenant_id']]),
      [[ALICE, DEFAULT_IDS.tenantId]],
    );
    assert.match(list[0]?.['home_account_id'] ?? '', new RegExp(`\\.${DEFAULT_IDS.tenantId}$`));
  });

  it('with two accounts, token and logout need --account (2); --account picks one', async () => {
    const r = await deviceLogin(BOB, ['--tenant', DEFAULT_IDS.tenantId]);
    assert.equal(r.code, 0, r.stderr);
    const file = join(cacheDir(home), 'token-cache.json');
    assert.equal(r.stdout, `Signed in as ${BOB} (tenant ${DEFAULT_IDS.tenantId}). Tokens are cached in the plaintext file ${file}.\n`);
    const ambiguous = await runCli(['token', '--scope', GRAPH, '--no-interactive', ...flags], env);
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /2 accounts are signed in \(.*\): choose one with --account/);
    const logoutAmbiguous = await runCli(['logout', ...flags], env);
    assert.equal(logoutAmbiguous.code, 2);
    const bob = await runCli(['logout', '--account', BOB, '--json', ...flags], env);
    assert.equal(bob.code, 0, bob.stderr);
    assert.deepEqual(JSON.parse(bob.stdout), { signed_out: [BOB] });
    const alice = await runCli(['token', '--scope', GRAPH, '--account', ALICE, '--no-interactive', ...flags], env);
    assert.equal(alice.code, 0, alice.stderr);
  });

  it('logout removes the account: accounts is empty and token --no-interactive exits 3 again', async () => {
    const r = await runCli(['logout', ...flags], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Signed out ${ALICE}.\n`);
    const list = await runCli(['accounts', '--json', ...flags], env);
    assert.deepEqual(JSON.parse(list.stdout), []);
    const again = await runCli(['token', '--scope', GRAPH, '--no-interactive', ...flags], env);
    assert.equal(again.code, 3);
    const noop = await runCli(['logout', ...flags], env);
    assert.equal(noop.code, 0);
    assert.match(noop.stderr, /No account was signed in/);
  });

  it('login through the browser: BROWSER gets the authorize URL and the loopback redirect completes the sign-in', async () => {
    const browser = `${process.execPath} ${join(REPO, 'test', 'cli', 'fixtures', 'fake-browser.mjs')}`;
    const runEnv = { ...env, BROWSER: browser, FAKE_BROWSER_CA: emulator.caPath };
    emulator.resetCounters();
    const r = await runCli(['token', '--scope', GRAPH, '--login-hint', ALICE, '--timeout', '60', '--json', ...flags], runEnv);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Opening your browser to sign in/);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out['token_source'], 'identity_provider');
    assert.equal(out['account'], ALICE);
    assert.equal(emulator.counters()['authorize'], 1);
    assert.equal(emulator.counters()['token:authorization_code'], 1);
  });

  it('with no display (no DISPLAY or WAYLAND_DISPLAY, or SSH without one), token signs in with a device code and says so', async () => {
    const { home: h5, env: env5 } = await privateEnv();
    try {
      for (const k of ['DISPLAY', 'WAYLAND_DISPLAY', 'SSH_CONNECTION', 'SSH_TTY']) delete env5[k];
      const headless = { ...env5, SSH_CONNECTION: '192.0.2.1 50000 192.0.2.2 22' };
      const cli = startCli(['token', '--scope', GRAPH, '--json', ...flags], headless);
      const [, userCode = ''] = await cli.waitForStderr(USER_CODE);
      await adminPost(emulator, '/_emulator/device/approve', { user_code: userCode, username: ALICE });
      const r = await cli.done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /no display .*: signing in with a device code .*--browser/);
      assert.equal((JSON.parse(r.stdout) as Record<string, unknown>)['account'], ALICE);

      // --no-browser there still means the browser flow, printing its URL.
      const { home: h6, env: env6 } = await privateEnv();
      try {
        for (const k of ['DISPLAY', 'WAYLAND_DISPLAY', 'SSH_CONNECTION', 'SSH_TTY']) delete env6[k];
        const printed = startCliForCtrlC(['login', '--no-browser', ...flags], env6);
        await printed.waitForStderr(/Open this URL in a browser on this machine to sign in:\n.*\/authorize\?/);
        printed.ctrlC();
        const stopped = await printed.done;
        assert.equal(stopped.code, 130, stopped.stderr);
        assert.doesNotMatch(stopped.stderr, /device code|enter the code/);
      } finally {
        await rm(h6, { recursive: true, force: true });
      }
    } finally {
      await rm(h5, { recursive: true, force: true });
    }
  });

  it('--timeout SECONDS that runs out is reported in seconds (exit 4)', async () => {
    // Nobody signed in, and a browser command that never signs in.
    const { home: h7, env: env7 } = await privateEnv({ BROWSER: 'true' });
    try {
      const r = await runCli(['token', '--scope', GRAPH, '--timeout', '1', ...flags], env7);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /^msal-ts token: no sign-in within --timeout 1 second\b/m);
      assert.doesNotMatch(r.stderr, /\bms\b/);
    } finally {
      await rm(h7, { recursive: true, force: true });
    }
  });

  it('exit 4 when the sign-in is refused: an unknown client id, and a declined device code', async () => {
    const unknown = await runCli(['login', '--device-code', ...emulatorFlags(emulator, '99999999-9999-4999-8999-999999999999')], env);
    assert.equal(unknown.code, 4);
    assert.equal(unknown.stderr.trimEnd().split('\n').length, 1, unknown.stderr);
    assert.match(unknown.stderr, /^msal-ts login: .*AADSTS700016/);

    const denied = await deviceLogin(undefined);
    assert.equal(denied.code, 4);
    assert.match(denied.stderr, /access_denied/);
  });

  it('--verbose prints the full error: class, code, correlation id and the stack', async () => {
    const r = await runCli(['login', '--device-code', '--verbose', ...emulatorFlags(emulator, '99999999-9999-4999-8999-999999999999')], env);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /ServerError \[server_error\]: unauthorized_client|ServerError \[server_error\]: invalid_client/);
    assert.match(r.stderr, /correlationId: "[0-9a-f-]{36}"/);
    assert.match(r.stderr, /error_codes: \[700016\]/);
    assert.match(r.stderr, /\n {2}at /);
  });

  it('exit 5 when the identity provider cannot be reached', async () => {
    const r = await runCli(
      [
        'login',
        '--device-code',
        '--client-id',
        DEFAULT_IDS.publicClientId,
        '--authority',
        `https://127.0.0.1:1/${DEFAULT_IDS.tenantId}`,
        '--no-instance-discovery',
        '--plaintext-cache',
      ],
      env,
    );
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  });

  it('exit 5 when the service is failing (503), not 4', async () => {
    // More faults than the HTTP layer's bounded retry (one) consumes.
    emulator.injectFault({ kind: 'status', status: 503, endpoint: 'devicecode', count: 3 });
    try {
      const r = await runCli(['login', '--device-code', ...flags], env);
      assert.equal(r.code, 5, r.stderr);
      assert.match(r.stderr, /^msal-ts login: /);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      // The failure is remembered in the persisted http cache: the next run does not call the failing service again.
      emulator.clearFaults();
      emulator.resetCounters();
      const again = await runCli(['login', '--device-code', ...flags], env);
      assert.equal(again.code, 5, again.stderr);
      assert.equal(emulator.counters()['devicecode'] ?? 0, 0, 'throttled locally, across processes');
    } finally {
      emulator.clearFaults();
      await rm(join(cacheDir(home), 'http-cache.json'), { force: true });
    }
  });

  it('exit 130 on Ctrl+C while waiting for the device code sign-in, nobody signed in', async () => {
    // A real Ctrl+C: SIGINT on POSIX, a console CTRL_C_EVENT on Windows.
    const cli = startCliForCtrlC(['login', '--device-code', ...flags], env);
    await cli.waitForStderr(USER_CODE);
    cli.ctrlC();
    const r = await cli.done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /msal-ts login: interrupted: nobody was signed in\n$/);
  });

  it('exit 2 for bad usage: unknown command or option, a bad value, no client id, no scope', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['token', '--bogus', ...flags], /Unknown option '--bogus'.*msal-ts token --help/],
      [['login', '--port', 'eighty', ...flags], /--port must be an integer/],
      [['token', '--scopes', GRAPH, ...flags], /Unknown option '--scopes'.*did you mean --scope\?/],
      [['login', '--devicecode', ...flags], /did you mean --device-code\?/],
      [['emulator', '--auto-aprove', ALICE], /did you mean --auto-approve\?/],
      [['login', '--device-code', '--browser', ...flags], /--browser and --device-code cannot be used together/],
      [['token', '--scope', GRAPH, '--json', '--output', 'exec-credential', ...flags], /--json and --output exec-credential cannot be used together/],
      [['accounts', '--plaintext-cache'], /no client id: pass --client-id/],
      [['token', ...flags], /no scope: pass --scope/],
      [['logout', '--all', '--account', ALICE, ...flags], /--all and --account cannot be used together/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, env);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    }
  });

  it(
    'exit 6 when no encrypted store works and --plaintext-cache was not given, naming the flag',
    {
      skip: ON_WINDOWS && 'the encrypted store on Windows is DPAPI, which no environment variable can take away (the Linux case hides the D-Bus session)',
    },
    async () => {
      const noBus = { ...env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, 'no-bus')}` };
      const flagsEncrypted = flags.filter((f) => f !== '--plaintext-cache');
      const r = await runCli(['accounts', ...flagsEncrypted], noBus);
      assert.equal(r.code, 6, r.stderr);
      assert.match(r.stderr, /^msal-ts accounts: the encrypted token cache is not available \(.*\); pass --plaintext-cache/);
    },
  );

  it(
    'encrypted by default: with a Secret Service, the token lives in the keyring and the file is only a signal',
    {
      skip: ON_WINDOWS && 'the Secret Service (D-Bus, gnome-keyring) is Linux; Windows encrypts with DPAPI (the DPAPI test below)',
    },
    async () => {
      const { home: h4, env: env4 } = await privateEnv({ XDG_DATA_HOME: join(home, 'keyring-data') });
      try {
        const browser = `${process.execPath} ${join(REPO, 'test', 'cli', 'fixtures', 'fake-browser.mjs')}`;
        const base = ['token', '--scope', GRAPH, '--json', ...flags.filter((f) => f !== '--plaintext-cache')];
        const cli = (extra: string): string => [process.execPath, join(REPO, 'dist', 'cli.cjs'), ...base, extra].map((a) => `'${a}'`).join(' ');
        // A private D-Bus session with an unlocked gnome-keyring, as scripts/test-all.sh gives the whole suite.
        const script =
          'printf %s pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && ' + `${cli('--login-hint=' + ALICE)} && ${cli('--no-interactive')}`;
        const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
          const child = spawn('dbus-run-session', ['--', 'sh', '-c', script], {
            env: { ...env4, BROWSER: browser, FAKE_BROWSER_CA: emulator.caPath },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          let stderr = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
          child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
          child.on('close', (code) => done({ code, stdout, stderr }));
        });
        assert.equal(r.code, 0, r.stderr);
        const [first, second] = r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, string>);
        assert.equal(first?.['token_source'], 'identity_provider');
        assert.equal(second?.['token_source'], 'cache');
        assert.equal(second?.['access_token'], first?.['access_token']);
        assert.doesNotMatch(r.stderr, /unencrypted/);
        const dir = cacheDir(h4);
        assert.equal(existsSync(join(dir, 'token-cache.json')), false, 'no plaintext cache');
        assert.equal(await readFile(join(dir, 'token-cache.bin'), 'utf8'), '', 'the signal file holds nothing');
      } finally {
        await rm(h4, { recursive: true, force: true });
      }
    },
  );

  it('exit 6 on a corrupt cache file, which is left as it was', async () => {
    const { home: h2, env: env2 } = await privateEnv();
    try {
      const file = join(cacheDir(h2), 'token-cache.json');
      await mkdir(cacheDir(h2), { recursive: true });
      await writeFile(file, 'not json');
      const r = await runCli(['accounts', ...flags], env2);
      assert.equal(r.code, 6, r.stderr);
      assert.match(r.stderr, /does not hold an MSAL token cache/);
      assert.equal(await readFile(file, 'utf8'), 'not json');
    } finally {
      await rm(h2, { recursive: true, force: true });
    }
  });

  it('login with a corrupt cache file exits 6 before the user signs in', async () => {
    const { home: h2, env: env2 } = await privateEnv();
    try {
      const file = join(cacheDir(h2), 'token-cache.json');
      await mkdir(cacheDir(h2), { recursive: true });
      await writeFile(file, 'not json');
      emulator.resetCounters();
      const r = await runCli(['login', '--device-code', ...flags], env2);
      assert.equal(r.code, 6, r.stderr);
      assert.match(r.stderr, /does not hold an MSAL token cache/);
      assert.doesNotMatch(r.stderr, USER_CODE, 'no code was shown to sign in with');
      assert.equal(emulator.counters()['devicecode'] ?? 0, 0);
      assert.equal(await readFile(file, 'utf8'), 'not json');
    } finally {
      await rm(h2, { recursive: true, force: true });
    }
  });

  it('settings come from environment variables and a config file profile; an unknown profile is bad usage', async () => {
    const { home: h3, env: env3 } = await privateEnv();
    try {
      await mkdir(configDir(h3), { recursive: true });
      await writeFile(
        join(configDir(h3), 'config.json'),
        JSON.stringify({
          authority: 'https://login.microsoftonline.com/organizations',
          profiles: { emu: { authority: emulator.authority, ca: emulator.caPath, instanceDiscovery: false, scopes: GRAPH } },
        }),
      );
      const runEnv = { ...env3, MSAL_TS_CLIENT_ID: DEFAULT_IDS.publicClientId, MSAL_TS_PLAINTEXT_CACHE: '1', MSAL_TS_PROFILE: 'emu' };
      const cli = startCli(['token', '--device-code', '--json'], runEnv);
      const [, userCode = ''] = await cli.waitForStderr(USER_CODE);
      await adminPost(emulator, '/_emulator/device/approve', { user_code: userCode, username: ALICE });
      const r = await cli.done;
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as Record<string, string>;
      assert.match(out['scope'] ?? '', /User\.Read/);
      const bad = await runCli(['accounts', '--profile', 'nope'], runEnv);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /has no profile "nope"/);
    } finally {
      await rm(h3, { recursive: true, force: true });
    }
  });
});

/** Stops `msal-ts emulator` as a user would: SIGTERM on POSIX; on Windows, where kill() only terminates, Ctrl+C. */
function stopEmulator(cli: InterruptibleCli): void {
  if (ON_WINDOWS) cli.ctrlC();
  else cli.child.kill('SIGTERM');
}

describe('msal-ts emulator, and --emulator in the other commands', () => {
  it('runs in the foreground printing authority, CA and users; --emulator finds it; SIGTERM (Windows: Ctrl+C) stops it cleanly', async () => {
    ensureBuilt();
    const { home, env } = await privateEnv();
    const stateDir = join(home, 'emulator');
    const emulatorCli = startCliForCtrlC(['emulator', '--state-dir', stateDir], env);
    const { child } = emulatorCli;
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const closed = emulatorCli.done.then((r) => r.code);
    try {
      await new Promise<void>((resolveReady, reject) => {
        const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}`)), 60_000);
        child.stdout.on('data', () => {
          if (out.includes('Press Ctrl+C')) {
            clearTimeout(timer);
            resolveReady();
          }
        });
      });
      assert.match(out, /^Authority: {6}https:\/\/127\.0\.0\.1:\d+\/aaaabbbb-0000-cccc-1111-dddd2222eeee$/m);
      assert.match(out, new RegExp(`^CA certificate: ${escapeRegExp(join(stateDir, 'ca', 'cert.pem'))}$`, 'm'));
      assert.match(out, new RegExp(`${ALICE} +password: alice-password`));
      assert.match(out, /Sign in with the CLI: msal-ts login --emulator --device-code --plaintext-cache/);
      assert.ok(existsSync(join(stateDir, 'cli-emulator.json')));

      const r = await runCli(['accounts', '--emulator', '--emulator-state-dir', stateDir, '--plaintext-cache', '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), []);
      const missing = await runCli(['accounts', '--emulator', '--emulator-state-dir', join(home, 'none'), '--plaintext-cache'], env);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /no running emulator found/);
    } finally {
      stopEmulator(emulatorCli);
    }
    const code = await closed;
    assert.equal(code, 0);
    assert.match(out, /Emulator stopped\.\n$/);
    assert.equal(existsSync(join(stateDir, 'cli-emulator.json')), false, 'the state file goes with the emulator');
    await rm(home, { recursive: true, force: true });
  });

  it('--auto-approve USER covers the device code flow: login --emulator --device-code completes with no one approving', async () => {
    ensureBuilt();
    const { home, env } = await privateEnv();
    const stateDir = join(home, 'emulator');
    const emulatorCli = startCliForCtrlC(['emulator', '--state-dir', stateDir, '--auto-approve', ALICE], env);
    const { child } = emulatorCli;
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const closed = emulatorCli.done.then((r) => r.code);
    try {
      await new Promise<void>((resolveReady, reject) => {
        const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}`)), 60_000);
        child.stdout.on('data', () => {
          if (out.includes('Press Ctrl+C')) {
            clearTimeout(timer);
            resolveReady();
          }
        });
      });
      const r = await runCli(['login', '--emulator', '--emulator-state-dir', stateDir, '--device-code', '--plaintext-cache', '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { account: Record<string, string> }).account['username'], ALICE);
    } finally {
      stopEmulator(emulatorCli);
    }
    assert.equal(await closed, 0, 'the emulator stops cleanly');
    await rm(home, { recursive: true, force: true });
  });
});
