// Azure Arc's challenge is only answered with a key file from the agent's trusted directory: every refusal is a typed
// ManagedIdentityError raised before a second request (the one that would carry the secret) is sent.
import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MANAGED_IDENTITY_IDS } from '../../src/emulator/index.js';
import { ManagedIdentityError, SystemAssignedManagedIdentity, UserAssignedManagedIdentity } from '../../src/index.js';
import { startMiTestBed, VAULT, type MiTestBed } from './helpers.js';

const SYSTEM = new SystemAssignedManagedIdentity();

describe('Azure Arc challenge checks', () => {
  let bed: MiTestBed;
  before(async () => {
    bed = await startMiTestBed();
  });
  after(async () => {
    await bed.close();
  });
  beforeEach(() => {
    bed.emulator.setArcChallengeRealm(undefined);
    bed.emulator.clearFaults();
    bed.emulator.resetCounters();
  });

  async function refused(realm: string | undefined, reason: ManagedIdentityError['reason'], seams = {}): Promise<void> {
    bed.emulator.resetCounters();
    bed.emulator.setArcChallengeRealm(realm);
    const client = bed.client('AZURE_ARC', SYSTEM, {}, seams);
    await assert.rejects(client.acquireTokenForClient({ resource: VAULT }), (err: unknown) => {
      assert.ok(err instanceof ManagedIdentityError);
      assert.equal(err.code, 'managed_identity');
      assert.equal(err.reason, reason);
      return true;
    });
    assert.equal(bed.emulator.counters()['mi-azure-arc'], 1, 'only the challenge request was sent');
    assert.equal(bed.emulator.lastManagedIdentityRequest('mi-azure-arc')?.headers.authorization, undefined);
  }

  it('refuses a challenge naming a file outside the key directory', async () => {
    await refused('/etc/ssh/ssh_host_rsa_key.key', 'arc_invalid_key_path');
  });

  it('refuses a path that climbs out of the directory', async () => {
    const outside = `${basename(bed.arcDir)}-outside.key`;
    writeFileSync(join(bed.arcDir, '..', outside), 'not for you');
    try {
      await refused(`${bed.arcDir}/../${outside}`, 'arc_invalid_key_path');
      await refused(`${bed.arcDir}/sub/../../${outside}`, 'arc_invalid_key_path');
    } finally {
      rmSync(join(bed.arcDir, '..', outside), { force: true });
    }
  });

  it('refuses a file that is not a .key file', async () => {
    writeFileSync(join(bed.arcDir, 'secret.txt'), 'x');
    await refused(join(bed.arcDir, 'secret.txt'), 'arc_invalid_key_path');
  });

  it('refuses a key file over 4096 bytes', async () => {
    writeFileSync(join(bed.arcDir, 'big.key'), 'k'.repeat(4097));
    await refused(join(bed.arcDir, 'big.key'), 'arc_invalid_key_file');
  });

  it('accepts a key file of exactly 4096 bytes (the emulator then refuses the unknown key)', async () => {
    writeFileSync(join(bed.arcDir, 'edge.key'), 'k'.repeat(4096));
    bed.emulator.setArcChallengeRealm(join(bed.arcDir, 'edge.key'));
    await assert.rejects(bed.client('AZURE_ARC', SYSTEM).acquireTokenForClient({ resource: VAULT }), { code: 'server_error', status: 401 });
    assert.equal(bed.emulator.counters()['mi-azure-arc'], 2);
    assert.equal(bed.emulator.lastManagedIdentityRequest('mi-azure-arc')?.headers.authorization, `Basic ${'k'.repeat(4096)}`);
  });

  it('refuses a key file that does not exist, as unreadable', async () => {
    await refused(join(bed.arcDir, 'missing.key'), 'arc_key_file_unreadable');
  });

  it('refuses to answer on a platform other than Linux and Windows', async () => {
    await refused(undefined, 'arc_platform_not_supported', { platform: 'darwin' });
    // The key file the emulator wrote for that challenge is still there: nobody read it.
    assert.equal(readdirSync(bed.arcDir).filter((f) => f.endsWith('.key') && f.length === 20).length, 1);
  });

  it('refuses a 401 without a Basic realm challenge', async () => {
    bed.emulator.injectFault({ kind: 'status', status: 401, endpoint: 'mi-azure-arc' });
    await refused(undefined, 'arc_invalid_challenge');
  });

  it('refuses a user-assigned identity without sending anything', async () => {
    const client = bed.client('AZURE_ARC', new UserAssignedManagedIdentity({ clientId: MANAGED_IDENTITY_IDS.userAssignedClientId }));
    await assert.rejects(client.acquireTokenForClient({ resource: VAULT }), { code: 'managed_identity', reason: 'user_assigned_not_supported' });
    assert.equal(bed.emulator.counters()['mi-azure-arc'], 0);
  });

  it('detects Arc by the himds file when the variables are absent', () => {
    const himds = join(bed.arcDir, 'himds');
    writeFileSync(himds, '');
    const client = bed.client('DEFAULT_TO_VM', SYSTEM, { environment: {} }, { himdsPaths: { linux: himds, win32: himds } });
    assert.equal(client.getManagedIdentitySource(), 'AZURE_ARC');
  });
});
