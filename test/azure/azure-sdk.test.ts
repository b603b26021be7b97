// msal-ts/azure under the real Azure SDK: core-rest-pipeline's bearerTokenAuthenticationPolicy and the Key Vault
// SecretClient, against a local HTTPS resource server that verifies the emulator's tokens and answers a revoked token
// with a CAE claims challenge; and @azure/identity's ChainedTokenCredential moving past an unavailable credential.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TokenCredential as CoreTokenCredential } from '@azure/core-auth';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createEmptyPipeline,
  createPipelineRequest,
  type HttpClient as CoreHttpClient,
} from '@azure/core-rest-pipeline';
import { ChainedTokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { asTokenCredential, CredentialUnavailableError } from '../../src/azure/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ConfidentialClientApplication, ManagedIdentityClient, PublicClientApplication, SystemAssignedManagedIdentity } from '../../src/index.js';
import { recordingHttp, type RecordingHttp } from '../app/helpers.js';
import { CAE_CLAIMS, startResourceServer, VAULT_SCOPE, type ResourceServer } from './resource-server.js';

/** The `claims` form field of a token request, parsed. */
function claimsSent(body: string | undefined): unknown {
  const claims = new URLSearchParams(body ?? '').get('claims');
  return claims === null ? undefined : JSON.parse(claims);
}

describe('msal-ts/azure with the Azure SDK', () => {
  let emulator: Emulator;
  let vault: ResourceServer;
  let http: RecordingHttp;
  let sdkHttp: CoreHttpClient;

  before(async () => {
    emulator = await startEmulator({ managedIdentity: true });
    vault = await startResourceServer(emulator, { 'db-password': 's3cret' });
    sdkHttp = createDefaultHttpClient();
  });
  after(async () => {
    await vault.close();
    await emulator.close();
  });
  beforeEach(() => {
    http = recordingHttp(emulator);
    vault.presented.length = 0;
    vault.answers.length = 0;
  });

  function daemon(): ConfidentialClientApplication {
    return new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      instanceDiscovery: false,
      clientCapabilities: ['cp1'],
      httpClient: http,
    });
  }

  /** GET a secret through a bare pipeline with the bearer token policy, as every Azure SDK client builds one. */
  async function getThroughPipeline(credential: CoreTokenCredential): Promise<{ status: number; body: string }> {
    const pipeline = createEmptyPipeline();
    pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: VAULT_SCOPE }));
    const request = createPipelineRequest({ url: `${vault.url}/secrets/db-password?api-version=7.5`, method: 'GET' });
    request.tlsSettings = { ca: vault.caPem };
    const response = await pipeline.sendRequest(sdkHttp, request);
    return { status: response.status, body: response.bodyAsText ?? '' };
  }

  it('bearerTokenAuthenticationPolicy: a CAE claims challenge gets a new token with the claims, from a ConfidentialClientApplication', async () => {
    const credential: CoreTokenCredential = asTokenCredential(daemon());
    vault.revokeNext();
    const { status, body } = await getThroughPipeline(credential);

    assert.equal(status, 200, body);
    assert.equal((JSON.parse(body) as { value: string }).value, 's3cret');
    assert.deepEqual(vault.answers, [401, 200]);
    const [first, second] = vault.presented;
    assert.ok(first !== undefined && second !== undefined && first !== second, 'the retry presented a new token');
    const tokenRequests = http.to('/oauth2/v2.0/token');
    assert.equal(tokenRequests.length, 2, 'the claims challenge skipped the cache');
    // Every request declares the app's client capabilities; only the retry carries the challenge's claims.
    assert.deepEqual(claimsSent(tokenRequests[0]?.body), { access_token: { xms_cc: { values: ['cp1'] } } });
    // The challenge's claims, with the app's client capabilities merged in (what makes Entra issue a CAE token).
    assert.deepEqual(claimsSent(tokenRequests[1]?.body), {
      access_token: { nbf: { essential: true, value: '1700000000' }, xms_cc: { values: ['cp1'] } },
    });
  });

  it('bearerTokenAuthenticationPolicy: a PublicClientApplication refreshes with the claims for its signed-in account', async () => {
    const app = new PublicClientApplication(DEFAULT_IDS.publicClientId, {
      authority: emulator.authority,
      instanceDiscovery: false,
      httpClient: http,
    });
    await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, [VAULT_SCOPE]);
    http.requests.length = 0;
    vault.revokeNext();
    const { status } = await getThroughPipeline(asTokenCredential(app));

    assert.equal(status, 200);
    assert.deepEqual(vault.answers, [401, 200]);
    const tokenRequests = http.to('/oauth2/v2.0/token');
    assert.equal(tokenRequests.length, 1, 'the first token came from the cache, the second from a refresh');
    const refresh = new URLSearchParams(tokenRequests[0]?.body ?? '');
    assert.equal(refresh.get('grant_type'), 'refresh_token');
    assert.deepEqual(claimsSent(tokenRequests[0]?.body), JSON.parse(CAE_CLAIMS));
  });

  it('bearerTokenAuthenticationPolicy: a ManagedIdentityClient skips its cache on the claims challenge', async () => {
    const mi = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
      environment: emulator.managedIdentityEnvironment('APP_SERVICE'),
    });
    emulator.resetCounters();
    vault.revokeNext();
    const { status } = await getThroughPipeline(asTokenCredential(mi));

    assert.equal(status, 200);
    assert.deepEqual(vault.answers, [401, 200]);
    assert.notEqual(vault.presented[0], vault.presented[1]);
    const miRequests = Object.entries(emulator.counters())
      .filter(([k]) => k.startsWith('mi-'))
      .reduce((n, [, v]) => n + v, 0);
    assert.equal(miRequests, 2, 'one token, then a new one for the challenge');
  });

  it('SecretClient: Key Vault discovery challenge, then a CAE challenge, then served from the credential', async () => {
    const credential = asTokenCredential(daemon());
    const client = new SecretClient(vault.url, credential, {
      disableChallengeResourceVerification: true, // the vault is 127.0.0.1, not *.vault.azure.net
      tlsOptions: { ca: vault.caPem },
      retryOptions: { maxRetries: 0 },
    });
    const secret = await client.getSecret('db-password');
    assert.equal(secret.value, 's3cret');
    assert.equal(secret.name, 'db-password');
    assert.deepEqual(vault.answers, [401, 200], 'an unauthenticated discovery request, then the token');
    assert.equal(vault.presented[0], '');

    vault.revokeNext();
    const again = await client.getSecret('db-password');
    assert.equal(again.value, 's3cret');
    assert.deepEqual(vault.answers, [401, 200, 401, 200]);
    const tokenRequests = http.to('/oauth2/v2.0/token');
    assert.equal(tokenRequests.length, 2);
    assert.deepEqual(claimsSent(tokenRequests[1]?.body), {
      access_token: { nbf: { essential: true, value: '1700000000' }, xms_cc: { values: ['cp1'] } },
    });
    assert.equal(vault.presented[1], vault.presented[2], 'the second call reused the token until it was revoked');
    assert.notEqual(vault.presented[2], vault.presented[3]);
  });

  it('ChainedTokenCredential moves past a PublicClientApplication with no signed-in user (CredentialUnavailableError)', async () => {
    const nobody = new PublicClientApplication(DEFAULT_IDS.publicClientId, {
      authority: emulator.authority,
      instanceDiscovery: false,
      httpClient: http,
    });
    const unavailable = asTokenCredential(nobody);
    await assert.rejects(unavailable.getToken(VAULT_SCOPE), (err: unknown) => {
      assert.ok(err instanceof CredentialUnavailableError);
      assert.equal(err.name, 'CredentialUnavailableError');
      assert.equal(err.code, 'credential_unavailable');
      assert.equal(err.reason, 'no_account');
      return true;
    });
    const chain = new ChainedTokenCredential(unavailable, asTokenCredential(daemon()));
    const token = await chain.getToken(VAULT_SCOPE);
    assert.ok(token !== null && token.token.split('.').length === 3);
    assert.equal(http.to('/oauth2/v2.0/token').length, 1, 'only the daemon asked for a token');
  });

  it('ChainedTokenCredential stops at a real failure (a wrong client secret), as Azure SDK credentials do', async () => {
    const wrong = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: 'not-the-secret',
      instanceDiscovery: false,
      httpClient: http,
    });
    const chain = new ChainedTokenCredential(asTokenCredential(wrong), asTokenCredential(daemon()));
    await assert.rejects(chain.getToken(VAULT_SCOPE), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'ServerError');
      return true;
    });
    assert.equal(http.to('/oauth2/v2.0/token').length, 1, 'the second credential was not tried');
  });
});
