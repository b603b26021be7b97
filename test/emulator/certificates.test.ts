// The emulator's certificates are built by hand (src/emulator/der.ts, certificate-builder.ts). Real parsers judge
// them: openssl in strict X.509 mode, Node's X509Certificate, and Node's TLS (Chromium, MSAL Python and MSAL Node
// accept them in test/e2e and test/interop). Also: a CA made by another tool is issued from correctly, byte for byte.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCertificate, certificatePem, distinguishedName, extensions, issuerParts, keyIdentifier } from '../../src/emulator/certificate-builder.js';
import { oid, readItem, unsignedInteger } from '../../src/emulator/der.js';
import {
  hasLoopbackNameConstraints,
  issueServerCertificate,
  loadOrCreateAppCertificate,
  loadOrCreateCa,
  loadOrCreateSigningKey,
} from '../../src/emulator/pki.js';
import { opensslCa, removeDir, tempDir } from './helpers.js';

function openssl(args: string[]): { ok: boolean; output: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

describe('the emulator certificates, judged by openssl and Node', () => {
  const stateDir = tempDir();
  const work = tempDir();
  after(() => {
    removeDir(stateDir);
    removeDir(work);
  });
  const file = (name: string, text: string): string => {
    const path = join(work, name);
    writeFileSync(path, text);
    return path;
  };

  it('the CA and the server certificate it issues pass `openssl verify -x509_strict -purpose sslserver`', async () => {
    const ca = await loadOrCreateCa(stateDir);
    const server = await issueServerCertificate(ca);
    const r = openssl([
      'verify',
      '-x509_strict',
      '-purpose',
      'sslserver',
      '-CAfile',
      file('ca.pem', ca.certificatePem),
      file('server.pem', server.certificatePem),
    ]);
    assert.ok(r.ok, r.output);

    const caCert = new X509Certificate(ca.certificatePem);
    const cert = new X509Certificate(server.certificatePem);
    assert.equal(caCert.ca, true);
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(caCert));
    assert.ok(cert.verify(caCert.publicKey));
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.ok(cert.checkPrivateKey(createPrivateKey(server.privateKeyPem)));
    assert.equal(hasLoopbackNameConstraints(ca.certificatePem), true);

    const text = openssl(['x509', '-noout', '-text', '-in', join(work, 'ca.pem')]).output;
    assert.match(text, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.match(text, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(text, /Name Constraints: critical\s+Permitted:\s+DNS:localhost\s+IP:127\.0\.0\.1\/255\.255\.255\.255\s+IP:0:0:0:0:0:0:0:1\/FFFF/);
    const serverText = openssl(['x509', '-noout', '-text', '-in', join(work, 'server.pem')]).output;
    const aki = /Authority Key Identifier:\s+(?:keyid:)?([0-9A-F:]+)/.exec(serverText)?.[1];
    const ski = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(text)?.[1];
    assert.ok(aki !== undefined && aki === ski, 'the server certificate names its CA key');
  });

  it('the token signing and app certificates are well-formed self-signed RSA certificates with their key usages', async () => {
    await loadOrCreateSigningKey(stateDir);
    const app = await loadOrCreateAppCertificate(stateDir, 'Daemon, "quoted" & co');
    for (const dir of ['signing', 'app-certificate']) {
      const pem = join(stateDir, dir, 'cert.pem');
      const r = openssl(['verify', '-x509_strict', '-check_ss_sig', '-partial_chain', '-CAfile', pem, pem]);
      assert.ok(r.ok, `${dir}: ${r.output}`);
    }
    const cert = new X509Certificate(app.certificatePem);
    assert.equal(cert.ca, false);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.ok(cert.verify(cert.publicKey));
    // A display name is one CN value, whatever its punctuation (no DN string parsing).
    assert.match(
      openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253', '-in', join(stateDir, 'app-certificate', 'cert.pem')]).output,
      /^subject=CN=Daemon\\, \\"quoted\\" & co\n$/,
    );
  });

  it('issues from a CA that openssl made: its subject copied byte for byte, its key identifier as the authority key id', async () => {
    const caDir = join(work, 'openssl-ca');
    mkdirSync(caDir);
    const ext = file(
      'ca.ext',
      '[v3]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' +
        'nameConstraints=critical,permitted;DNS:localhost,permitted;IP:127.0.0.1/255.255.255.255,permitted;IP:::1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF\n' +
        'subjectKeyIdentifier=hash\n',
    );
    opensslCa(caDir, { subject: '/C=ZZ/O=Elsewhere/CN=Another CA', days: 30, config: { file: ext, section: 'v3' } });
    const ca = { privateKeyPem: readFileSync(join(caDir, 'key.pem'), 'utf8'), certificatePem: readFileSync(join(caDir, 'cert.pem'), 'utf8') };
    // openssl encodes the constraints exactly as msal-ts does: a CA made either way is recognised.
    assert.equal(hasLoopbackNameConstraints(ca.certificatePem), true);
    const server = await issueServerCertificate(ca);
    const r = openssl([
      'verify',
      '-x509_strict',
      '-purpose',
      'sslserver',
      '-CAfile',
      join(caDir, 'cert.pem'),
      file('from-openssl-ca.pem', server.certificatePem),
    ]);
    assert.ok(r.ok, r.output);
    const issued = new X509Certificate(server.certificatePem);
    assert.equal(issued.issuer, 'C=ZZ\nO=Elsewhere\nCN=Another CA');
    const parts = issuerParts(new X509Certificate(ca.certificatePem).raw);
    assert.ok(parts.keyIdentifier !== undefined && issued.raw.includes(parts.keyIdentifier));
  });
});

describe('DER and certificate details', () => {
  it("INTEGERs are minimal two's complement: a leading 0x00 only before a high bit, none kept otherwise", () => {
    assert.deepEqual(unsignedInteger(Buffer.from([0x80])), Buffer.from([0x02, 0x02, 0x00, 0x80]));
    assert.deepEqual(unsignedInteger(Buffer.from([0x00, 0x00, 0x7f])), Buffer.from([0x02, 0x01, 0x7f]));
    assert.deepEqual(unsignedInteger(Buffer.from([0])), Buffer.from([0x02, 0x01, 0x00]));
  });

  it('OIDs with multi-byte arcs encode as X.690 says (1.2.840.113549.1.1.11)', () => {
    assert.deepEqual(oid('1.2.840.113549.1.1.11'), Buffer.from('06092a864886f70d01010b', 'hex'));
    assert.throws(() => oid('1.2.x'), /not a dotted object identifier/);
  });

  it('long-form lengths read back, and items that run past their buffer are refused', () => {
    const item = readItem(Buffer.concat([Buffer.from([0x04, 0x82, 0x01, 0x2c]), Buffer.alloc(300, 7)]));
    assert.equal(item.content.length, 300);
    assert.throws(() => readItem(Buffer.from([0x04, 0x05, 1, 2])), /past the end/);
  });

  it('dates from 2050 are GeneralizedTime, earlier ones UTCTime, and both read back as the same instant in Node', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const name = distinguishedName([['CN', 'dates']]);
    const notBefore = new Date(Date.UTC(2049, 11, 31, 23, 59, 59));
    const notAfter = new Date(Date.UTC(2050, 0, 1, 0, 0, 0));
    const der = buildCertificate(
      { subject: name, issuer: name, publicKey, notBefore, notAfter, extensions: [extensions.subjectKeyIdentifier(keyIdentifier(publicKey))] },
      privateKey,
    );
    assert.ok(der.includes(Buffer.from('\x17\x0d491231235959Z', 'latin1')));
    assert.ok(der.includes(Buffer.from('\x18\x0f20500101000000Z', 'latin1')));
    const cert = new X509Certificate(certificatePem(der));
    assert.equal(Date.parse(cert.validFrom), notBefore.getTime());
    assert.equal(Date.parse(cert.validTo), notAfter.getTime());
    assert.ok(cert.verify(publicKey));
  });
});
