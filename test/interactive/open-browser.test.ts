import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserLaunchError } from '../../src/errors.js';
import { defaultOpenBrowser, openBrowserOrShowUrl } from '../../src/interactive/open-browser.js';

// xdg-open uses $BROWSER when it detects no desktop; make sure it detects none in this process.
for (const name of ['XDG_CURRENT_DESKTOP', 'DESKTOP_SESSION', 'KDE_FULL_SESSION', 'GNOME_DESKTOP_SESSION_ID', 'DISPLAY', 'WAYLAND_DISPLAY']) {
  delete process.env[name];
}

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

  it('hands the exact URL to the browser that BROWSER names (through xdg-open on Linux)', async () => {
    const out = join(dir, 'url.txt');
    const script = join(dir, 'fake-browser.sh');
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" > '${out}'\n`);
    chmodSync(script, 0o755);
    process.env.BROWSER = script;
    const url = 'https://127.0.0.1:8443/tenant/oauth2/v2.0/authorize?client_id=abc&scope=openid%20profile&state=x&redirect_uri=http%3A%2F%2Flocalhost%3A1234';
    await defaultOpenBrowser(url);
    assert.equal(await waitForFile(out), `${url}\n`);
  });

  it('throws BrowserLaunchError, without the URL in the message, when the launcher finds no browser', async () => {
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

  it('hands a URL with shell metacharacters to the browser unchanged: no shell runs between them', async () => {
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

  it('throws BrowserLaunchError naming the launcher when none is installed (no xdg-open on PATH)', async () => {
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

  it('refuses a URL that is not http(s) before launching anything', async () => {
    await assert.rejects(defaultOpenBrowser('file:///etc/passwd'), TypeError);
    await assert.rejects(defaultOpenBrowser('not a url'), TypeError);
  });
});

describe('openBrowserOrShowUrl', () => {
  const failing = (): Promise<void> => Promise.reject(new Error('no display'));

  it('returns true when the browser opened', async () => {
    const opened: string[] = [];
    assert.equal(await openBrowserOrShowUrl((u) => { opened.push(u); return Promise.resolve(); }, 'https://example.test/a', () => assert.fail('not shown')), true);
    assert.deepEqual(opened, ['https://example.test/a']);
  });

  it('gives the URL to showUrl when launching fails, and returns false', async () => {
    const shown: string[] = [];
    assert.equal(await openBrowserOrShowUrl(failing, 'https://example.test/b', (u) => { shown.push(u); }), false);
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
