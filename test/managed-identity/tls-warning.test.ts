// A managed identity client whose default transport runs with certificate verification off
// (NODE_TLS_REJECT_UNAUTHORIZED=0 inherited from a shell or an image) says so, once, in the logger it was given.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SystemAssignedManagedIdentity } from '../../src/index.js';
import type { LogContext, LogLevel, Logger } from '../../src/logger.js';
import { startMiTestBed, VAULT, type MiTestBed } from './helpers.js';

function recorder(): Logger & { seen: Array<{ level: LogLevel; context: LogContext }> } {
  const seen: Array<{ level: LogLevel; context: LogContext }> = [];
  return { level: 'verbose', seen, log: (level, _message, context) => seen.push({ level, context }) };
}

describe('managed identity: TLS verification off is not silent', () => {
  let bed: MiTestBed;
  before(async () => {
    bed = await startMiTestBed();
  });
  after(async () => {
    await bed.close();
  });

  it("NODE_TLS_REJECT_UNAUTHORIZED=0 is a warning in the client's logger, once", async () => {
    const logger = recorder();
    const saved = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
    try {
      const client = bed.client('APP_SERVICE', new SystemAssignedManagedIdentity(), { logger });
      await client.acquireTokenForClient({ resource: VAULT });
      await client.acquireTokenForClient({ resource: VAULT, forceRefresh: true });
    } finally {
      if (saved === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
      else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = saved;
    }
    assert.deepEqual(logger.seen, [{ level: 'warning', context: { tlsVerification: 'off', setting: 'NODE_TLS_REJECT_UNAUTHORIZED=0' } }]);
    // The control: the variable unset, nothing is logged.
    const quiet = recorder();
    await bed.client('APP_SERVICE', new SystemAssignedManagedIdentity(), { logger: quiet }).acquireTokenForClient({ resource: VAULT });
    assert.deepEqual(quiet.seen, []);
    assert.throws(() => bed.client('APP_SERVICE', new SystemAssignedManagedIdentity(), { logger: {} as Logger }), /logger must be/);
  });
});
