// Managed identity changes of MSAL Python 1.32-1.37, each against the emulator's endpoints: POD Identity's
// AZURE_POD_IDENTITY_AUTHORITY_HOST alone points IMDS at another host (1.32); Service Fabric gets the client
// capabilities as xms_cc and, with a claims challenge, the rejected token's SHA-256 hex as token_sha256_to_refresh
// (1.33, PR 791); IMDS gets the client metadata headers it forwards to Entra (1.37, issue 899).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SystemAssignedManagedIdentity, VERSION } from '../../src/index.js';
import { startMiTestBed, VAULT, type MiTestBed } from './helpers.js';

const SYSTEM = new SystemAssignedManagedIdentity();

describe('managed identity: MSAL Python 1.32-1.37', () => {
  let bed: MiTestBed;
  before(async () => {
    bed = await startMiTestBed();
  });
  after(async () => {
    await bed.close();
  });

  it('AZURE_POD_IDENTITY_AUTHORITY_HOST alone (trailing slash and all) sends IMDS requests to that host', async () => {
    const vm = bed.emulator.managedIdentityEnvironment('DEFAULT_TO_VM');
    const host = vm['AZURE_POD_IDENTITY_AUTHORITY_HOST'];
    assert.ok(host);
    const client = bed.client('DEFAULT_TO_VM', SYSTEM, { environment: { AZURE_POD_IDENTITY_AUTHORITY_HOST: `${host}/` } });
    const before = bed.emulator.counters()['mi-imds'] ?? 0;
    const result = await client.acquireTokenForClient({ resource: VAULT, correlationId: 'corr-pod' });
    assert.equal(result.token_source, 'identity_provider');
    assert.equal(bed.emulator.counters()['mi-imds'], before + 1);
    const seen = bed.emulator.lastManagedIdentityRequest('mi-imds');
    assert.equal(seen?.path, '/metadata/identity/oauth2/token');
    // The metadata headers IMDS forwards to Entra (MSAL Python 1.37).
    assert.equal(seen?.headers['x-client-sku'], 'msal-ts');
    assert.equal(seen?.headers['x-client-ver'], VERSION);
    assert.equal(seen?.headers['x-ms-client-request-id'], 'corr-pod');
  });

  it("Service Fabric: xms_cc from clientCapabilities, and a claims challenge sends the rejected token's SHA-256", async () => {
    const client = bed.client('SERVICE_FABRIC', SYSTEM, { clientCapabilities: ['CP1', 'cp2'] });
    const first = await client.acquireTokenForClient({ resource: VAULT });
    let seen = bed.emulator.lastManagedIdentityRequest('mi-service-fabric');
    assert.equal(seen?.query['xms_cc'], 'CP1,cp2');
    assert.equal(seen?.query['token_sha256_to_refresh'], undefined, 'no challenge, nothing to revoke');

    const challenge = '{"access_token":{"nbf":{"essential":true,"value":"1800000000"}}}';
    const second = await client.acquireTokenForClient({ resource: VAULT, claimsChallenge: challenge });
    assert.equal(second.token_source, 'identity_provider');
    assert.notEqual(second.access_token, first.access_token);
    seen = bed.emulator.lastManagedIdentityRequest('mi-service-fabric');
    assert.equal(seen?.query['token_sha256_to_refresh'], createHash('sha256').update(first.access_token).digest('hex'));
    assert.equal(seen?.query['xms_cc'], 'CP1,cp2');
    assert.equal(seen?.query['claims'], undefined, 'the claims themselves are not sent, as in MSAL Python');
  });
});
