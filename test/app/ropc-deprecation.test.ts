// MSAL Python deprecates username/password (ROPC) for public clients (PR 855, with the other MSALs): a public client's
// acquireTokenByUsernamePassword emits one DeprecationWarning per process, with a stable code; a confidential
// client's emits none. Its own file, so that no other test has used up the once-per-process warning.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication } from '../../src/app/confidential-client-application.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { GRAPH_USER_READ, makePca } from './helpers.js';

describe('ROPC deprecation warning', () => {
  let emulator: Emulator;
  const warnings: Error[] = [];
  const collect = (w: Error): void => {
    warnings.push(w);
  };

  before(async () => {
    emulator = await startEmulator();
    process.on('warning', collect);
  });
  after(async () => {
    process.off('warning', collect);
    await emulator.close();
  });

  function ropcWarnings(): Error[] {
    return warnings.filter((w) => (w as Error & { code?: string }).code === 'MSAL_TS_ROPC_DEPRECATED');
  }

  it('a confidential client is not warned; a public client is, once per process', async () => {
    const web = new ConfidentialClientApplication(DEFAULT_IDS.webApiClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.webApiSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
    });
    // Whether the emulator grants it does not matter here, only what was warned.
    await web.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ).catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ropcWarnings().length, 0);

    const app = makePca(emulator, DEFAULT_IDS.publicClientId);
    const result = await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    assert.equal(result.token_source, 'identity_provider', 'deprecated, still working');
    await new Promise((resolve) => setImmediate(resolve));
    const [warning, ...more] = ropcWarnings();
    assert.equal(more.length, 0);
    assert.equal(warning?.name, 'DeprecationWarning');

    await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ropcWarnings().length, 1, 'once per process');
  });
});
