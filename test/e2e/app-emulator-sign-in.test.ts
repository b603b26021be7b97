// PublicClientApplication against the emulator's real sign-in pages in Chromium: acquireTokenInteractive with an
// openBrowser that types the username and password and accepts consent, and a device code sign-in completed in the
// browser while acquireTokenByDeviceFlow polls.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { GRAPH_USER_READ, makePca } from '../app/helpers.js';
import { removeDir, tempDir } from '../emulator/helpers.js';
import { launchChromium } from './browser.js';

const WAIT_MS = 60_000;

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Accept' }).click();
}

describe("PublicClientApplication on the emulator's sign-in pages in Chromium", () => {
  let emulator: Emulator;
  let stateDir: string;
  before(async () => {
    stateDir = tempDir();
    // No autoApprove: every sign-in goes through the pages.
    emulator = await startEmulator({ stateDir, deviceCodeIntervalSeconds: 1 });
  });
  after(async () => {
    await emulator.close();
    removeDir(stateDir);
  });

  it('acquireTokenInteractive: the user types a password and accepts consent; the account is cached', async (t) => {
    const browser = await launchChromium(t);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    let driving: Promise<void> | undefined;
    const result = await app.acquireTokenInteractive(GRAPH_USER_READ, {
      loginHint: DEFAULT_IDS.aliceUsername,
      timeoutMs: WAIT_MS,
      openBrowser: async (url) => {
        await browser.page.goto(url);
        assert.equal(await browser.page.getByLabel('Username').inputValue(), DEFAULT_IDS.aliceUsername, 'login_hint prefills the form');
        driving = signIn(browser.page, DEFAULT_IDS.aliceUsername, 'alice-password');
      },
    });
    await driving;
    assert.equal(result.token_source, 'identity_provider');
    assert.equal(result.id_token_claims?.['preferred_username'], DEFAULT_IDS.aliceUsername);
    await browser.page.getByRole('heading', { name: 'Authentication complete' }).waitFor();
    const accounts = await app.getAccounts(DEFAULT_IDS.aliceUsername);
    assert.equal(accounts.length, 1);

    // The browser session remembers alice and her consent: the next interactive sign-in shows no page.
    const again = await app.acquireTokenInteractive(GRAPH_USER_READ, {
      timeoutMs: WAIT_MS,
      responseMode: 'form_post',
      openBrowser: async (url) => {
        await browser.page.goto(url);
      },
    });
    assert.equal(again.id_token_claims?.['preferred_username'], DEFAULT_IDS.aliceUsername);
  });

  it('acquireTokenByDeviceFlow polls while the user enters the code and signs in in the browser', async (t) => {
    const browser = await launchChromium(t);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const flow = await app.initiateDeviceFlow(GRAPH_USER_READ);
    const polling = app.acquireTokenByDeviceFlow(flow);
    // The user starts only once a poll has been answered authorization_pending, so the test sees both states.
    let settled = false;
    void polling.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    while ((emulator.counters()['token:device_code'] ?? 0) < 1 && !settled) await new Promise((resolve) => setTimeout(resolve, 20));
    const { page } = browser;
    await page.goto(flow.verification_uri);
    await page.getByLabel('Code').fill(flow.user_code);
    await page.getByRole('button', { name: 'Next' }).click();
    await signIn(page, DEFAULT_IDS.bobUsername, 'bob-password');
    await page.getByText('You may now close this window').waitFor();
    const result = await polling;
    assert.equal(result.token_source, 'identity_provider');
    assert.equal(result.id_token_claims?.['preferred_username'], DEFAULT_IDS.bobUsername);
    assert.ok((emulator.counters()['token:device_code'] ?? 0) >= 2, 'a pending poll, then the one that got the tokens');
  });
});
