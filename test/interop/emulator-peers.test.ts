// Unmodified peers against the emulator: @azure/msal-node 7 and MSAL Python (Debian's 1.21 and 1.31,
// test/interop/python-lanes.ts), each in a child process that trusts the emulator's CA the way a user would
// (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_IDS, type EmulatorApp } from '../../src/emulator/index.js';
import { claims, startTestEmulator, type TestEmulator } from '../emulator/helpers.js';
import { PYTHON, PYTHON_LANES } from './python-lanes.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function run(command: string, args: string[], env: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((done, fail) => {
    execFile(command, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null) {
        fail(new Error(`${command} failed: ${err.message}\n${stderr}`));
        return;
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        done(JSON.parse(line) as Record<string, unknown>);
      } catch {
        fail(new Error(`unexpected output: ${stdout}\n${stderr}`));
      }
    });
  });
}

describe('emulator interop with unmodified MSAL peers', () => {
  let t: TestEmulator;
  let certApp: EmulatorApp;
  before(async () => {
    t = await startTestEmulator();
    const found = t.emulator.config.apps.find((a) => a.clientId === DEFAULT_IDS.certificateClientId);
    assert.ok(found?.certificateFiles);
    certApp = found;
  });
  after(() => t.close());

  const graph = 'https://graph.microsoft.com/.default';

  it('@azure/msal-node acquireTokenByClientCredential with a secret', async () => {
    t.emulator.resetCounters();
    const out = await run(process.execPath, [fixture('msal-node-client-credentials.mjs')], {
      NODE_EXTRA_CA_CERTS: t.emulator.caPath,
      EMU_AUTHORITY: t.emulator.authority,
      EMU_CLIENT_ID: DEFAULT_IDS.daemonClientId,
      EMU_CLIENT_SECRET: DEFAULT_IDS.daemonSecret,
      EMU_SCOPE: graph,
    });
    assert.equal(out.ok, true, JSON.stringify(out));
    assert.equal(out.tokenType, 'Bearer');
    // msal-node takes a network result's tenantId from an id token, which app-only responses lack (as with Entra).
    assert.equal(out.secondFromCache, true);
    assert.equal(claims(out.accessToken).appid, DEFAULT_IDS.daemonClientId);
    assert.equal(claims(out.accessToken).tid, DEFAULT_IDS.tenantId);
    assert.equal(t.emulator.counters()['token:client_credentials'], 1);
  });

  it('@azure/msal-node with the generated certificate (PS256, x5t#S256) and a domain authority', async () => {
    const out = await run(process.execPath, [fixture('msal-node-client-credentials.mjs')], {
      NODE_EXTRA_CA_CERTS: t.emulator.caPath,
      EMU_AUTHORITY: t.emulator.authorityFor(DEFAULT_IDS.tenantDomain),
      EMU_CLIENT_ID: certApp.clientId,
      EMU_CERT_KEY_PATH: certApp.certificateFiles?.privateKeyPath ?? '',
      EMU_CERT_THUMBPRINT_SHA256: certApp.certificateFiles?.thumbprintSha256 ?? '',
      EMU_SCOPE: graph,
    });
    assert.equal(out.ok, true, JSON.stringify(out));
    assert.equal(claims(out.accessToken).appidacr, '2');
  });

  for (const lane of PYTHON_LANES) {
    it(`${lane.label} acquire_token_for_client with a secret`, { skip: lane.skip }, async () => {
      t.emulator.resetCounters();
      const out = await run(PYTHON, [fixture('msal-python-client-credentials.py')], {
        ...lane.env,
        REQUESTS_CA_BUNDLE: t.emulator.caPath,
        EMU_AUTHORITY: t.emulator.authority,
        EMU_CLIENT_ID: DEFAULT_IDS.daemonClientId,
        EMU_CLIENT_SECRET: DEFAULT_IDS.daemonSecret,
        EMU_SCOPE: graph,
      });
      assert.equal(out.ok, true, JSON.stringify(out));
      assert.equal(out.token_type, 'Bearer');
      assert.equal(claims(out.access_token).tid, DEFAULT_IDS.tenantId);
      assert.equal(t.emulator.counters()['openid-configuration'], 1);
      assert.equal(t.emulator.counters()['instance-discovery'], 0);
    });

    it(`${lane.label} with the generated certificate (RS256, SHA-1 x5t)`, { skip: lane.skip }, async () => {
      const out = await run(PYTHON, [fixture('msal-python-client-credentials.py')], {
        ...lane.env,
        REQUESTS_CA_BUNDLE: t.emulator.caPath,
        EMU_AUTHORITY: t.emulator.authorityFor(DEFAULT_IDS.tenantDomain),
        EMU_CLIENT_ID: certApp.clientId,
        EMU_CERT_KEY_PATH: certApp.certificateFiles?.privateKeyPath ?? '',
        EMU_CERT_THUMBPRINT: certApp.certificateFiles?.thumbprint ?? '',
        EMU_SCOPE: graph,
      });
      assert.equal(out.ok, true, JSON.stringify(out));
      assert.equal(claims(out.access_token).appidacr, '2');
    });
  }

  it("MSAL Python reports the emulator's Entra error for a wrong secret", async () => {
    const out = await run(PYTHON, [fixture('msal-python-client-credentials.py')], {
      REQUESTS_CA_BUNDLE: t.emulator.caPath,
      EMU_AUTHORITY: t.emulator.authority,
      EMU_CLIENT_ID: DEFAULT_IDS.daemonClientId,
      EMU_CLIENT_SECRET: 'wrong',
      EMU_SCOPE: graph,
    });
    assert.equal(out.ok, false);
    assert.equal(out.error, 'invalid_client');
    assert.deepEqual(out.error_codes, [7000215]);
  });
});
