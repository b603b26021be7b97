// Real Chromium on a real third-party OpenID provider's sign-in page (panva's oidc-provider with devInteractions, over
// loopback HTTPS): the loopback redirect server receives the code, which the provider redeems; and
// PublicClientApplication.acquireTokenInteractive completes the same sign-in through an openBrowser that drives Chromium.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { Agent, request } from 'undici';
import type { Page } from 'playwright-core';
import { PublicClientApplication } from '../../src/app/public-client-application.js';
import { startLoopbackServer } from '../../src/interactive/loopback-server.js';
import { createPkce } from '../../src/protocol/pkce.js';
import { createNonce, createState } from '../../src/protocol/random.js';
import { makePki, type Pki } from '../http/fixtures.js';
import { launchChromium, screenshot } from './browser.js';

const CLIENT_ID = 'native-app';
const WAIT_MS = 60_000;

/** oidc-provider's devInteractions pages: any login and password, then the consent page's Continue. */
async function signInOnProviderPage(page: Page, login: string): Promise<void> {
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any-password');
  await screenshot(page, 'oidc-provider-sign-in');
  await page.locator('button[type=submit]').click();
  await page.locator('button[type=submit]', { hasText: 'Continue' }).click();
}

describe('sign-in on oidc-provider in Chromium', () => {
  let pki: Pki;
  let server: Server;
  let issuer: string;
  let agent: Agent;

  before(async () => {
    pki = makePki();
    agent = new Agent({ connect: { ca: pki.caPem } });
    const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    server = createServer({ key: pki.keyPem, cert: pki.certPem });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const provider = new Provider(issuer, {
      jwks: { keys: [{ ...signing, kid: 'op-key', use: 'sig' }] },
      clients: [
        {
          client_id: CLIENT_ID,
          application_type: 'native',
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          // Native loopback redirect URIs match on any port (RFC 8252 section 7.3).
          redirect_uris: ['http://127.0.0.1', 'http://localhost'],
        },
      ],
      scopes: ['openid', 'offline_access', 'profile', 'email'],
      claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, name: `User ${sub}`, email: `${sub}@example.test` }) }),
      features: { devInteractions: { enabled: true } },
    });
    const callback = provider.callback();
    server.on('request', (req, res) => {
      void callback(req, res);
    });
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await agent.close();
    pki.dispose();
  });

  it("the loopback server receives the code from the provider's sign-in page, and the code redeems", async (t) => {
    const browser = await launchChromium(t);
    const loopback = await startLoopbackServer({ redirectHost: '127.0.0.1' });
    t.after(() => loopback.close());
    const pkce = createPkce();
    const state = createState();
    const nonce = createNonce();
    const url = `${issuer}/auth?${new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: loopback.redirectUri,
      scope: 'openid email',
      state,
      nonce,
      code_challenge: pkce.code_challenge,
      code_challenge_method: 'S256',
    }).toString()}`;
    const waiting = loopback.waitForResponse({ state, timeoutMs: WAIT_MS });
    await browser.page.goto(url);
    await signInOnProviderPage(browser.page, 'carol');
    await browser.page.getByRole('heading', { name: 'Authentication complete' }).waitFor();
    const response = await waiting;
    assert.equal(response.state, state);
    assert.equal(response.iss, issuer, 'oidc-provider sends RFC 9207 iss with the response');
    assert.ok(response.code !== undefined && response.code !== '');

    const res = await request(`${issuer}/token`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: CLIENT_ID,
        code: response.code,
        redirect_uri: loopback.redirectUri,
        code_verifier: pkce.code_verifier,
      }).toString(),
    });
    const tokens = (await res.body.json()) as Record<string, unknown>;
    assert.equal(res.statusCode, 200, JSON.stringify(tokens));
    const claims = JSON.parse(Buffer.from(String(tokens.id_token).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(claims.sub, 'carol');
    assert.equal(claims.nonce, nonce);
  });

  it("acquireTokenInteractive signs in on the provider's page through an openBrowser that drives Chromium", async (t) => {
    const browser = await launchChromium(t);
    const app = new PublicClientApplication(CLIENT_ID, { oidcAuthority: issuer, verify: pki.caPath });
    let driving: Promise<void> | undefined;
    const result = await app.acquireTokenInteractive(['email'], {
      redirectHost: '127.0.0.1',
      timeoutMs: WAIT_MS,
      openBrowser: async (url) => {
        await browser.page.goto(url);
        // A browser returns as soon as it shows the page; the user signs in while the app waits.
        driving = signInOnProviderPage(browser.page, 'dave');
      },
    });
    await driving;
    assert.equal(result.token_source, 'identity_provider');
    assert.equal(typeof result.access_token, 'string');
    assert.equal(result.id_token_claims?.['sub'], 'dave');
    await browser.page.getByRole('heading', { name: 'Authentication complete' }).waitFor();
  });
});
