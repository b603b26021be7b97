import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_IDS, startEmulator } from '../../src/emulator/index.js';
import { removeDir, startTestEmulator, tempDir } from './helpers.js';

describe('emulator state folder', () => {
  const dir = tempDir();
  after(() => removeDir(dir));

  it('keeps the CA, signing key and app certificate across restarts with the same stateDir', async () => {
    const first = await startTestEmulator({ stateDir: dir });
    const jwks1 = await first.get(`/${DEFAULT_IDS.tenantId}/discovery/v2.0/keys`);
    const cert1 = first.emulator.config.apps.find((a) => a.clientId === DEFAULT_IDS.certificateClientId)?.certificateFiles?.thumbprint;
    await first.close();
    const second = await startTestEmulator({ stateDir: dir });
    try {
      assert.equal(second.emulator.caPem, first.emulator.caPem);
      assert.equal(second.emulator.caPath, join(dir, 'ca', 'cert.pem'));
      assert.equal(readFileSync(second.emulator.caPath, 'utf8'), second.emulator.caPem);
      const jwks2 = await second.get(`/${DEFAULT_IDS.tenantId}/discovery/v2.0/keys`);
      const key = (j: Record<string, unknown>): unknown => {
        const k = (j.keys as Array<Record<string, unknown>>)[0];
        return [k?.kid, k?.n, k?.x5c];
      };
      assert.deepEqual(key(jwks2.json), key(jwks1.json));
      assert.equal(second.emulator.config.apps.find((a) => a.clientId === DEFAULT_IDS.certificateClientId)?.certificateFiles?.thumbprint, cert1);
    } finally {
      await second.close();
    }
  });

  it('writes private keys with mode 0600 and a CA certificate that is a CA', () => {
    for (const sub of ['ca', 'signing', 'app-certificate']) {
      assert.equal(statSync(join(dir, sub, 'key.pem')).mode & 0o777, 0o600, sub);
    }
    const ca = new X509Certificate(readFileSync(join(dir, 'ca', 'cert.pem')));
    assert.equal(ca.ca, true);
  });

  it('agrees on one CA when two emulators start at once on a fresh stateDir', async () => {
    const fresh = tempDir();
    try {
      const [a, b] = await Promise.all([startEmulator({ stateDir: fresh }), startEmulator({ stateDir: fresh })]);
      try {
        assert.equal(a.caPem, b.caPem);
        assert.equal(readFileSync(a.caPath, 'utf8'), a.caPem);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    } finally {
      removeDir(fresh);
    }
  });

  it('issues a server certificate for 127.0.0.1 and localhost signed by the CA', async () => {
    const t = await startTestEmulator({ stateDir: dir });
    try {
      const { connect } = await import('node:tls');
      const peer = await new Promise<X509Certificate>((done, fail) => {
        const socket = connect({ host: '127.0.0.1', port: t.emulator.port, ca: t.emulator.caPem, servername: 'localhost' }, () => {
          const cert = socket.getPeerX509Certificate();
          socket.end();
          if (cert === undefined) fail(new Error('no peer certificate'));
          else done(cert);
        });
        socket.on('error', fail);
      });
      assert.equal(peer.checkIP('127.0.0.1'), '127.0.0.1');
      assert.equal(peer.checkHost('localhost'), 'localhost');
      assert.equal(peer.verify(new X509Certificate(t.emulator.caPem).publicKey), true);
    } finally {
      await t.close();
    }
  });
});

describe('emulator options and config', () => {
  it('rejects bad options before any I/O, naming the option', async () => {
    await assert.rejects(startEmulator({ port: 70000 }), (e: unknown) => e instanceof RangeError && /options\.port/.test(e.message));
    await assert.rejects(startEmulator({ port: 1.5 }), TypeError);
    await assert.rejects(startEmulator({ accessTokenLifetimeSeconds: 0 }), /accessTokenLifetimeSeconds/);
    await assert.rejects(startEmulator({ config: { apps: [{ clientId: 'not-a-guid' }] } }), /options\.config\.apps\[0\]\.clientId must be a GUID/);
    await assert.rejects(startEmulator({ config: { autoApprove: 'nobody@example.com' } }), RangeError);
    await assert.rejects(startEmulator({ config: { users: [{ username: 'x@y.z', homeTenantId: '12345678-1234-4234-8234-123456789012' }] } }), /unknown tenant/);
  });

  it('merges user config over the defaults by key', async () => {
    const t = await startTestEmulator({
      config: {
        tenants: [{ id: 'cccccccc-2222-4444-8888-dddddddddddd', domains: ['Northwind.onmicrosoft.com'], displayName: 'Northwind' }],
        users: [{ username: 'carol@northwind.onmicrosoft.com', password: 'carol-pw', homeTenantId: 'cccccccc-2222-4444-8888-dddddddddddd' }],
        apps: [{ clientId: DEFAULT_IDS.daemonClientId, clientSecrets: ['rotated'] }],
      },
    });
    try {
      const c = t.emulator.config;
      assert.equal(c.tenants.length, 3);
      assert.deepEqual(c.tenants[2]?.domains, ['northwind.onmicrosoft.com']);
      assert.equal(c.apps.find((a) => a.clientId === DEFAULT_IDS.daemonClientId)?.displayName, 'Contoso Daemon');
      const old = await t.token({
        grant_type: 'client_credentials',
        client_id: DEFAULT_IDS.daemonClientId,
        client_secret: DEFAULT_IDS.daemonSecret,
        scope: 'https://graph.microsoft.com/.default',
      });
      assert.equal(old.status, 401);
      const res = await t.post('/northwind.onmicrosoft.com/oauth2/v2.0/token', {
        grant_type: 'password',
        client_id: DEFAULT_IDS.publicClientId,
        username: 'carol@northwind.onmicrosoft.com',
        password: 'carol-pw',
        scope: 'openid profile',
      });
      assert.equal(res.status, 200, res.body);
      assert.equal(t.emulator.authorityFor('northwind.onmicrosoft.com'), `${t.emulator.url}/northwind.onmicrosoft.com`);
      assert.equal(t.emulator.authority, `${t.emulator.url}/${DEFAULT_IDS.tenantId}`);
    } finally {
      await t.close();
    }
  });
});
