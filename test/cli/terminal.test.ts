// What a person sees during `msal-ts login --device-code` in a real terminal (tmux, Debian's): the URL and the code,
// a spinner whose countdown moves (the screen captured at two moments differs), the cursor hidden while it spins,
// and, once signed in, a clean screen: no spinner left behind and the cursor back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { CLI, emulatorFlags, ensureBuilt, ON_WINDOWS, privateEnv, USER_CODE } from './helpers.js';

const exec = promisify(execFile);
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const COUNTDOWN = /Waiting for you to sign in\.\.\. (\d+):(\d\d) left/;

describe(
  'device code login in a terminal (tmux)',
  { skip: ON_WINDOWS && 'tmux is POSIX; the lane can press Ctrl+C in a Windows console (cli.test.ts) but does not read what one shows' },
  () => {
    let emulator: Emulator;
    let home: string;
    let env: Record<string, string>;
    let socket: string;

    before(async () => {
      ensureBuilt();
      emulator = await startEmulator({ deviceCodeIntervalSeconds: 1, deviceCodeLifetimeSeconds: 600 });
      ({ home, env } = await privateEnv());
      // The person's terminal: colours allowed.
      delete env['NO_COLOR'];
      socket = join(home, 'tmux.sock');
    });
    after(async () => {
      await exec('tmux', ['-S', socket, 'kill-server']).catch(() => undefined);
      await emulator.close();
      await rm(home, { recursive: true, force: true });
    });

    const tmux = async (...args: string[]): Promise<string> => (await exec('tmux', ['-S', socket, ...args])).stdout;
    const capture = (): Promise<string> => tmux('capture-pane', '-p', '-t', 'cli');

    /** Captures the pane until `test` accepts it (or fails after `timeoutMs`). */
    async function waitForScreen(test: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      let screen = '';
      while (Date.now() < deadline) {
        screen = await capture();
        if (test(screen)) return screen;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${what}; the screen was:\n${screen}`);
    }

    it('shows the code, the URL and a live countdown, then leaves a clean screen', async () => {
      const script = join(home, 'run.sh');
      const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
      await writeFile(
        script,
        [
          ...Object.entries(env)
            .filter(([k]) => /^[A-Z_][A-Z0-9_]*$/.test(k) && k !== 'TERM' && !k.startsWith('TMUX'))
            .map(([k, v]) => `export ${k}=${quote(v)}`),
          `${quote(process.execPath)} ${quote(CLI)} login --device-code ${emulatorFlags(emulator).map(quote).join(' ')}`,
          'echo "[exit $?]"',
          'sleep 600',
        ].join('\n'),
      );
      await tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'cli', '-x', '160', '-y', '20', `sh ${quote(script)}`);

      const first = await waitForScreen((s) => COUNTDOWN.test(s), 'the countdown');
      const code = first.match(USER_CODE)?.[1] ?? '';
      assert.match(code, /^[A-Z0-9]{6,}$/);
      assert.match(first, new RegExp(`To sign in, open ${emulator.url}/devicelogin in a browser on any device`));
      assert.match(first, SPINNER);
      assert.equal((await tmux('display', '-p', '-t', 'cli', '#{cursor_flag}')).trim(), '0', 'the cursor is hidden while spinning');
      const left = (s: string): number => {
        const m = s.match(COUNTDOWN);
        return Number(m?.[1]) * 60 + Number(m?.[2]);
      };
      const t1 = left(first);
      assert.ok(t1 > 500 && t1 <= 600, `countdown starts near 10:00, got ${t1}`);

      const second = await waitForScreen((s) => COUNTDOWN.test(s) && left(s) < t1, 'the countdown to move');
      assert.notEqual(second, first, 'the screen is live');
      assert.ok(left(second) < t1);
      assert.equal(second.split('\n').filter((l) => COUNTDOWN.test(l)).length, 1, 'the spinner redraws one line in place');

      emulator.approveDeviceCode(code, DEFAULT_IDS.aliceUsername);
      const end = await waitForScreen((s) => s.includes('[exit 0]'), 'the command to finish');
      assert.match(end, /Signed in as alice@contoso\.onmicrosoft\.com \(tenant aaaabbbb-0000-cccc-1111-dddd2222eeee\)/);
      assert.doesNotMatch(end, SPINNER, 'no spinner frame left behind');
      assert.doesNotMatch(end, /Waiting for you to sign in/, 'the spinner line was cleared');
      assert.match(end, new RegExp(`enter the code ${code}`), 'the instructions stay readable');
      assert.equal((await tmux('display', '-p', '-t', 'cli', '#{cursor_flag}')).trim(), '1', 'the cursor is back');
      // The result names the cache file, so it may wrap onto a second screen line.
      const result = end.slice(end.indexOf('Signed in as')).replace(/\n/g, '').trimEnd();
      assert.match(result, /^Signed in as [^]*Tokens are cached in the plaintext file \S+token-cache\.json\.\[exit 0\]$/, 'nothing printed after the result');
    });
  },
);
