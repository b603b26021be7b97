// acquireTokenInteractive end to end: the loopback redirect server, a browser stand-in that follows the emulator's
// no-UI authorize redirect with plain HTTP requests (query and form_post), the show-the-URL fallback, the timeout and
// abort paths.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { BrowserInteractionTimeoutError, BrowserLaunchError } from '../../src/errors.js';
import { fetchBrowser, GRAPH_USER_READ, makePca } from './helpers.js';

describe('acquireTokenInteractive against the emulator', () => {
  let emulator: Emulator;
  let browser: ReturnType<typeof fetchBrowser>;

  before(async () => {
    emulator = await startEmulator({ config: { autoApprove: DEFAULT_IDS.aliceUsername } });
    browser = fetchBrowser(emulator);
  });
  after(async () => {
    await browser.close();
    await emulator.close();
  });

  it('signs in through the loopback redirect (query) and caches the account', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const events: unknown[] = [];
    const result = await app.acquireTokenInteractive(GRAPH_USER_READ, {
      openBrowser: browser.open,
      onBeforeLaunchingUi: (info) => events.push(info),
      loginHint: DEFAULT_IDS.bobUsername,
      timeoutMs: 30_000,
    });
    assert.deepEqual(events, [{ ui: 'browser' }]);
    assert.equal(result.token_source, 'identity_provider');
    assert.equal(result.id_token_claims?.['preferred_username'], DEFAULT_IDS.bobUsername);
    const landed = new URL(browser.landed.at(-1) ?? '');
    assert.equal(landed.hostname, 'localhost');
    assert.ok(landed.searchParams.has('code'));
    const accounts = await app.getAccounts(DEFAULT_IDS.bobUsername.toUpperCase());
    assert.equal(accounts.length, 1);
  });

  it('signs in with response_mode=form_post on 127.0.0.1', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const result = await app.acquireTokenInteractive(GRAPH_USER_READ, {
      openBrowser: browser.open,
      responseMode: 'form_post',
      redirectHost: '127.0.0.1',
      timeoutMs: 30_000,
    });
    assert.equal(result.id_token_claims?.['preferred_username'], DEFAULT_IDS.aliceUsername);
    const landed = new URL(browser.landed.at(-1) ?? '');
    assert.equal(landed.hostname, '127.0.0.1');
    assert.equal(landed.search, '', 'the code travelled in the POST body, not the URL');
  });

  it('hands the URL to showUrl when the browser cannot be launched, and keeps waiting', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const shown: string[] = [];
    const result = await app.acquireTokenInteractive(GRAPH_USER_READ, {
      openBrowser: () => Promise.reject(new BrowserLaunchError('no browser here')),
      showUrl: async (url) => {
        shown.push(url);
        await browser.open(url);
      },
      timeoutMs: 30_000,
    });
    assert.equal(shown.length, 1);
    assert.equal(typeof result.access_token, 'string');
  });

  it('without showUrl, a launch failure rejects and the server is closed', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    let redirect = '';
    await assert.rejects(
      app.acquireTokenInteractive(GRAPH_USER_READ, {
        openBrowser: (url) => {
          redirect = new URL(url).searchParams.get('redirect_uri') ?? '';
          return Promise.reject(new BrowserLaunchError('no browser here'));
        },
      }),
      BrowserLaunchError,
    );
    await assert.rejects(fetch(redirect), 'nothing listens on the redirect URI any more');
  });

  it('times out when the browser never comes back', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    await assert.rejects(
      app.acquireTokenInteractive(GRAPH_USER_READ, { openBrowser: () => Promise.resolve(), timeoutMs: 200 }),
      BrowserInteractionTimeoutError,
    );
  });

  it('stops waiting when the signal aborts', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const controller = new AbortController();
    await assert.rejects(
      app.acquireTokenInteractive(GRAPH_USER_READ, {
        openBrowser: () => {
          controller.abort();
          return Promise.resolve();
        },
        signal: controller.signal,
      }),
      { code: 'request_aborted' },
    );
  });

  it('checks its options before opening anything', async () => {
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    let opened = false;
    const openBrowser = (): Promise<void> => {
      opened = true;
      return Promise.resolve();
    };
    await assert.rejects(app.acquireTokenInteractive(['profile'], { openBrowser }), RangeError);
    await assert.rejects(app.acquireTokenInteractive(GRAPH_USER_READ, { openBrowser, timeoutMs: -1 }), RangeError);
    assert.equal(opened, false);
  });
});
