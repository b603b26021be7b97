// startEmulator refuses an option it would ignore, before it creates or listens on anything: a misspelt stateDir
// would have put the CA and signing key in the default directory, a misspelt lifetime kept the default.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

describe('startEmulator options validation', () => {
  it('a misspelt option is a TypeError with the option meant, and nothing is started', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'msal-ts-emu-opts-')), 'state');
    let started: Emulator | undefined;
    try {
      await assert.rejects(
        async () => {
          started = await startEmulator({ stateDir: dir, accessTokenLifetime: 60 } as never);
        },
        { name: 'TypeError', message: 'unknown option "accessTokenLifetime" in startEmulator options (did you mean "accessTokenLifetimeSeconds"?)' },
      );
      assert.equal(existsSync(dir), false);
    } finally {
      await started?.close();
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });
});
