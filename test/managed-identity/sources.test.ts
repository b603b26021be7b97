// One end-to-end test per managed identity source against the emulator's endpoints, each started with that source's
// environment: the exact request the endpoint saw (path, api-version, headers, identity parameter names) and the
// parsed result.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { MANAGED_IDENTITY_IDS } from '../../src/emulator/index.js';
import {
  createHttpClient,
  getManagedIdentitySource,
  ManagedIdentityClient,
  ManagedIdentityError,
  SystemAssignedManagedIdentity,
  UserAssignedManagedIdentity,
  VERSION,
} from '../../src/index.js';
import { createPinnedHttpClient } from '../../src/managed-identity/pinned-http-client.js';
import { makePki, startHttpsServer } from '../http/fixtures.js';
import { ARM, claimsOf, startMiTestBed, VAULT, type MiTestBed } from './helpers.js';

const SYSTEM = new SystemAssignedManagedIdentity();

describe('managed identity sources against the emulator', () => {
  let bed: MiTestBed;
  before(async () => {
    bed = await startMiTestBed();
  });
  after(async () => {
    await bed.close();
  });

  it('detects each source from its environment, in MSAL Python order', () => {
    for (const source of ['SERVICE_FABRIC', 'APP_SERVICE', 'MACHINE_LEARNING', 'AZURE_ARC', 'CLOUD_SHELL', 'DEFAULT_TO_VM'] as const) {
      assert.equal(bed.client(source, SYSTEM).getManagedIdentitySource(), source);
    }
    assert.equal(getManagedIdentitySource({}), 'DEFAULT_TO_VM');
    // Service Fabric wins over App Service when the thumbprint is there too.
    assert.equal(getManagedIdentitySource({ IDENTITY_ENDPOINT: 'http://x', IDENTITY_HEADER: 'h', IDENTITY_SERVER_THUMBPRINT: 'ab' }), 'SERVICE_FABRIC');
    assert.equal(getManagedIdentitySource({ AZUREPS_HOST_ENVIRONMENT: 'cloud-shell/1.0' }), 'CLOUD_SHELL');
  });

  it('IMDS: GET with api-version 2018-02-01, Metadata and client headers; expires_in from the string', async () => {
    const client = bed.client('DEFAULT_TO_VM', SYSTEM);
    const result = await client.acquireTokenForClient({ resource: VAULT, correlationId: 'corr-imds' });
    const seen = bed.emulator.lastManagedIdentityRequest('mi-imds');
    assert.ok(seen);
    assert.equal(seen.method, 'GET');
    assert.equal(seen.path, '/metadata/identity/oauth2/token');
    assert.deepEqual(seen.query, { 'api-version': '2018-02-01', resource: VAULT });
    assert.equal(seen.headers.metadata, 'true');
    assert.equal(seen.headers['x-client-sku'], 'msal-ts');
    assert.equal(seen.headers['x-client-ver'], VERSION);
    assert.equal(seen.headers['x-ms-client-request-id'], 'corr-imds');
    assert.equal(result.token_source, 'identity_provider');
    assert.equal(result.token_type, 'Bearer');
    assert.equal(result.expires_in, 3600);
    assert.equal(result.resource, VAULT);
    assert.equal(result.refresh_on, undefined, 'a 1 h token gets no proactive refresh');
    const claims = claimsOf(result.access_token);
    assert.equal(claims.appid, MANAGED_IDENTITY_IDS.systemAssignedClientId);
    assert.equal(claims.oid, MANAGED_IDENTITY_IDS.systemAssignedObjectId);
    assert.equal(claims.aud, VAULT);
  });

  it('IMDS: user-assigned identities as client_id, object_id and msi_res_id', async () => {
    const cases = [
      [{ clientId: MANAGED_IDENTITY_IDS.userAssignedClientId }, 'client_id', MANAGED_IDENTITY_IDS.userAssignedClientId],
      [{ objectId: MANAGED_IDENTITY_IDS.userAssignedObjectId }, 'object_id', MANAGED_IDENTITY_IDS.userAssignedObjectId],
      [{ resourceId: MANAGED_IDENTITY_IDS.userAssignedResourceId }, 'msi_res_id', MANAGED_IDENTITY_IDS.userAssignedResourceId],
    ] as const;
    for (const [input, param, id] of cases) {
      const result = await bed.client('DEFAULT_TO_VM', new UserAssignedManagedIdentity(input)).acquireTokenForClient({ resource: ARM });
      assert.equal(bed.emulator.lastManagedIdentityRequest('mi-imds')?.query[param], id);
      assert.equal(claimsOf(result.access_token).appid, MANAGED_IDENTITY_IDS.userAssignedClientId);
    }
  });

  it('App Service: api-version 2019-08-01, X-IDENTITY-HEADER, mi_res_id; expires_on string', async () => {
    const env = bed.emulator.managedIdentityEnvironment('APP_SERVICE');
    const identity = new UserAssignedManagedIdentity({ resourceId: MANAGED_IDENTITY_IDS.userAssignedResourceId });
    const result = await bed.client('APP_SERVICE', identity).acquireTokenForClient({ resource: VAULT });
    const seen = bed.emulator.lastManagedIdentityRequest('mi-app-service');
    assert.ok(seen);
    assert.equal(seen.path, '/msi/token');
    assert.deepEqual(seen.query, { 'api-version': '2019-08-01', resource: VAULT, mi_res_id: MANAGED_IDENTITY_IDS.userAssignedResourceId });
    assert.equal(seen.headers['x-identity-header'], env.IDENTITY_HEADER);
    assert.equal(seen.headers.metadata, 'true');
    assert.equal(result.expires_in, 3600, 'computed from expires_on with the shared clock');
    assert.equal(claimsOf(result.access_token).appid, MANAGED_IDENTITY_IDS.userAssignedClientId);
  });

  it('Azure ML: api-version 2017-09-01, the secret header and the clientid spelling', async () => {
    const env = bed.emulator.managedIdentityEnvironment('MACHINE_LEARNING');
    const identity = new UserAssignedManagedIdentity({ clientId: MANAGED_IDENTITY_IDS.userAssignedClientId });
    const result = await bed.client('MACHINE_LEARNING', identity).acquireTokenForClient({ resource: VAULT });
    const seen = bed.emulator.lastManagedIdentityRequest('mi-machine-learning');
    assert.ok(seen);
    assert.equal(seen.path, '/MSI/auth');
    assert.deepEqual(seen.query, { 'api-version': '2017-09-01', resource: VAULT, clientid: MANAGED_IDENTITY_IDS.userAssignedClientId });
    assert.equal(seen.headers.secret, env.MSI_SECRET);
    assert.equal(result.expires_in, 3600);
  });

  it('Service Fabric: HTTPS pinned to IDENTITY_SERVER_THUMBPRINT, Secret header, numeric expires_on', async () => {
    const env = bed.emulator.managedIdentityEnvironment('SERVICE_FABRIC');
    assert.match(env.IDENTITY_ENDPOINT ?? '', /^https:\/\/127\.0\.0\.1:/);
    // No CA is trusted here: the default client for Service Fabric trusts only the pinned certificate.
    const result = await bed.client('SERVICE_FABRIC', SYSTEM).acquireTokenForClient({ resource: ARM });
    const seen = bed.emulator.lastManagedIdentityRequest('mi-service-fabric');
    assert.ok(seen);
    assert.deepEqual(seen.query, { 'api-version': '2019-07-01-preview', resource: ARM });
    assert.equal(seen.headers.secret, env.IDENTITY_HEADER);
    assert.equal(result.expires_in, 3600);
    assert.equal(result.token_type, 'Bearer');
  });

  it('Service Fabric: a server whose certificate is not the pinned one never sees the request', async () => {
    const env = { ...bed.emulator.managedIdentityEnvironment('SERVICE_FABRIC'), IDENTITY_SERVER_THUMBPRINT: '00'.repeat(20) };
    const before = bed.emulator.counters()['mi-service-fabric'];
    const client = new ManagedIdentityClient(SYSTEM, { environment: env });
    await assert.rejects(client.acquireTokenForClient({ resource: ARM }), { code: 'network_error' });
    assert.equal(bed.emulator.counters()['mi-service-fabric'], before, 'the TLS handshake was refused before any request');
  });

  it('Service Fabric: an http:// IDENTITY_ENDPOINT is refused before anything is sent (no pinning, the secret in clear)', async () => {
    const env = bed.emulator.managedIdentityEnvironment('SERVICE_FABRIC');
    // The emulator's plain listener: a server that would answer over http://.
    const plain = new URL(bed.emulator.managedIdentityEnvironment('APP_SERVICE').IDENTITY_ENDPOINT ?? '');
    const insecure = { ...env, IDENTITY_ENDPOINT: `http://${plain.host}/metadata/identity/oauth2/token` };
    const before = bed.total();
    for (const options of [{}, { httpClient: createHttpClient() }]) {
      const client = new ManagedIdentityClient(SYSTEM, { environment: insecure, ...options });
      await assert.rejects(client.acquireTokenForClient({ resource: ARM }), (err: unknown) => {
        assert.ok(err instanceof ManagedIdentityError, String(err));
        assert.equal(err.reason, 'invalid_environment');
        assert.match(err.message, /IDENTITY_ENDPOINT/);
        return true;
      });
    }
    // The pinned transport itself never speaks plain HTTP either.
    const pinned = createPinnedHttpClient(env.IDENTITY_SERVER_THUMBPRINT ?? '');
    await assert.rejects(pinned.send({ method: 'GET', url: insecure.IDENTITY_ENDPOINT, headers: {} }), TypeError);
    await pinned.close();
    assert.equal(bed.total(), before, 'nothing reached any endpoint');
  });

  it('Service Fabric: the pinned transport checks the certificate on every new connection, a resumed TLS session too', async () => {
    // A resumed session shows no peer certificate; the pin must not then fail a genuine server (or pass an unknown one).
    const pki = makePki();
    const server = await startHttpsServer(pki, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
      res.end('ok');
    });
    const pinned = createPinnedHttpClient(new X509Certificate(pki.certPem).fingerprint256);
    try {
      for (let i = 0; i < 3; i++) {
        const res = await pinned.send({ method: 'GET', url: `${server.origin}/x`, headers: {} });
        assert.equal(res.status, 200, `request ${i + 1}`);
      }
      assert.equal(server.seen.length, 3, 'each request on its own connection');
    } finally {
      await pinned.close();
      await server.close();
      pki.dispose();
    }
  });

  it('Service Fabric: a token response over the 1 MiB limit fails instead of being cut short (declared and chunked)', async () => {
    const pki = makePki();
    // Valid JSON followed by whitespace: cut at the limit, it would still parse.
    const token = JSON.stringify({ access_token: 'at', expires_on: String(bed.clock.now + 3600), token_type: 'Bearer', resource: ARM });
    let chunked = false;
    const server = await startHttpsServer(pki, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (chunked) res.write(token);
      res.end(chunked ? ' '.repeat(2 * 1024 * 1024) : token + ' '.repeat(2 * 1024 * 1024));
    });
    try {
      const env = {
        IDENTITY_ENDPOINT: `${server.origin}/metadata/identity/oauth2/token`,
        IDENTITY_HEADER: 'secret',
        IDENTITY_SERVER_THUMBPRINT: new X509Certificate(pki.certPem).fingerprint256,
      };
      for (const mode of [false, true]) {
        chunked = mode;
        const client = new ManagedIdentityClient(SYSTEM, { environment: env, now: () => bed.clock.now * 1000 });
        await assert.rejects(client.acquireTokenForClient({ resource: ARM }), { code: 'invalid_response' });
      }
      assert.equal(server.seen.length, 2, 'the pinned server was reached both times');
    } finally {
      await server.close();
      pki.dispose();
    }
  });

  it('Azure Arc: challenge, key file from the trusted directory, Authorization: Basic', async () => {
    bed.emulator.resetCounters();
    const result = await bed.client('AZURE_ARC', SYSTEM).acquireTokenForClient({ resource: VAULT });
    assert.equal(bed.emulator.counters()['mi-azure-arc'], 2);
    const seen = bed.emulator.lastManagedIdentityRequest('mi-azure-arc');
    assert.ok(seen);
    assert.equal(seen.path, '/arc/metadata/identity/oauth2/token');
    assert.deepEqual(seen.query, { 'api-version': '2020-06-01', resource: VAULT });
    assert.equal(seen.headers.metadata, 'true');
    assert.match(seen.headers.authorization ?? '', /^Basic [A-Za-z0-9_-]{43}$/);
    assert.equal(result.expires_in, 3600);
    assert.deepEqual(readdirSync(bed.arcDir), [], 'the emulator removed the key file once used');
  });

  it('Cloud Shell: POST resource as a form with Metadata', async () => {
    const result = await bed.client('CLOUD_SHELL', SYSTEM).acquireTokenForClient({ resource: ARM });
    const seen = bed.emulator.lastManagedIdentityRequest('mi-cloud-shell');
    assert.ok(seen);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.path, '/oauth2/token');
    assert.equal(seen.body, new URLSearchParams({ resource: ARM }).toString());
    assert.equal(seen.headers.metadata, 'true');
    assert.match(seen.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded/);
    assert.equal(result.expires_in, 3600);
  });

  it('accepts MSAL Python dict identities and refuses malformed ones before any I/O', async () => {
    const client = bed.client('DEFAULT_TO_VM', { ManagedIdentityIdType: 'ObjectId', Id: MANAGED_IDENTITY_IDS.userAssignedObjectId } as never);
    await client.acquireTokenForClient({ resource: VAULT });
    assert.equal(bed.emulator.lastManagedIdentityRequest('mi-imds')?.query.object_id, MANAGED_IDENTITY_IDS.userAssignedObjectId);
    assert.throws(() => new UserAssignedManagedIdentity({} as never), TypeError);
    assert.throws(() => new UserAssignedManagedIdentity({ clientId: 'a', objectId: 'b' } as never), /exactly one/);
    assert.throws(() => new UserAssignedManagedIdentity({ clientId: '' }), TypeError);
    assert.throws(() => new ManagedIdentityClient({ ManagedIdentityIdType: 'Nope', Id: 'x' } as never), TypeError);
    await assert.rejects(bed.client('DEFAULT_TO_VM', SYSTEM).acquireTokenForClient({ resource: '' }), TypeError);
    assert.equal(existsSync(bed.arcDir), true);
  });
});
