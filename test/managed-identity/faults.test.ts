// Faults injected into the emulator's managed identity endpoints: IMDS retries its transient statuses with MSAL's
// backoff (the delays are recorded, not waited); every other source gives a typed error at once; a 429/5xx is
// replayed from the throttle until its Retry-After has passed; every expires_on format parses.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createHttpClient, InvalidResponseError, ServerError, SystemAssignedManagedIdentity } from '../../src/index.js';
import { startMiTestBed, VAULT, type MiTestBed } from './helpers.js';

const SYSTEM = new SystemAssignedManagedIdentity();

describe('managed identity faults', () => {
  let bed: MiTestBed;
  before(async () => {
    bed = await startMiTestBed();
  });
  after(async () => {
    await bed.close();
  });
  beforeEach(() => {
    bed.emulator.clearFaults();
    bed.emulator.resetCounters();
    bed.sleeps.length = 0;
  });

  it('IMDS retries 503 then succeeds, waiting 1 s then 2 s', async () => {
    bed.emulator.injectFault({ kind: 'status', status: 503, endpoint: 'mi-imds', count: 2 });
    const result = await bed.client('DEFAULT_TO_VM', SYSTEM).acquireTokenForClient({ resource: VAULT });
    assert.equal(result.token_source, 'identity_provider');
    assert.equal(bed.emulator.counters()['mi-imds'], 3);
    assert.deepEqual(bed.sleeps, [1000, 2000]);
  });

  it('IMDS gives up after 3 retries (1 s, 2 s, 4 s) with a ServerError', async () => {
    bed.emulator.injectFault({ kind: 'status', status: 500, endpoint: 'mi-imds', count: 10 });
    await assert.rejects(bed.client('DEFAULT_TO_VM', SYSTEM).acquireTokenForClient({ resource: VAULT }), (err: unknown) => {
      assert.ok(err instanceof ServerError);
      assert.equal(err.status, 500);
      assert.equal(err.error, 'server_error');
      return true;
    });
    assert.equal(bed.emulator.counters()['mi-imds'], 4);
    assert.deepEqual(bed.sleeps, [1000, 2000, 4000]);
  });

  it('IMDS waits for a 429 Retry-After, and retries a 410 every 10 s up to 7 times', async () => {
    bed.emulator.injectFault({ kind: 'status', status: 429, retryAfter: 3, endpoint: 'mi-imds' });
    await bed.client('DEFAULT_TO_VM', SYSTEM).acquireTokenForClient({ resource: VAULT });
    assert.deepEqual(bed.sleeps, [3000]);
    bed.sleeps.length = 0;
    bed.emulator.injectFault({ kind: 'status', status: 410, endpoint: 'mi-imds', count: 20 });
    await assert.rejects(bed.client('DEFAULT_TO_VM', SYSTEM).acquireTokenForClient({ resource: VAULT }), { code: 'server_error', status: 410 });
    assert.deepEqual(bed.sleeps, Array<number>(7).fill(10_000));
  });

  it('IMDS does not retry a 400, and keeps the OAuth2 error it sent', async () => {
    await assert.rejects(bed.client('DEFAULT_TO_VM', SYSTEM).acquireTokenForClient({ resource: 'https://unknown.example' }), {
      code: 'server_error',
      status: 400,
      error: 'invalid_resource',
    });
    assert.equal(bed.emulator.counters()['mi-imds'], 1);
    assert.deepEqual(bed.sleeps, []);
  });

  it('App Service: a 5xx is an invalid_scope ServerError at once (no retry), as MSAL Python maps it', async () => {
    bed.emulator.injectFault({ kind: 'status', status: 500, endpoint: 'mi-app-service' });
    await assert.rejects(bed.client('APP_SERVICE', SYSTEM).acquireTokenForClient({ resource: VAULT }), (err: unknown) => {
      assert.ok(err instanceof ServerError);
      assert.equal(err.error, 'invalid_scope');
      assert.match(err.error_description ?? '', /^500, /);
      return true;
    });
    assert.equal(bed.emulator.counters()['mi-app-service'], 1);
  });

  it('a 429 with Retry-After is replayed from the throttle until it has passed', async () => {
    bed.emulator.injectFault({ kind: 'status', status: 429, retryAfter: 30, endpoint: 'mi-app-service' });
    const client = bed.client('APP_SERVICE', SYSTEM);
    await assert.rejects(client.acquireTokenForClient({ resource: VAULT }), { status: 429, retryAfter: 30 });
    await assert.rejects(client.acquireTokenForClient({ resource: VAULT }), { status: 429, retryAfter: 30 });
    assert.equal(bed.emulator.counters()['mi-app-service'], 1, 'the second call was answered by the throttle');
    bed.clock.now += 31;
    const result = await client.acquireTokenForClient({ resource: VAULT });
    assert.equal(result.token_source, 'identity_provider');
    assert.equal(bed.emulator.counters()['mi-app-service'], 2);
  });

  it('Service Fabric errors map to OAuth2 codes (a wrong secret is unauthorized_client)', async () => {
    const env = { ...bed.emulator.managedIdentityEnvironment('SERVICE_FABRIC'), IDENTITY_HEADER: 'wrong' };
    await assert.rejects(bed.client('SERVICE_FABRIC', SYSTEM, { environment: env }).acquireTokenForClient({ resource: VAULT }), {
      code: 'server_error',
      status: 401,
      error: 'unauthorized_client',
    });
  });

  it('Azure ML: an error is invalid_scope; a wrong secret too', async () => {
    const env = { ...bed.emulator.managedIdentityEnvironment('MACHINE_LEARNING'), MSI_SECRET: 'wrong' };
    await assert.rejects(bed.client('MACHINE_LEARNING', SYSTEM, { environment: env }).acquireTokenForClient({ resource: VAULT }), {
      status: 401,
      error: 'invalid_scope',
    });
  });

  it('malformed JSON in a 200 is an InvalidResponseError that never quotes the body', async () => {
    bed.emulator.injectFault({ kind: 'malformed_json', endpoint: 'mi-cloud-shell' });
    await assert.rejects(bed.client('CLOUD_SHELL', SYSTEM).acquireTokenForClient({ resource: VAULT }), (err: unknown) => {
      assert.ok(err instanceof InvalidResponseError);
      assert.doesNotMatch(err.message, /eyJ/);
      return true;
    });
  });

  it('a slow endpoint is a RequestTimeoutError; a dropped connection a NetworkError', async () => {
    bed.emulator.injectFault({ kind: 'delay', ms: 2000, endpoint: 'mi-app-service' });
    const http = createHttpClient({ timeoutMs: 150 });
    try {
      await assert.rejects(bed.client('APP_SERVICE', SYSTEM, { httpClient: http }).acquireTokenForClient({ resource: VAULT }), {
        code: 'request_timeout',
      });
    } finally {
      await http.close();
    }
    bed.emulator.injectFault({ kind: 'reset', endpoint: 'mi-machine-learning' });
    await assert.rejects(bed.client('MACHINE_LEARNING', SYSTEM).acquireTokenForClient({ resource: VAULT }), { code: 'network_error' });
  });

  it('parses every expires_on form: App Service date string, epoch number, epoch string', async () => {
    const at = Date.UTC(2027, 0, 15, 10, 0, 0) / 1000;
    bed.clock.now = at - 7200;
    const bodies = [
      { access_token: 'a', token_type: 'Bearer', expires_on: '1/15/2027 10:00:00 AM +00:00' },
      { access_token: 'b', token_type: 'Bearer', expires_on: at },
      { access_token: 'c', token_type: 'Bearer', expires_on: String(at) },
    ];
    for (const body of bodies) {
      bed.emulator.injectFault({ kind: 'status', status: 200, body: JSON.stringify(body), endpoint: 'mi-app-service' });
      const result = await bed.client('APP_SERVICE', SYSTEM).acquireTokenForClient({ resource: VAULT });
      assert.equal(result.access_token, body.access_token);
      assert.equal(result.expires_in, 7200);
      assert.equal(result.refresh_on, bed.clock.now + 3600, 'tokens of 2 h or more refresh halfway, as MSAL Python');
    }
    bed.emulator.injectFault({ kind: 'status', status: 200, body: '{"access_token":"d","expires_on":"tomorrow"}', endpoint: 'mi-app-service' });
    await assert.rejects(bed.client('APP_SERVICE', SYSTEM).acquireTokenForClient({ resource: VAULT }), { code: 'invalid_response' });
  });
});
