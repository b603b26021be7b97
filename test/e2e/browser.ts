// Real Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core (which downloads no
// browser), headless, with the flags that work in this sandbox (docs: ecosystem.md section 9), a fresh profile per
// launch, closed and removed when the test ends. A missing Chromium fails the test with what to install; it never
// skips (CI sets CI=true and must run these).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A launched Chromium: one persistent context on a fresh profile, and its first page. */
export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Opens `url` in a new tab (an `openBrowser` for acquireTokenInteractive); resolves once the page has loaded. */
  openInNewTab(url: string): Promise<Page>;
}

/**
 * Launches Chromium for one test (or suite): `t.after` closes it and deletes its profile, also when the test fails.
 * Certificate errors are ignored because the emulator and the oidc-provider fixture use their own test CAs.
 */
export async function launchChromium(t: Pick<TestContext, 'after'>): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    const where = process.env.CI === 'true' ? 'CI must provide it' : 'install it';
    throw new Error(`${CHROMIUM_PATH} is missing: ${where} (apt-get install chromium); the browser tests never skip`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'msal-ts-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      ignoreHTTPSErrors: true,
      timeout: 60_000,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  t.after(async () => {
    try {
      await context.close();
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  });
  context.setDefaultTimeout(30_000);
  const ctx = context;
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  return {
    context: ctx,
    page,
    async openInNewTab(url: string): Promise<Page> {
      const tab = await ctx.newPage();
      await tab.goto(url);
      return tab;
    },
  };
}

/** Saves a screenshot when MSAL_TS_SCREENSHOTS names a folder (for looking at the pages during development). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.MSAL_TS_SCREENSHOTS;
  if (dir === undefined || dir === '') return;
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
