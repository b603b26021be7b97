// asTokenCredential's own contract against the emulator: the AccessToken it returns, misuse refused before any I/O,
// per-call tenants (allowed or refused), the public client's account choice and sign-in fallbacks, and the errors a
// chain of Azure credentials relies on. Type compatibility with @azure/core-auth is checked by the compiler here.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  isTokenCredential,
  type AccessToken as CoreAccessToken,
  type GetTokenOptions as CoreGetTokenOptions,
  type TokenCredential as CoreTokenCredential,
} from '@azure/core-auth';
import { asTokenCredential, CredentialUnavailableError, type AccessToken, type GetTokenOptions, type TokenCredential } from '../../src/azure/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import {
  ConfidentialClientApplication,
  ManagedIdentityClient,
  PublicClientApplication,
  RequestAbortedError,
  SystemAssignedManagedIdentity,
} from '../../src/index.js';
import { fetchBrowser, recordingHttp, type RecordingHttp } from '../app/helpers.js';
import { claimsOf } from '../managed-identity/helpers.js';

const VAULT = 'https://vault.azure.net/.default';

// Compile-time: each type goes where @azure/core-auth's does, both ways where the SDK passes values to us.
const _credential: (c: TokenCredential) => CoreTokenCredential = (c) => c;
const _token: (t: AccessToken) => CoreAccessToken = (t) => t;
const _options: (o: CoreGetTokenOptions) => GetTokenOptions = (o) => o;
void [_credential, _token, _options];

describe('asTokenCredential', () => {
  let emulator: Emulator;
  let http: RecordingHttp;

  before(async () => {
    emulator = await startEmulator({
      config: {
        apps: [{ clientId: DEFAULT_IDS.daemonClientId, signInAudience: 'AzureADMultipleOrgs' }],
        autoApprove: DEFAULT_IDS.aliceUsername,
      },
      accessTokenLifetimeSeconds: 7200, // long enough for the emulator to send refresh_in, as Entra does
    });
  });
  after(async () => {
    await emulator.close();
  });
  beforeEach(() => {
    http = recordingHttp(emulator);
  });

  const daemon = (): ConfidentialClientApplication =>
    new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      instanceDiscovery: false,
      httpClient: http,
    });
  const pca = (): PublicClientApplication =>
    new PublicClientApplication(DEFAULT_IDS.publicClientId, {
      authority: emulator.authority,
      instanceDiscovery: false,
      httpClient: http,
      sleep: () => Promise.resolve(), // device code polling without waiting
    });

  it('returns an AccessToken with epoch-millisecond expiry and refresh times, then serves it from the cache', async () => {
    const credential = asTokenCredential(daemon());
    assert.ok(isTokenCredential(credential));
    const before = Date.now();
    const token = await credential.getToken([VAULT]);
    const after = Date.now();
    assert.ok(token !== null);
    assert.equal(token.tokenType, 'Bearer');
    const exp = claimsOf(token.token)['exp'];
    assert.equal(typeof exp, 'number');
    assert.ok(token.expiresOnTimestamp >= before + 7200_000 - 1000 && token.expiresOnTimestamp <= after + 7200_000);
    assert.ok(token.refreshAfterTimestamp !== undefined, 'refresh_in became refreshAfterTimestamp');
    assert.ok(token.refreshAfterTimestamp > before && token.refreshAfterTimestamp < token.expiresOnTimestamp);

    const again = await credential.getToken(VAULT); // a single scope string, as the SDK may pass
    assert.equal(again?.token, token.token);
    assert.equal(http.to('/token').length, 1);
  });

  it('refuses misuse with TypeError/RangeError naming the argument, before any request', async () => {
    const app = daemon();
    assert.throws(() => asTokenCredential({} as never), /source must be a ConfidentialClientApplication/);
    assert.throws(() => asTokenCredential(app, { fallback: 'interactive' }), /options\.fallback applies only to a PublicClientApplication/);
    assert.throws(() => asTokenCredential(pca(), { fallback: 'browser' as never }), /options\.fallback must be/);
    assert.throws(() => asTokenCredential(app, { additionallyAllowedTenants: 'x' as never }), /options\.additionallyAllowedTenants/);
    const mi = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), { environment: {} });
    assert.throws(() => asTokenCredential(mi, { additionallyAllowedTenants: ['*'] }), TypeError);
    assert.throws(
      () => asTokenCredential(app, { additionalyAllowedTenants: ['*'] } as never),
      /unknown option "additionalyAllowedTenants".*did you mean "additionallyAllowedTenants"/,
    );

    const credential = asTokenCredential(app);
    await assert.rejects(credential.getToken([]), (e: unknown) => e instanceof TypeError && /scopes/.test(e.message));
    await assert.rejects(credential.getToken(VAULT, { tenantId: 7 } as never), /options\.tenantId/);
    await assert.rejects(asTokenCredential(mi).getToken([VAULT, 'https://storage.azure.com/.default']), RangeError);
    assert.equal(http.requests.length, 0);
  });

  it('a per-call tenant is refused unless allowed, then used for the token', async () => {
    const refused = asTokenCredential(daemon());
    await assert.rejects(refused.getToken(VAULT, { tenantId: DEFAULT_IDS.secondTenantId }), (e: unknown) => {
      assert.ok(e instanceof CredentialUnavailableError);
      assert.equal(e.reason, 'tenant_not_allowed');
      return true;
    });
    assert.equal(http.requests.length, 0, 'refused before asking for a token');
    const same = await refused.getToken(VAULT, { tenantId: DEFAULT_IDS.tenantId.toUpperCase() });
    assert.equal(claimsOf(same?.token ?? '')['tid'], DEFAULT_IDS.tenantId, 'the configured tenant needs no permission');

    const allowed = asTokenCredential(daemon(), { additionallyAllowedTenants: [DEFAULT_IDS.secondTenantId] });
    const other = await allowed.getToken(VAULT, { tenantId: DEFAULT_IDS.secondTenantId });
    assert.equal(claimsOf(other?.token ?? '')['tid'], DEFAULT_IDS.secondTenantId);
  });

  it('an aborted signal (an AbortSignal look-alike, as the SDK may pass) aborts the token request', async () => {
    const credential = asTokenCredential(daemon());
    const lookAlike = { aborted: true, addEventListener: () => undefined, removeEventListener: () => undefined };
    await assert.rejects(credential.getToken(VAULT, { abortSignal: lookAlike }), RequestAbortedError);
  });

  it('public client: no account and no fallback is CredentialUnavailableError; several accounts need options.account', async () => {
    const app = pca();
    await assert.rejects(asTokenCredential(app).getToken(VAULT), { name: 'CredentialUnavailableError', reason: 'no_account' });
    await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, [VAULT]);
    await app.acquireTokenByUsernamePassword(DEFAULT_IDS.bobUsername, DEFAULT_IDS.bobPassword, [VAULT]);
    await assert.rejects(asTokenCredential(app).getToken(VAULT), { reason: 'several_accounts' });

    const accounts = await app.getAccounts();
    const bob = accounts.find((a) => a.username === DEFAULT_IDS.bobUsername);
    assert.ok(bob);
    const token = await asTokenCredential(app, { account: bob }).getToken(VAULT);
    assert.equal(claimsOf(token?.token ?? '')['unique_name'], DEFAULT_IDS.bobUsername);
  });

  it('public client: a refresh refused for a revoked session is CredentialUnavailableError (interaction_required)', async () => {
    const app = pca();
    await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, [VAULT]);
    emulator.revokeRefreshTokens(DEFAULT_IDS.aliceUsername);
    await assert.rejects(asTokenCredential(app).getToken(VAULT, { claims: '{"access_token":{"nbf":{"essential":true,"value":"1"}}}' }), {
      name: 'CredentialUnavailableError',
      reason: 'interaction_required',
    });
  });

  it('public client, device-code fallback: signs in once, then serves that account silently', async () => {
    const app = pca();
    const shown: string[] = [];
    const credential = asTokenCredential(app, {
      fallback: 'device-code',
      onDeviceCode: (flow) => {
        shown.push(flow.user_code);
        emulator.approveDeviceCode(flow.user_code, DEFAULT_IDS.aliceUsername); // the user, on another device
      },
    });
    const first = await credential.getToken(VAULT);
    assert.equal(claimsOf(first?.token ?? '')['unique_name'], DEFAULT_IDS.aliceUsername);
    const second = await credential.getToken('https://storage.azure.com/.default');
    assert.ok(second !== null);
    assert.equal(shown.length, 1, 'the second resource came from the refresh token, not a second sign-in');
  });

  it('public client, interactive fallback: concurrent requests share one browser sign-in', async () => {
    const browser = fetchBrowser(emulator);
    let opened = 0;
    const credential = asTokenCredential(pca(), {
      fallback: 'interactive',
      interactiveOptions: {
        openBrowser: (url) => {
          opened += 1;
          return browser.open(url);
        },
      },
    });
    try {
      const [a, b] = await Promise.all([credential.getToken(VAULT), credential.getToken(VAULT)]);
      assert.ok(a !== null && b !== null);
      assert.equal(opened, 1);
    } finally {
      await browser.close();
    }
  });

  it('managed identity: an unreachable endpoint is CredentialUnavailableError, so a chain can move on', async () => {
    const mi = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
      // App Service variables naming a loopback port nobody listens on.
      environment: { IDENTITY_ENDPOINT: 'http://127.0.0.1:9/msi/token', IDENTITY_HEADER: 'secret' },
    });
    await assert.rejects(asTokenCredential(mi).getToken(VAULT), (e: unknown) => {
      assert.ok(e instanceof CredentialUnavailableError);
      assert.equal(e.reason, 'managed_identity_unavailable');
      assert.ok(e.cause instanceof Error);
      return true;
    });
  });
});
