// Real Chromium on the emulator's sign-in pages: the loopback redirect server receives the code (query and
// form_post), the code is redeemed for a verified id token, and a device code is approved in the browser while the
// token endpoint is polled.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { DEFAULT_IDS } from '../../src/emulator/index.js';
import { startLoopbackServer } from '../../src/interactive/loopback-server.js';
import { createPkce } from '../../src/protocol/pkce.js';
import { createNonce, createState } from '../../src/protocol/random.js';
import { startTestEmulator, type TestEmulator } from '../emulator/helpers.js';
import { launchChromium, screenshot } from './browser.js';

const SCOPE = 'https://graph.microsoft.com/User.Read openid profile offline_access';
const WAIT_MS = 60_000;

describe('emulator sign-in in Chromium', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator({ deviceCodeIntervalSeconds: 1 });
  });
  after(() => t.close());

  async function verifyIdToken(idToken: unknown, nonce: string): Promise<Record<string, unknown>> {
    const jwks = await t.get(`/${DEFAULT_IDS.tenantId}/discovery/v2.0/keys`);
    const { payload } = await jwtVerify(String(idToken), createLocalJWKSet(jwks.json as unknown as JSONWebKeySet), {
      issuer: `${t.emulator.url}/${DEFAULT_IDS.tenantId}/v2.0`,
      audience: DEFAULT_IDS.publicClientId,
    });
    assert.equal(payload.nonce, nonce);
    return payload;
  }

  it('types a password, accepts consent, and the loopback server gets code and state; a second sign-in is SSO with form_post', async (tc) => {
    const browser = await launchChromium(tc);
    const authorize = async (responseMode: 'query' | 'form_post'): Promise<{ code: string; nonce: string; redirectUri: string; verifier: string }> => {
      const server = await startLoopbackServer();
      tc.after(() => server.close());
      const pkce = createPkce();
      const state = createState();
      const nonce = createNonce();
      const url = `${t.emulator.authority}/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: DEFAULT_IDS.publicClientId,
        response_type: 'code',
        response_mode: responseMode,
        redirect_uri: server.redirectUri,
        scope: SCOPE,
        state,
        nonce,
        code_challenge: pkce.code_challenge,
        code_challenge_method: 'S256',
        client_info: '1',
      }).toString()}`;
      const waiting = server.waitForResponse({ state, timeoutMs: WAIT_MS });
      await browser.page.goto(url);
      if (responseMode === 'query') {
        const { page } = browser;
        assert.equal(await page.locator('h1').textContent(), 'Sign in');
        await page.getByLabel('Username').fill(DEFAULT_IDS.aliceUsername);
        await page.getByLabel('Password').fill('wrong-password');
        await page.getByRole('button', { name: 'Sign in' }).click();
        assert.match((await page.getByRole('alert').textContent()) ?? '', /AADSTS50126: Your account or password is incorrect/);
        assert.equal(await page.getByLabel('Username').inputValue(), DEFAULT_IDS.aliceUsername);
        await screenshot(page, 'emulator-sign-in');
        await page.getByLabel('Password').fill('alice-password');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
        assert.match((await page.locator('ul').textContent()) ?? '', /Microsoft Graph: User\.Read/);
        await screenshot(page, 'emulator-consent');
        await page.getByRole('button', { name: 'Accept' }).click();
      }
      // The query response lands on the loopback server's success page; form_post gets there through a POST.
      await browser.page.getByRole('heading', { name: 'Authentication complete' }).waitFor();
      const response = await waiting;
      assert.equal(response.state, state);
      assert.ok(response.code !== undefined && response.code !== '');
      assert.equal(response.error, undefined);
      return { code: response.code, nonce, redirectUri: server.redirectUri, verifier: pkce.code_verifier };
    };

    const first = await authorize('query');
    const tokens = await t.token({
      grant_type: 'authorization_code',
      client_id: DEFAULT_IDS.publicClientId,
      code: first.code,
      redirect_uri: first.redirectUri,
      code_verifier: first.verifier,
      scope: SCOPE,
      client_info: '1',
    });
    assert.equal(tokens.status, 200, tokens.body);
    const id = await verifyIdToken(tokens.json.id_token, first.nonce);
    assert.equal(id.preferred_username, DEFAULT_IDS.aliceUsername);
    assert.equal(id.tid, DEFAULT_IDS.tenantId);

    // Same browser profile: the session cookie signs alice in and her consent is remembered, so no page is shown.
    const second = await authorize('form_post');
    const again = await t.token({
      grant_type: 'authorization_code',
      client_id: DEFAULT_IDS.publicClientId,
      code: second.code,
      redirect_uri: second.redirectUri,
      code_verifier: second.verifier,
      scope: SCOPE,
    });
    assert.equal(again.status, 200, again.body);
    assert.equal((await verifyIdToken(again.json.id_token, second.nonce)).auth_time, id.auth_time);
  });

  it('approves a device code in the browser while the token endpoint is polled', async (tc) => {
    const browser = await launchChromium(tc);
    const flow = await t.post(`/${DEFAULT_IDS.tenantId}/oauth2/v2.0/devicecode`, { client_id: DEFAULT_IDS.publicClientId, scope: SCOPE });
    assert.equal(flow.status, 200, flow.body);
    const deviceCode = String(flow.json.device_code);
    const interval = Number(flow.json.interval);
    let pendingPolls = 0;
    const poll = (async (): Promise<Record<string, unknown>> => {
      for (let i = 0; i < 120; i++) {
        const res = await t.token({
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          client_id: DEFAULT_IDS.publicClientId,
          device_code: deviceCode,
        });
        if (res.status === 200) return res.json;
        assert.equal(res.json.error, 'authorization_pending', res.body);
        pendingPolls++;
        await new Promise((resolve) => setTimeout(resolve, interval * 1000));
      }
      throw new Error('the device code was never approved');
    })();

    // The user starts only once a poll has been answered authorization_pending, so the test sees both states.
    let settled = false;
    void poll.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    while (pendingPolls < 1 && !settled) await new Promise((resolve) => setTimeout(resolve, 20));
    const { page } = browser;
    await page.goto(String(flow.json.verification_uri));
    await page.getByLabel('Code').fill(String(flow.json.user_code));
    await screenshot(page, 'emulator-device-code');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Username').fill(DEFAULT_IDS.bobUsername);
    await page.getByLabel('Password').fill('bob-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.getByText('You may now close this window').waitFor();

    const tokens = await poll;
    assert.equal(typeof tokens.access_token, 'string');
    assert.equal(typeof tokens.refresh_token, 'string');
    const idToken = String(tokens.id_token);
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(claims.preferred_username, DEFAULT_IDS.bobUsername);
  });
});
