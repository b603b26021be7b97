import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserLaunchError } from '../../src/errors.js';
import { defaultOpenBrowser, openBrowserOrShowUrl } from '../../src/interactive/open-browser.js';

// xdg-open uses $BROWSER when it detects no desktop; make sure it detects none in this process.
for (const name of ['XDG_CURRENT_DESKTOP', 'DESKTOP_SESSION', 'KDE_FULL_SESSION', 'GNOME_DESKTOP_SESSION_ID', 'DISPLAY', 'WAYLAND_DISPLAY']) {
  delete process.env[name];
}

/** Windows (node.exe in the Wine lane): the launcher is the URL handler of rundll32.exe, which reads no BROWSER. */
const ON_WINDOWS = process.platform === 'win32';
const XDG_ONLY = ON_WINDOWS && 'BROWSER is read by xdg-open; on Windows the URL goes to url.dll (the Windows tests below)';

async function waitForFile(path: string): Promise<string> {
  // The fake browser runs detached; poll until it has written (bounded, not a timing assertion).
  for (let i = 0; i < 200; i++) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text.endsWith('\n')) return text;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${path} was never written`);
}

describe('defaultOpenBrowser', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'msal-ts-open-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('hands the exact URL to the browser that BROWSER names (through xdg-open on Linux)', { skip: XDG_ONLY }, async () => {
    const out = join(dir, 'url.txt');
    const script = join(dir, 'fake-browser.sh');
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" > '${out}'\n`);
    chmodSync(script, 0o755);
    process.env.BROWSER = script;
    const url = 'https://127.0.0.1:8443/tenant/oauth2/v2.0/authorize?client_id=abc&scope=openid%20profile&state=x&redirect_uri=http%3A%2F%2Flocalhost%3A1234';
    await defaultOpenBrowser(url);
    assert.equal(await waitForFile(out), `${url}\n`);
  });

  it('throws BrowserLaunchError, without the URL in the message, when the launcher finds no browser', { skip: XDG_ONLY }, async () => {
    process.env.BROWSER = '/bin/false';
    const url = 'https://127.0.0.1:8443/authorize?login_hint=alice%40contoso.com';
    await assert.rejects(defaultOpenBrowser(url), (err: unknown) => {
      assert.ok(err instanceof BrowserLaunchError);
      assert.equal(err.code, 'browser_launch_failed');
      assert.match(err.message, /open the sign-in URL in a browser yourself/);
      assert.ok(!err.message.includes('alice'));
      return true;
    });
  });

  it('hands a URL with shell metacharacters to the browser unchanged: no shell runs between them', { skip: XDG_ONLY }, async () => {
    const out = join(dir, 'meta.txt');
    const marker = join(dir, 'should-not-exist');
    const script = join(dir, 'fake-browser-meta.sh');
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" > '${out}'\n`);
    chmodSync(script, 0o755);
    process.env.BROWSER = script;
    const url = `https://127.0.0.1:8443/authorize?a=1&b=$(touch%20${marker})&c=;id;&d=\`id\`&e='x'`;
    await defaultOpenBrowser(url);
    assert.equal(await waitForFile(out), `${url}\n`);
    assert.equal(existsSync(marker), false);
  });

  it('throws BrowserLaunchError naming the launcher when none is installed (no xdg-open on PATH)', { skip: XDG_ONLY }, async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = join(dir, 'empty-path');
    try {
      await assert.rejects(defaultOpenBrowser('https://127.0.0.1/authorize?login_hint=bob%40contoso.com'), (err: unknown) => {
        assert.ok(err instanceof BrowserLaunchError);
        assert.match(err.message, /xdg-open: ENOENT/);
        assert.ok(!err.message.includes('bob'));
        assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOENT');
        return true;
      });
    } finally {
      process.env.PATH = savedPath;
    }
  });

  // Under Wine the real url.dll would hand the URL to the host's browser: a stand-in rundll32.exe (a copy of node.exe
  // that records its arguments through NODE_OPTIONS) takes its place in a private %SystemRoot%.
  describe('on Windows', { skip: !ON_WINDOWS && 'rundll32.exe and url.dll exist on Windows only (run by the Windows lane)' }, () => {
    // A copy, not a link: Windows cannot delete a link to the running node.exe, and the folder is removed afterwards.
    function standIn(exe: string, copyOf: string = process.execPath): void {
      mkdirSync(join(exe, '..'), { recursive: true });
      if (copyOf === process.execPath) copyFileSync(copyOf, exe);
      else linkSync(copyOf, exe);
    }
    async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
      const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
      Object.assign(process.env, vars);
      try {
        return await fn();
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    }

    it('runs %SystemRoot%\\System32\\rundll32.exe by full path with url.dll,FileProtocolHandler and the URL, never one planted in the current folder', async () => {
      const root = join(dir, 'Windows');
      const launcher = join(root, 'System32', 'rundll32.exe');
      standIn(launcher);
      const cwd = join(dir, 'downloads');
      standIn(join(cwd, 'rundll32.exe'), launcher);
      // Whichever stand-in runs records which it was and what it was given.
      const recorded = join(dir, 'rundll32-run.json');
      const recorder = join(dir, 'record.cjs');
      writeFileSync(
        recorder,
        `require('node:fs').writeFileSync(${JSON.stringify(recorded)}, JSON.stringify([process.execPath, ...process.argv.slice(1)]) + '\\n'); process.exit(0);\n`,
      );
      const url = 'https://127.0.0.1:8443/authorize?a=1&b=%22q%22&c=x y';
      const savedCwd = process.cwd();
      process.chdir(cwd);
      try {
        await withEnv({ SystemRoot: root, NODE_OPTIONS: `--require ${recorder}` }, () => defaultOpenBrowser(url));
      } finally {
        process.chdir(savedCwd);
      }
      const [exe, handler, given, ...rest] = JSON.parse(await waitForFile(recorded)) as string[];
      assert.equal(exe?.toLowerCase(), launcher.toLowerCase(), 'the rundll32.exe of %SystemRoot%, not the one in the current folder');
      assert.match(handler ?? '', /url\.dll,FileProtocolHandler$/);
      assert.equal(given, new URL(url).href, 'the serialized URL: its space and quotes percent-encoded, one argument');
      assert.deepEqual(rest, []);
    });

    it('throws BrowserLaunchError naming rundll32.exe when %SystemRoot% has none', async () => {
      const empty = join(dir, 'NoWindows');
      mkdirSync(empty, { recursive: true });
      await withEnv({ SystemRoot: empty }, () =>
        assert.rejects(defaultOpenBrowser('https://127.0.0.1/authorize?login_hint=bob%40contoso.com'), (err: unknown) => {
          assert.ok(err instanceof BrowserLaunchError);
          assert.match(err.message, /rundll32\.exe: ENOENT/);
          assert.ok(!err.message.includes('bob'));
          return true;
        }),
      );
    });
  });

  it('refuses a URL that is not http(s) before launching anything', async () => {
    await assert.rejects(defaultOpenBrowser('file:///etc/passwd'), TypeError);
    await assert.rejects(defaultOpenBrowser('not a url'), TypeError);
  });
});

describe('openBrowserOrShowUrl', () => {
  const failing = (): Promise<void> => Promise.reject(new Error('no display'));

  it('returns true when the browser opened', async () => {
    const opened: string[] = [];
    assert.equal(
      await openBrowserOrShowUrl(
        (u) => {
          opened.push(u);
          return Promise.resolve();
        },
        'https://example.test/a',
        () => assert.fail('not shown'),
      ),
      true,
    );
    assert.deepEqual(opened, ['https://example.test/a']);
  });

  it('gives the URL to showUrl when launching fails, and returns false', async () => {
    const shown: string[] = [];
    assert.equal(
      await openBrowserOrShowUrl(failing, 'https://example.test/b', (u) => {
        shown.push(u);
      }),
      false,
    );
    assert.deepEqual(shown, ['https://example.test/b']);
  });

  it('throws BrowserLaunchError with the cause when launching fails and there is no showUrl', async () => {
    await assert.rejects(openBrowserOrShowUrl(failing, 'https://example.test/c'), (err: unknown) => {
      assert.ok(err instanceof BrowserLaunchError);
      assert.ok(err.cause instanceof Error && err.cause.message === 'no display');
      return true;
    });
  });
});
