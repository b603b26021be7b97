// The emulator's interactive sign-in pages over HTTPS without a browser: forms, cookies, CSRF, prompt values,
// consent memory and the device code page. test/e2e/ drives the same pages with Chromium.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEFAULT_IDS } from '../../src/emulator/index.js';
import { aadCode, claims, startTestEmulator, type TestEmulator, type TestResponse } from './helpers.js';

const verifier = 'sign-in-test-verifier-0123456789-0123456789-abcdef';
const challenge = createHash('sha256').update(verifier).digest('base64url');
const redirect = 'http://localhost:50123';
const SCOPE = 'https://graph.microsoft.com/User.Read openid profile offline_access';

/** A browser stand-in: keeps the emulator's session cookie. */
class Browser {
  cookie: string | undefined;
  constructor(private readonly t: TestEmulator) {}

  private keep(res: TestResponse): TestResponse {
    const set = res.headers['set-cookie'];
    const first = Array.isArray(set) ? set[0] : set;
    if (first !== undefined) this.cookie = first.split(';')[0];
    return res;
  }

  private headers(): Record<string, string> {
    return this.cookie === undefined ? {} : { cookie: this.cookie };
  }

  async get(path: string): Promise<TestResponse> {
    return this.keep(await this.t.get(path, this.headers()));
  }

  async post(path: string, form: Record<string, string>): Promise<TestResponse> {
    return this.keep(await this.t.post(path, form, this.headers()));
  }

  /** Submits the page's form to `action` with its hidden fields plus `fields`. */
  submit(page: TestResponse, action: string, fields: Record<string, string>): Promise<TestResponse> {
    return this.post(action, { ...hiddenFields(page.body), ...fields });
  }
}

function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1] ?? ''] = m[2] ?? '';
  return out;
}

function authorizePath(params: Record<string, string> = {}, tenant: string = DEFAULT_IDS.tenantId): string {
  return `/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({
    client_id: DEFAULT_IDS.publicClientId,
    response_type: 'code',
    redirect_uri: redirect,
    scope: SCOPE,
    state: 'st',
    nonce: 'nn',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    client_info: '1',
    ...params,
  }).toString()}`;
}

function redirected(res: TestResponse): URLSearchParams {
  assert.equal(res.status, 302, res.body);
  const location = new URL(String(res.headers.location));
  assert.equal(location.origin, redirect);
  return location.searchParams;
}

describe('emulator sign-in pages', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator({ config: { users: [{ username: 'carol@contoso.onmicrosoft.com', password: 'carol-pw' }] } });
  });
  after(() => t.close());

  const redeem = async (code: string): Promise<Record<string, unknown>> => {
    const res = await t.token({
      grant_type: 'authorization_code',
      client_id: DEFAULT_IDS.publicClientId,
      code,
      redirect_uri: redirect,
      code_verifier: verifier,
      scope: SCOPE,
      client_info: '1',
    });
    assert.equal(res.status, 200, res.body);
    return res.json;
  };

  it('signs in with the password form, shows a bad password on the page, asks consent once, then signs in without pages (SSO)', async () => {
    const b = new Browser(t);
    const form = await b.get(authorizePath({ login_hint: DEFAULT_IDS.aliceUsername }));
    assert.equal(form.status, 200);
    assert.match(String(form.headers['set-cookie']), /^msal_ts_emulator_\d+=[^;]+; Path=\/; Secure; HttpOnly; SameSite=Lax/);
    assert.equal(form.headers['x-frame-options'], 'DENY');
    assert.match(form.body, /name="username"[^>]*value="alice@contoso\.onmicrosoft\.com"/);

    const wrong = await b.submit(form, '/signin/password', { username: DEFAULT_IDS.aliceUsername, password: 'nope' });
    assert.equal(wrong.status, 200);
    assert.match(wrong.body, /role="alert"[^>]*>AADSTS50126: Your account or password is incorrect/);
    const unknown = await b.submit(wrong, '/signin/password', { username: 'who@contoso.onmicrosoft.com', password: 'x' });
    assert.match(unknown.body, /AADSTS50034/);

    const consent = await b.submit(unknown, '/signin/password', { username: DEFAULT_IDS.aliceUsername, password: 'alice-password' });
    assert.match(consent.body, /<h1>Permissions requested<\/h1>/);
    assert.match(consent.body, /Microsoft Graph: User\.Read/);
    assert.match(consent.body, /Maintain access to data you have given it access to/);
    const done = await b.submit(consent, '/signin/consent', { action: 'accept' });
    const params = redirected(done);
    assert.equal(params.get('state'), 'st');
    const tokens = await redeem(params.get('code') ?? '');
    const id = claims(tokens.id_token);
    assert.equal(id.preferred_username, DEFAULT_IDS.aliceUsername);
    assert.equal(id.nonce, 'nn');

    const again = await b.get(authorizePath({ state: 'st2' }));
    assert.equal(redirected(again).get('state'), 'st2', 'a second sign-in in the session skips the password and the consent');
    assert.equal(claims((await redeem(redirected(again).get('code') ?? '')).id_token).auth_time, id.auth_time);
  });

  it('honours prompt=login, prompt=consent, prompt=select_account and prompt=none', async () => {
    const b = new Browser(t);
    const first = await b.get(authorizePath({ scope: 'openid profile' }));
    const consent = await b.submit(first, '/signin/password', { username: 'carol@contoso.onmicrosoft.com', password: 'carol-pw' });
    redirected(await b.submit(consent, '/signin/consent', { action: 'accept' }));

    const login = await b.get(authorizePath({ scope: 'openid profile', prompt: 'login' }));
    assert.match(login.body, /name="password"/);
    assert.match(login.body, /value="carol@contoso\.onmicrosoft\.com"/);
    redirected(await b.submit(login, '/signin/password', { username: 'carol@contoso.onmicrosoft.com', password: 'carol-pw' }));

    const forced = await b.get(authorizePath({ scope: 'openid profile', prompt: 'consent' }));
    assert.match(forced.body, /Permissions requested/);
    redirected(await b.submit(forced, '/signin/consent', { action: 'accept' }));

    const pick = await b.get(authorizePath({ scope: 'openid profile', prompt: 'select_account' }));
    assert.match(pick.body, /<h1>Pick an account<\/h1>/);
    assert.match(pick.body, /Continue as carol@contoso\.onmicrosoft\.com/);
    redirected(await b.submit(pick, '/signin/account', { choice: 'continue' }));
    const other = await b.submit(await b.get(authorizePath({ scope: 'openid profile', prompt: 'select_account' })), '/signin/account', { choice: 'other' });
    assert.match(other.body, /name="username"[^>]*value=""/);

    assert.ok(redirected(await b.get(authorizePath({ scope: 'openid profile', prompt: 'none' }))).get('code'));
    const needsConsent = redirected(await b.get(authorizePath({ prompt: 'none' })));
    assert.equal(needsConsent.get('error'), 'consent_required');
    const otherUser = redirected(await b.get(authorizePath({ prompt: 'none', scope: 'openid profile', login_hint: DEFAULT_IDS.aliceUsername })));
    assert.equal(otherUser.get('error'), 'login_required');
    const noSession = redirected(await t.get(authorizePath({ prompt: 'none' })));
    assert.equal(noSession.get('error'), 'login_required');
    assert.equal(redirected(await t.get(authorizePath({ prompt: 'create' }))).get('error'), 'invalid_request');
  });

  it('sends access_denied (AADSTS65004) to the app when consent is cancelled', async () => {
    const b = new Browser(t);
    const form = await b.get(authorizePath({ scope: 'https://graph.microsoft.com/Mail.Read openid' }));
    const consent = await b.submit(form, '/signin/password', { username: DEFAULT_IDS.aliceUsername, password: 'alice-password' });
    const params = redirected(await b.submit(consent, '/signin/consent', { action: 'cancel' }));
    assert.equal(params.get('error'), 'access_denied');
    assert.match(params.get('error_description') ?? '', /^AADSTS65004/);
    assert.equal(params.get('state'), 'st');
  });

  it('shows on the page that a user is not in the tenant', async () => {
    const b = new Browser(t);
    const form = await b.get(authorizePath({}, DEFAULT_IDS.secondTenantId));
    const res = await b.submit(form, '/signin/password', { username: DEFAULT_IDS.aliceUsername, password: 'alice-password' });
    assert.equal(res.status, 200);
    assert.match(res.body, /AADSTS50034: The user account alice@contoso\.onmicrosoft\.com does not exist/);
  });

  it("refuses a form without the session cookie, with a wrong CSRF token, or for another session's sign-in", async () => {
    const b = new Browser(t);
    const form = await b.get(authorizePath());
    const fields = { ...hiddenFields(form.body), username: DEFAULT_IDS.aliceUsername, password: 'alice-password' };
    const noCookie = await t.post('/signin/password', fields);
    assert.equal(noCookie.status, 400);
    assert.match(noCookie.body, /session has expired/);
    const badCsrf = await b.post('/signin/password', { ...fields, csrf: 'forged' });
    assert.equal(badCsrf.status, 403);
    const noCsrf = await b.post('/signin/password', {
      flow: hiddenFields(form.body).flow ?? '',
      username: DEFAULT_IDS.aliceUsername,
      password: 'alice-password',
    });
    assert.equal(noCsrf.status, 403);
    const attacker = new Browser(t);
    const attackerForm = await attacker.get(authorizePath());
    const stolen = await attacker.post('/signin/password', { ...fields, csrf: hiddenFields(attackerForm.body).csrf ?? '' });
    assert.equal(stolen.status, 400, 'an interaction only continues in the session that started it');
    assert.match(stolen.body, /expired or has already finished/);
  });

  it('escapes login_hint and directory values on every page', async () => {
    const evil = '"><script>alert(1)</script>';
    const b = new Browser(t);
    const form = await b.get(authorizePath({ login_hint: evil }));
    assert.ok(!form.body.includes('<script>'), form.body);
    assert.match(form.body, /value="&#34;&#62;&#60;script&#62;alert\(1\)&#60;\/script&#62;"/);
    const res = await b.submit(form, '/signin/password', { username: evil, password: 'x' });
    assert.ok(!res.body.includes('<script>'));
  });

  it('signs in a device code through /devicelogin: code, password, consent, close this window', async () => {
    const flow = await t.post(`/${DEFAULT_IDS.tenantId}/oauth2/v2.0/devicecode`, {
      client_id: DEFAULT_IDS.publicClientId,
      scope: 'https://graph.microsoft.com/Calendars.Read openid offline_access',
    });
    const userCode = String(flow.json.user_code);
    const deviceCode = String(flow.json.device_code);
    const b = new Browser(t);
    const entry = await b.get('/devicelogin');
    assert.match(entry.body, /Enter the code displayed on your app or device/);
    const wrong = await b.submit(entry, '/devicelogin', { otc: 'WRONGCODE' });
    assert.match(wrong.body, /That code didn&#39;t work/);
    assert.match(wrong.body, /Enter the code displayed/);
    const pending = await t.token({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: DEFAULT_IDS.publicClientId,
      device_code: deviceCode,
    });
    assert.equal(pending.json.error, 'authorization_pending');

    const prefilled = await b.get(`/devicelogin?otc=${userCode}`);
    assert.match(prefilled.body, new RegExp(`name="otc"[^>]*value="${userCode}"`));
    assert.match(prefilled.body, /Check that this code matches/);
    const password = await b.submit(prefilled, '/devicelogin', { otc: userCode.toLowerCase() });
    assert.match(password.body, /name="password"/);
    const consent = await b.submit(password, '/signin/password', { username: DEFAULT_IDS.aliceUsername, password: 'alice-password' });
    assert.match(consent.body, /Permissions requested/);
    const done = await b.submit(consent, '/signin/consent', { action: 'accept' });
    assert.match(done.body, /You may now close this window/);

    const tokens = await t.token({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: DEFAULT_IDS.publicClientId,
      device_code: deviceCode,
    });
    assert.equal(tokens.status, 200, tokens.body);
    assert.equal(claims(tokens.json.id_token).preferred_username, DEFAULT_IDS.aliceUsername);

    const reused = await b.submit(prefilled, '/devicelogin', { otc: userCode });
    assert.match(reused.body, /That code was already used/);
  });

  it('denies a device code when consent is cancelled; the poll gets access_denied', async () => {
    const flow = await t.post(`/${DEFAULT_IDS.tenantId}/oauth2/v2.0/devicecode`, {
      client_id: DEFAULT_IDS.publicClientId,
      scope: 'https://graph.microsoft.com/Files.Read openid',
    });
    const b = new Browser(t);
    const password = await b.submit(await b.get('/devicelogin'), '/devicelogin', { otc: String(flow.json.user_code) });
    const consent = await b.submit(password, '/signin/password', { username: DEFAULT_IDS.aliceUsername, password: 'alice-password' });
    const declined = await b.submit(consent, '/signin/consent', { action: 'cancel' });
    assert.match(declined.body, /You declined/);
    const poll = await t.token({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: DEFAULT_IDS.publicClientId,
      device_code: String(flow.json.device_code),
    });
    assert.equal(poll.json.error, 'access_denied');
    assert.equal(aadCode(poll), 65004);
  });
});
