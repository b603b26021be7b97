import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { DEFAULT_IDS } from '../../src/emulator/index.js';
import { redirectUriMatches } from '../../src/emulator/endpoints/authorize.js';
import { aadCode, claims, manualClock, startTestEmulator, type TestEmulator } from './helpers.js';

const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-and-some-more-entropy';
const challenge = createHash('sha256').update(verifier).digest('base64url');
const redirect = 'http://localhost:53117/';

describe('emulator authorize endpoint and authorization code grant', () => {
  let t: TestEmulator;
  const clock = manualClock();
  before(async () => {
    t = await startTestEmulator({ clock: clock.now });
  });
  after(() => t.close());

  const authorizePath = `/${DEFAULT_IDS.tenantId}/oauth2/v2.0/authorize`;
  const authorize = (params: Record<string, string>, tenant = DEFAULT_IDS.tenantId) =>
    t.get(
      `/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: DEFAULT_IDS.publicClientId,
        response_type: 'code',
        redirect_uri: redirect,
        scope: 'https://graph.microsoft.com/User.Read openid profile offline_access',
        state: 'st-1',
        login_hint: DEFAULT_IDS.aliceUsername,
        // The no-UI mode: without it (or config.autoApprove) the emulator shows its sign-in page.
        emulator_auto: '1',
        ...params,
      }).toString()}`,
    );
  const codeFrom = (location: unknown): string => {
    const url = new URL(String(location));
    const code = url.searchParams.get('code');
    assert.ok(code, `no code in ${String(location)}`);
    return code;
  };
  const redeem = (code: string, extra: Record<string, string> = {}) =>
    t.token({
      grant_type: 'authorization_code',
      client_id: DEFAULT_IDS.publicClientId,
      code,
      redirect_uri: redirect,
      code_verifier: verifier,
      scope: 'https://graph.microsoft.com/User.Read openid profile offline_access',
      client_info: '1',
      ...extra,
    });

  it('redirects with a code and state for the login_hint user, and redeems it with PKCE S256', async () => {
    const res = await authorize({ code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n-0S6', client_info: '1' });
    assert.equal(res.status, 302);
    const location = new URL(String(res.headers.location));
    assert.equal(`${location.origin}${location.pathname}`, 'http://localhost:53117/');
    assert.equal(location.searchParams.get('state'), 'st-1');
    assert.ok(location.searchParams.get('client_info'));
    const tokens = await redeem(codeFrom(res.headers.location));
    assert.equal(tokens.status, 200, tokens.body);
    assert.equal(tokens.json.token_type, 'Bearer');
    assert.equal(tokens.json.scope, 'https://graph.microsoft.com/User.Read openid profile offline_access');
    assert.equal(typeof tokens.json.refresh_token, 'string');
    assert.equal(tokens.json.foci, undefined);
    const info = JSON.parse(Buffer.from(String(tokens.json.client_info), 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(info, { uid: 'a11ce000-0000-4000-8000-000000000001', utid: DEFAULT_IDS.tenantId });

    const jwks = await t.get(`/${DEFAULT_IDS.tenantId}/discovery/v2.0/keys`);
    const { payload } = await jwtVerify(String(tokens.json.id_token), createLocalJWKSet(jwks.json as unknown as JSONWebKeySet), {
      issuer: `${t.emulator.url}/${DEFAULT_IDS.tenantId}/v2.0`,
      audience: DEFAULT_IDS.publicClientId,
      currentDate: new Date(clock.now() * 1000),
    });
    assert.equal(payload.nonce, 'n-0S6');
    assert.equal(payload.auth_time, Math.floor(clock.now()));
    assert.equal(payload.ver, '2.0');
    assert.equal(payload.oid, 'a11ce000-0000-4000-8000-000000000001');
    assert.equal(payload.tid, DEFAULT_IDS.tenantId);
    assert.equal(payload.name, 'Alice Example');
    const at = claims(tokens.json.access_token);
    assert.equal(at.scp, 'User.Read openid profile');
    assert.equal(at.upn, DEFAULT_IDS.aliceUsername);
    assert.equal(at.appidacr, '0');
  });

  it('accepts the plain PKCE method and a challenge without a method', async () => {
    for (const params of [{ code_challenge: verifier, code_challenge_method: 'plain' }, { code_challenge: verifier }] as Array<Record<string, string>>) {
      const res = await authorize(params);
      assert.equal((await redeem(codeFrom(res.headers.location))).status, 200);
    }
  });

  it('rejects a wrong or missing code_verifier with AADSTS501481', async () => {
    const res = await authorize({ code_challenge: challenge, code_challenge_method: 'S256' });
    const wrong = await redeem(codeFrom(res.headers.location), { code_verifier: 'wrong-verifier-wrong-verifier-wrong-verifier-00' });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.error, 'invalid_grant');
    assert.equal(aadCode(wrong), 501481);
    const res2 = await authorize({ code_challenge: challenge, code_challenge_method: 'S256' });
    const missing = await t.token({
      grant_type: 'authorization_code',
      client_id: DEFAULT_IDS.publicClientId,
      code: codeFrom(res2.headers.location),
      redirect_uri: redirect,
      scope: 'openid',
    });
    assert.equal(aadCode(missing), 501481);
  });

  it('rejects a redeemed code with AADSTS54005 and an expired one with AADSTS70008', async () => {
    const code = codeFrom((await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).headers.location);
    assert.equal((await redeem(code)).status, 200);
    assert.equal(aadCode(await redeem(code)), 54005);
    const late = codeFrom((await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).headers.location);
    clock.advance(601);
    assert.equal(aadCode(await redeem(late)), 70008);
    assert.equal(aadCode(await redeem('made-up-code')), 9002313);
  });

  it('rejects a token request whose redirect_uri differs from the authorize request with AADSTS500112', async () => {
    const code = codeFrom((await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).headers.location);
    const res = await redeem(code, { redirect_uri: 'http://localhost:1/' });
    assert.equal(aadCode(res), 500112);
  });

  it('rejects a code redeemed by another client with AADSTS70000', async () => {
    const code = codeFrom((await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).headers.location);
    const res = await redeem(code, { client_id: DEFAULT_IDS.familyClientIdA });
    assert.equal(aadCode(res), 70000);
  });

  it('matches loopback redirect URIs on any port but not on another path or host', () => {
    assert.equal(redirectUriMatches('http://localhost', 'http://localhost:8400/'), true);
    assert.equal(redirectUriMatches('http://127.0.0.1', 'http://127.0.0.1:1234'), true);
    assert.equal(redirectUriMatches('http://localhost/cb', 'http://localhost:9/cb'), true);
    assert.equal(redirectUriMatches('http://localhost', 'http://localhost:8400/other'), false);
    assert.equal(redirectUriMatches('http://localhost', 'https://localhost:8400/'), false);
    assert.equal(redirectUriMatches('https://app.example.com/cb', 'https://app.example.com:444/cb'), false);
  });

  it('shows an error page (no redirect) for an unregistered redirect URI or unknown client', async () => {
    const bad = await authorize({ redirect_uri: 'https://evil.example.com/cb' });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.location, undefined);
    assert.match(bad.body, /AADSTS50011/);
    const unknown = await authorize({ client_id: '99999999-9999-4999-8999-999999999999' });
    assert.match(unknown.body, /AADSTS700016/);
  });

  it('redirects errors after redirect validation back to the app with state', async () => {
    const res = await authorize({ response_type: 'token' });
    const location = new URL(String(res.headers.location));
    assert.equal(location.searchParams.get('error'), 'unsupported_response_type');
    assert.equal(location.searchParams.get('state'), 'st-1');
    const scope = await authorize({ scope: 'https://graph.microsoft.com/User.Read api://55556666-ffff-7777-aaaa-8888bbbb9999/access_as_user' });
    assert.match(new URL(String(scope.headers.location)).searchParams.get('error_description') ?? '', /^AADSTS28000/);
  });

  it('returns an auto-submitting form for response_mode=form_post', async () => {
    const res = await authorize({ response_mode: 'form_post' });
    assert.equal(res.status, 200);
    assert.match(res.body, /<form method="POST" action="http:\/\/localhost:53117\/">/);
    assert.match(res.body, /name="code" value="[^"]+"/);
    assert.match(res.body, /name="state" value="st-1"/);
    assert.match(res.body, /onload="document\.forms\[0\]\.submit\(\)"/);
  });

  it('answers prompt=none without a usable user with login_required, and shows the sign-in page otherwise', async () => {
    const none = await authorize({ login_hint: 'nobody@contoso.onmicrosoft.com', prompt: 'none' });
    assert.equal(new URL(String(none.headers.location)).searchParams.get('error'), 'login_required');
    const page = await authorize({ login_hint: 'nobody@contoso.onmicrosoft.com' });
    assert.equal(page.status, 200);
    assert.match(page.body, /<form method="post" action="\/signin\/password">/);
    assert.match(page.body, /name="username"[^>]*value="nobody@contoso\.onmicrosoft\.com"/);
    const ui = await authorize({ emulator_auto: '0' });
    assert.match(ui.body, /value="alice@contoso\.onmicrosoft\.com"/, 'login_hint alone prefills the form and does not sign in');
  });

  it('counts authorize requests', async () => {
    t.emulator.resetCounters();
    await t.get(`${authorizePath}?client_id=${DEFAULT_IDS.publicClientId}`);
    assert.equal(t.emulator.counters().authorize, 1);
  });
});

describe('emulator authorize with autoApprove and a guest user', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator({ config: { autoApprove: DEFAULT_IDS.bobUsername } });
  });
  after(() => t.close());

  it('signs in the autoApprove user without login_hint; a guest gets the resource tenant and home client_info', async () => {
    const res = await t.get(
      `/${DEFAULT_IDS.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: DEFAULT_IDS.publicClientId,
        response_type: 'code',
        redirect_uri: 'http://127.0.0.1:4000',
        scope: 'openid profile offline_access',
        response_mode: 'fragment',
        state: 's',
      }).toString()}`,
    );
    assert.equal(res.status, 302);
    const fragment = new URLSearchParams(new URL(String(res.headers.location)).hash.slice(1));
    const code = fragment.get('code');
    assert.ok(code);
    const tokens = await t.token({
      grant_type: 'authorization_code',
      client_id: DEFAULT_IDS.publicClientId,
      code,
      redirect_uri: 'http://127.0.0.1:4000',
      scope: 'openid profile offline_access',
      client_info: '1',
    });
    assert.equal(tokens.status, 200, tokens.body);
    const id = claims(tokens.json.id_token);
    assert.equal(id.tid, DEFAULT_IDS.tenantId);
    assert.equal(id.oid, 'b0b00000-0000-4000-8000-0000000000a2');
    const info = JSON.parse(Buffer.from(String(tokens.json.client_info), 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(info.utid, DEFAULT_IDS.secondTenantId);
    assert.equal(info.uid, 'b0b00000-0000-4000-8000-000000000002');
  });

  it('rejects a single-tenant app on the common endpoint with AADSTS50194', async () => {
    const res = await t.get(
      `/common/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: DEFAULT_IDS.webApiClientId,
        response_type: 'code',
        redirect_uri: 'http://localhost/auth/callback',
        scope: 'openid',
      }).toString()}`,
    );
    assert.match(new URL(String(res.headers.location)).searchParams.get('error_description') ?? '', /^AADSTS50194/);
  });
});
