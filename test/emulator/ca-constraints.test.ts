// Users trust the emulator's CA (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, a browser). Its name constraints make that
// trust cover the loopback names only: a certificate it signs for any other host is refused by real TLS stacks
// (Node's, openssl's), even by whoever holds its key.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import { opensslCa, removeDir, tempDir } from './helpers.js';

/** A leaf certificate for `san` (openssl's subjectAltName syntax), signed with the CA key in `caDir`. */
function issueLeaf(caDir: string, work: string, name: string, san: string): { key: string; cert: string; certPath: string } {
  const key = join(work, `${name}.key`);
  const csr = join(work, `${name}.csr`);
  const cert = join(work, `${name}.pem`);
  const ext = join(work, `${name}.ext`);
  writeFileSync(ext, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
  execFileSync(
    'openssl',
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', key, '-out', csr],
    { stdio: 'ignore' },
  );
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      join(caDir, 'cert.pem'),
      '-CAkey',
      join(caDir, 'key.pem'),
      '-set_serial',
      '7',
      '-days',
      '30',
      '-extfile',
      ext,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8'), certPath: cert };
}

/** `openssl verify` of a leaf against the CA alone: its exit status and output. */
function opensslVerify(caPath: string, certPath: string): { ok: boolean; output: string } {
  const r = spawnSync('openssl', ['verify', '-CAfile', caPath, certPath], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** Serves `leaf` over TLS on 127.0.0.1 and connects to it as `servername`, trusting only `caPem`; the client's error code. */
async function tlsHandshake(leaf: { key: string; cert: string }, caPem: string, servername: string): Promise<string | undefined> {
  const server = createServer({ key: leaf.key, cert: leaf.cert }, (s) => s.end());
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    return await new Promise<string | undefined>((done) => {
      const socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: caPem, servername }, () => {
        socket.end();
        done(undefined);
      });
      socket.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    });
  } finally {
    server.close();
  }
}

describe("the emulator's CA is name-constrained to the loopback names", () => {
  const dir = tempDir();
  const work = tempDir();
  let caDir = '';
  let caPem = '';
  before(async () => {
    const emulator = await startEmulator({ stateDir: dir });
    await emulator.close();
    caDir = join(dir, 'ca');
    caPem = emulator.caPem;
  });
  after(() => {
    removeDir(dir);
    removeDir(work);
  });

  it('a leaf it signs for localhost and 127.0.0.1 is accepted by openssl and Node TLS (the control)', async () => {
    const leaf = issueLeaf(caDir, work, 'localhost', 'DNS:localhost,IP:127.0.0.1,IP:::1');
    const verdict = opensslVerify(join(caDir, 'cert.pem'), leaf.certPath);
    assert.ok(verdict.ok, verdict.output);
    assert.equal(await tlsHandshake(leaf, caPem, 'localhost'), undefined);
  });

  it('a leaf it signs for example.com is refused by openssl and Node TLS (permitted subtree violation)', async () => {
    const leaf = issueLeaf(caDir, work, 'example.com', 'DNS:example.com');
    const verdict = opensslVerify(join(caDir, 'cert.pem'), leaf.certPath);
    assert.equal(verdict.ok, false, verdict.output);
    assert.match(verdict.output, /permitted subtree violation/);
    // The chain itself is refused (Node names OpenSSL's X509_V_ERR_PERMITTED_VIOLATION 'UNSPECIFIED'), not the host name.
    const refused = await tlsHandshake(leaf, caPem, 'example.com');
    assert.notEqual(refused, undefined, 'the handshake must fail');
    assert.notEqual(refused, 'ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('a leaf it signs for another IP address is refused too', () => {
    const leaf = issueLeaf(caDir, work, 'ten', 'IP:10.0.0.1');
    const verdict = opensslVerify(join(caDir, 'cert.pem'), leaf.certPath);
    assert.equal(verdict.ok, false, verdict.output);
    assert.match(verdict.output, /permitted subtree violation/);
  });

  it('replaces a CA without name constraints left by an earlier version, instead of reusing it', async () => {
    const old = tempDir();
    try {
      const oldCa = join(old, 'ca');
      mkdirSync(oldCa, { mode: 0o700 });
      const oldPem = opensslCa(oldCa, {
        subject: '/CN=msal-ts Entra ID emulator local CA',
        days: 3650,
        extensions: ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign'],
      });
      const emulator = await startEmulator({ stateDir: old });
      await emulator.close();
      assert.notEqual(emulator.caPem, oldPem);
      assert.equal(readFileSync(emulator.caPath, 'utf8'), emulator.caPem);
      assert.ok(
        readdirSync(old).some((n) => n.startsWith('ca.replaced-')),
        'the old CA is set aside, not deleted',
      );
      const leaf = issueLeaf(join(old, 'ca'), work, 'example.org', 'DNS:example.org');
      assert.match(opensslVerify(emulator.caPath, leaf.certPath).output, /permitted subtree violation/);
    } finally {
      removeDir(old);
    }
  });
});
