// User flows against a real, third-party OpenID provider (panva's oidc-provider) on loopback HTTPS, through
// `oidcAuthority`: auth code + PKCE (the test's interaction handler signs the user in and grants consent, driven by
// plain HTTP requests with a cookie jar), device code (approved through the provider's model), and silent refresh.
// Id tokens are validated against the provider's JWKS and issuer.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Provider from 'oidc-provider';
import { Agent, request } from 'undici';
import { PublicClientApplication } from '../../src/app/public-client-application.js';
import { DeviceCodeExpiredError } from '../../src/errors.js';
import { makePki, type Pki } from '../http/fixtures.js';

const CLIENT_ID = 'native-app';
const REDIRECT = 'http://127.0.0.1/cb';
const ACCOUNT = 'user-1';

describe('user flows against oidc-provider', () => {
  let pki: Pki;
  let server: Server;
  let issuer: string;
  let provider: Provider;
  let agent: Agent;

  before(async () => {
    pki = makePki();
    const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    server = createServer({ key: pki.keyPem, cert: pki.certPem });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    provider = new Provider(issuer, {
      jwks: { keys: [{ ...signing, kid: 'op-key', use: 'sig' }] },
      clients: [
        {
          client_id: CLIENT_ID,
          application_type: 'native',
          token_endpoint_auth_method: 'none',
          redirect_uris: [REDIRECT],
          response_types: ['code'],
          grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        },
      ],
      cookies: { keys: ['test-cookie-key'] },
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, preferred_username: `${sub}@example.com` }) }),
      claims: { openid: ['sub'], profile: ['preferred_username'] },
      features: { devInteractions: { enabled: false }, deviceFlow: { enabled: true } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      ttl: { AccessToken: 3600, IdToken: 3600, RefreshToken: 86_400, DeviceCode: 600 },
    });
    provider.proxy = false;
    const callback = provider.callback();
    server.on('request', (req, res) => {
      if (req.url?.startsWith('/interaction/') === true) {
        // An auto-approving sign-in page: log the user in and grant what the client asked for.
        void (async () => {
          const details = await provider.interactionDetails(req, res);
          const grant = new provider.Grant({ accountId: ACCOUNT, clientId: CLIENT_ID });
          grant.addOIDCScope(String(details.params['scope']));
          const grantId = await grant.save();
          await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT }, consent: { grantId } }, { mergeWithLastSubmission: false });
        })().catch((err: unknown) => {
          res.statusCode = 500;
          res.end(String(err));
        });
        return;
      }
      callback(req, res);
    });
    agent = new Agent({ connect: { ca: pki.caPem } });
  });

  after(async () => {
    await agent.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    pki.dispose();
  });

  function app(): PublicClientApplication {
    return new PublicClientApplication(CLIENT_ID, { oidcAuthority: issuer, verify: pki.caPath });
  }

  /** Follows the provider's redirects with a cookie jar until it redirects to the app; returns the app's query. */
  async function browse(url: string): Promise<Record<string, string>> {
    const jar = new Map<string, string>();
    let next = url;
    for (let hop = 0; hop < 12; hop++) {
      if (next.startsWith(REDIRECT)) return Object.fromEntries(new URL(next).searchParams);
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await request(next, { method: 'GET', dispatcher: agent, headers: cookie === '' ? {} : { cookie } });
      await res.body.text();
      const setCookie = res.headers['set-cookie'];
      for (const line of Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie]) {
        const [pair = ''] = line.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      const location = res.headers['location'];
      if (typeof location !== 'string') throw new Error(`the provider answered ${res.statusCode} without a redirect at ${new URL(next).pathname}`);
      next = new URL(location, next).href;
    }
    throw new Error('too many redirects');
  }

  it('auth code + PKCE: signs in, validates the id token, then refreshes silently', async () => {
    const pca = app();
    // offline_access needs prompt=consent at oidc-provider.
    const flow = await pca.initiateAuthCodeFlow([], { redirectUri: REDIRECT, prompt: 'consent' });
    const response = await browse(flow.auth_uri);
    const result = await pca.acquireTokenByAuthCodeFlow(flow, response);
    assert.equal(result.token_source, 'identity_provider');
    assert.equal(result.id_token_claims?.['iss'], issuer);
    assert.equal(result.id_token_claims?.['sub'], ACCOUNT);
    assert.equal(typeof result.refresh_token, 'string');

    const [account] = await pca.getAccounts();
    assert.equal(account?.home_account_id, ACCOUNT, 'no client_info: the account is keyed by sub');
    const cached = await pca.acquireTokenSilent([], { account });
    assert.equal(cached?.token_source, 'cache');
    const refreshed = await pca.acquireTokenSilent([], { account, forceRefresh: true });
    assert.equal(refreshed?.token_source, 'identity_provider');
    assert.notEqual(refreshed.access_token, result.access_token);
    const again = await pca.acquireTokenSilent([], { account, forceRefresh: true });
    assert.equal(again?.token_source, 'identity_provider', 'the rotated refresh token replaced the old one in the cache');
  });

  it('device code: pending, then approved', async () => {
    const pca = app();
    const flow = await pca.initiateDeviceFlow([]);
    assert.ok(flow.verification_uri.startsWith(issuer));
    await assert.rejects(pca.acquireTokenByDeviceFlow(flow, { exitCondition: () => true }), DeviceCodeExpiredError);

    const code = await provider.DeviceCode.findByUserCode(flow.user_code.replaceAll('-', ''));
    assert.ok(code, 'the provider knows the user code');
    const grant = new provider.Grant({ accountId: ACCOUNT, clientId: CLIENT_ID });
    grant.addOIDCScope('openid profile offline_access');
    code.grantId = await grant.save();
    code.accountId = ACCOUNT;
    code.authTime = Math.floor(Date.now() / 1000);
    code.scope = 'openid profile offline_access';
    await code.save();

    const result = await pca.acquireTokenByDeviceFlow(flow);
    assert.equal(result.id_token_claims?.['sub'], ACCOUNT);
    const [account] = await pca.getAccounts();
    assert.equal(account?.account_source, 'urn:ietf:params:oauth:grant-type:device_code');
  });
});
