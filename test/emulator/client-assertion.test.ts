import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { DEFAULT_IDS, type EmulatorApp } from '../../src/emulator/index.js';
import { aadCode, claims, clientAssertion, manualClock, startTestEmulator, type TestEmulator } from './helpers.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('emulator certificate client assertions', () => {
  let t: TestEmulator;
  let app: EmulatorApp;
  let keyPem: string;
  let certPem: string;
  let aud: string;
  const clock = manualClock();
  before(async () => {
    t = await startTestEmulator({ clock: clock.now });
    const found = t.emulator.config.apps.find((a) => a.clientId === DEFAULT_IDS.certificateClientId);
    assert.ok(found?.certificateFiles, 'the certificate app has generated files');
    app = found;
    keyPem = readFileSync(found.certificateFiles.privateKeyPath, 'utf8');
    certPem = readFileSync(found.certificateFiles.certificatePath, 'utf8');
    aud = `${t.emulator.url}${t.tokenPath}`;
  });
  after(() => t.close());

  const request = (assertion: string, path?: string) =>
    t.post(path ?? t.tokenPath, {
      grant_type: 'client_credentials',
      client_id: DEFAULT_IDS.certificateClientId,
      scope: 'https://graph.microsoft.com/.default',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion,
    });

  for (const alg of ['RS256', 'PS256'] as const) {
    for (const thumbprint of ['x5t', 'x5t#S256'] as const) {
      it(`accepts ${alg} with ${thumbprint}`, async () => {
        const res = await request(clientAssertion({ clientId: app.clientId, aud, keyPem, certPem, alg, thumbprint, nowSeconds: clock.now() }));
        assert.equal(res.status, 200, res.body);
        assert.equal(claims(res.json.access_token).appidacr, '2');
      });
    }
  }

  it('exposes the thumbprints of the generated certificate in config', () => {
    assert.match(app.certificateFiles?.thumbprint ?? '', /^[0-9A-F]{40}$/);
    assert.match(app.certificateFiles?.thumbprintSha256 ?? '', /^[0-9A-F]{64}$/);
  });

  it('accepts the token endpoint spelled with the tenant domain and the v1 path', async () => {
    for (const a of [`${t.emulator.url}/${DEFAULT_IDS.tenantDomain}/oauth2/v2.0/token`, `${t.emulator.url}/${DEFAULT_IDS.tenantId}/oauth2/token`]) {
      const res = await request(clientAssertion({ clientId: app.clientId, aud: a, keyPem, certPem, nowSeconds: clock.now() }));
      assert.equal(res.status, 200, res.body);
    }
  });

  it('rejects an assertion signed by a different key with AADSTS700027', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const res = await request(clientAssertion({ clientId: app.clientId, aud, keyPem: other, certPem, nowSeconds: clock.now() }));
    assert.equal(res.status, 401);
    assert.equal(res.json.error, 'invalid_client');
    assert.equal(aadCode(res), 700027);
    assert.match(String(res.json.error_description), /signature value did not match/);
  });

  it('rejects a certificate that is not registered with AADSTS700027 naming its thumbprint', async () => {
    const other = await startTestEmulator();
    try {
      const otherCert = readFileSync(
        other.emulator.config.apps.find((a) => a.clientId === DEFAULT_IDS.certificateClientId)?.certificateFiles?.certificatePath ?? '',
        'utf8',
      );
      const otherKey = readFileSync(
        other.emulator.config.apps.find((a) => a.clientId === DEFAULT_IDS.certificateClientId)?.certificateFiles?.privateKeyPath ?? '',
        'utf8',
      );
      const res = await request(clientAssertion({ clientId: app.clientId, aud, keyPem: otherKey, certPem: otherCert, nowSeconds: clock.now() }));
      assert.equal(aadCode(res), 700027);
      assert.match(String(res.json.error_description), /The key was not found/);
    } finally {
      await other.close();
    }
  });

  it('rejects an expired assertion with AADSTS700024, allowing five minutes of skew', async () => {
    const issued = clock.now() - 1000;
    const stale = clientAssertion({ clientId: app.clientId, aud, keyPem, certPem, nowSeconds: issued, lifetime: 600 });
    const res = await request(stale);
    assert.equal(res.status, 401);
    assert.equal(aadCode(res), 700024);
    const withinSkew = clientAssertion({ clientId: app.clientId, aud, keyPem, certPem, nowSeconds: clock.now() - 800, lifetime: 600 });
    assert.equal((await request(withinSkew)).status, 200);
  });

  it('rejects an assertion for another audience with AADSTS700027', async () => {
    const res = await request(
      clientAssertion({ clientId: app.clientId, aud: 'https://login.microsoftonline.com/x/oauth2/v2.0/token', keyPem, certPem, nowSeconds: clock.now() }),
    );
    assert.equal(aadCode(res), 700027);
    assert.match(String(res.json.error_description), /audience/);
  });

  it('rejects iss or sub other than the client id with AADSTS700021', async () => {
    const res = await request(clientAssertion({ clientId: app.clientId, iss: DEFAULT_IDS.daemonClientId, aud, keyPem, certPem, nowSeconds: clock.now() }));
    assert.equal(aadCode(res), 700021);
  });

  it('rejects a wrong assertion type and a malformed JWT', async () => {
    const res = await t.token({
      grant_type: 'client_credentials',
      client_id: app.clientId,
      scope: 'https://graph.microsoft.com/.default',
      client_assertion_type: 'urn:example:other',
      client_assertion: 'x.y.z',
    });
    assert.equal(aadCode(res), 7000219);
    const malformed = await request('not-a-jwt');
    assert.equal(aadCode(malformed), 50027);
  });
});
