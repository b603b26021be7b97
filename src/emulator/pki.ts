/**
 * The emulator's keys and certificates, made with @peculiar/x509 on WebCrypto:
 * - a CA (ECDSA P-256, 10 years) kept in `<stateDir>/ca/`, so a user trusts it once, name-constrained to 127.0.0.1,
 *   ::1 and localhost so that trust never extends to another host;
 * - a TLS server certificate for 127.0.0.1 and localhost, issued by that CA on every start;
 * - the token signing key (RSA 2048 with a self-signed certificate, published in JWKS as Entra does), kept in
 *   `<stateDir>/signing/` so tokens from an earlier run still verify;
 * - the certificate credential of the default certificate app, kept in `<stateDir>/app-certificate/`.
 * Each folder is created complete under a temporary name and renamed into place, so two emulators starting at once on
 * one stateDir agree on one CA.
 */
import { createHash, createPrivateKey, createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';
import { randomToken } from './ids.js';
import type { SigningKey } from './jwt.js';
import { ensureReflectMetadata } from './reflect-shim.js';
import { untrustedReason } from './state-dir.js';

let x509Module: Promise<typeof X509> | undefined;

/** Loads @peculiar/x509 after its Reflect prerequisite is in place (a static import would run first once bundled). */
function loadX509(): Promise<typeof X509> {
  x509Module ??= (async () => {
    ensureReflectMetadata();
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto);
    return x509;
  })();
  return x509Module;
}

/** A private key and its certificate, both PEM. */
export interface KeyAndCertificate {
  privateKeyPem: string;
  certificatePem: string;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

async function exportPem(key: CryptoKeyLike): Promise<string> {
  const x509 = await loadX509();
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

type CryptoKeyLike = webcrypto.CryptoKey;

async function generate(algorithm: typeof EC | typeof RSA): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
}

/** DER of a tag-length-value with a short (< 128 bytes) content. */
function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  if (body.length >= 128) throw new Error('tlv: content too long for a short-form length');
  return Buffer.concat([Buffer.from([tag, body.length]), body]);
}

const NAME_CONSTRAINTS_OID = '2.5.29.30';

/**
 * The CA's NameConstraints value (RFC 5280 4.2.1.10): permitted subtrees dNSName `localhost`, iPAddress 127.0.0.1/32
 * and ::1/128. Users trust this CA system-wide; with these constraints, a certificate it signs for any other host is
 * refused, even by someone who got hold of its key. (@peculiar/x509 has no class for this extension.)
 */
const LOOPBACK_NAME_CONSTRAINTS = tlv(0x30, tlv(0xa0,
  tlv(0x30, tlv(0x82, Buffer.from('localhost', 'ascii'))),
  tlv(0x30, tlv(0x87, Buffer.from([127, 0, 0, 1]), Buffer.alloc(4, 0xff))),
  tlv(0x30, tlv(0x87, Buffer.concat([Buffer.alloc(15), Buffer.from([1])]), Buffer.alloc(16, 0xff))),
));

/** The DER of the whole extension as createCa writes it: OID, critical, value. */
const LOOPBACK_NAME_CONSTRAINTS_EXTENSION = tlv(0x30,
  tlv(0x06, Buffer.from([0x55, 0x1d, 0x1e])),
  tlv(0x01, Buffer.from([0xff])),
  tlv(0x04, LOOPBACK_NAME_CONSTRAINTS),
);

/** Whether a CA certificate carries the loopback name constraints, critical (a CA from before they existed does not). */
export function hasLoopbackNameConstraints(certificatePem: string): boolean {
  try {
    return new X509Certificate(certificatePem).raw.includes(LOOPBACK_NAME_CONSTRAINTS_EXTENSION);
  } catch {
    return false;
  }
}

async function createCa(): Promise<KeyAndCertificate> {
  const x509 = await loadX509();
  const keys = await generate(EC);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=msal-ts Entra ID emulator local CA, O=msal-ts emulator (testing only)',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    keys: keys,
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.Extension(NAME_CONSTRAINTS_OID, true, LOOPBACK_NAME_CONSTRAINTS),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { privateKeyPem: await exportPem(keys.privateKey), certificatePem: cert.toString('pem') };
}

async function createSelfSignedRsa(subject: string, days: number, serverOrClient: 'client' | 'signing'): Promise<KeyAndCertificate> {
  const x509 = await loadX509();
  const keys = await generate(RSA);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + days * DAY_MS),
    keys: keys,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ...(serverOrClient === 'client' ? [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])] : []),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { privateKeyPem: await exportPem(keys.privateKey), certificatePem: cert.toString('pem') };
}

/** Issues a TLS server certificate for 127.0.0.1 and localhost, signed by `ca`. Valid 397 days (browser maximum). */
export async function issueServerCertificate(ca: KeyAndCertificate): Promise<KeyAndCertificate> {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(ca.certificatePem);
  const caDer = createPrivateKey(ca.privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  const caKey = await webcrypto.subtle.importKey('pkcs8', caDer, EC, false, ['sign']);
  const keys = await generate(EC);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=127.0.0.1, O=msal-ts emulator (testing only)',
    issuer: caCert.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 397 * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { privateKeyPem: await exportPem(keys.privateKey), certificatePem: cert.toString('pem') };
}

function isUsable(kc: KeyAndCertificate): boolean {
  try {
    const cert = new X509Certificate(kc.certificatePem);
    const key = createPrivateKey(kc.privateKeyPem);
    // A CA that expires within a day would break a long test run; replace it instead.
    return cert.checkPrivateKey(key) && Date.parse(cert.validTo) > Date.now() + DAY_MS;
  } catch {
    return false;
  }
}

/**
 * Reads `<dir>/{key,cert}.pem`, or resolves 'untrusted' when the folder or a file is a link, another user's, writable
 * by others, or (the key) readable by others: another user may then know the key or have chosen the certificate.
 */
async function readPair(dir: string): Promise<KeyAndCertificate | 'untrusted' | undefined> {
  try {
    const checks: Array<[string, number]> = [[dir, 0o022], [join(dir, 'key.pem'), 0o077], [join(dir, 'cert.pem'), 0o022]];
    for (const [path, othersMask] of checks) {
      const stats = await lstat(path);
      if (!(path === dir ? stats.isDirectory() : stats.isFile()) || untrustedReason(stats, othersMask) !== undefined) return 'untrusted';
    }
    return {
      privateKeyPem: await readFile(join(dir, 'key.pem'), 'utf8'),
      certificatePem: await readFile(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Loads `<stateDir>/<name>/{key,cert}.pem`, or creates them (key mode 0600) when absent, unusable, expiring, not
 * private to this user, or refused by `accept`. A replaced folder is renamed aside, never deleted.
 */
export async function loadOrCreate(
  stateDir: string,
  name: string,
  create: () => Promise<KeyAndCertificate>,
  accept: (kc: KeyAndCertificate) => boolean = () => true,
): Promise<KeyAndCertificate> {
  const dir = join(stateDir, name);
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await readPair(dir);
    if (existing !== undefined && existing !== 'untrusted' && isUsable(existing) && accept(existing)) return existing;
    if (existing !== undefined) {
      await rename(dir, `${dir}.replaced-${Date.now()}-${randomToken(4)}`).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    const fresh = await create();
    const tmp = `${dir}.tmp-${process.pid}-${randomToken(6)}`;
    await mkdir(tmp, { mode: 0o700 });
    await writeFile(join(tmp, 'key.pem'), fresh.privateKeyPem, { mode: 0o600 });
    await writeFile(join(tmp, 'cert.pem'), fresh.certificatePem, { mode: 0o644 });
    try {
      await rename(tmp, dir);
      return fresh;
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      // Another process won the race: use what it wrote.
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
    }
  }
  throw new Error(`could not create ${dir}: it keeps changing under us`);
}

/** The CA, loaded from or created in `<stateDir>/ca`; one without the loopback name constraints is replaced. */
export function loadOrCreateCa(stateDir: string): Promise<KeyAndCertificate> {
  return loadOrCreate(stateDir, 'ca', createCa, (kc) => hasLoopbackNameConstraints(kc.certificatePem));
}

/** The token signing key pair, loaded from or created in `<stateDir>/signing`. */
export async function loadOrCreateSigningKey(stateDir: string): Promise<SigningKey> {
  const kc = await loadOrCreate(stateDir, 'signing', () => createSelfSignedRsa('CN=msal-ts emulator token signing', 1825, 'signing'));
  const cert = new X509Certificate(kc.certificatePem);
  const x5t = createHash('sha1').update(cert.raw).digest('base64url');
  return {
    privateKey: createPrivateKey(kc.privateKeyPem),
    publicKey: createPublicKey(kc.certificatePem),
    kid: x5t,
    x5t,
    certificateBase64: cert.raw.toString('base64'),
  };
}

/** The certificate credential of the default certificate app, loaded from or created in `<stateDir>/app-certificate`. */
export function loadOrCreateAppCertificate(stateDir: string, subject: string): Promise<KeyAndCertificate> {
  return loadOrCreate(stateDir, 'app-certificate', () => createSelfSignedRsa(`CN=${subject}`, 730, 'client'));
}

/** SHA-1 and SHA-256 thumbprints of a PEM certificate: upper-case hex and base64url forms. */
export function thumbprints(certificatePem: string): { sha1Hex: string; sha256Hex: string; x5t: string; x5tS256: string } {
  const der = new X509Certificate(certificatePem).raw;
  const sha1 = createHash('sha1').update(der).digest();
  const sha256 = createHash('sha256').update(der).digest();
  return {
    sha1Hex: sha1.toString('hex').toUpperCase(),
    sha256Hex: sha256.toString('hex').toUpperCase(),
    x5t: sha1.toString('base64url'),
    x5tS256: sha256.toString('base64url'),
  };
}
