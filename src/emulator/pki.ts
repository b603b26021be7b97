/**
 * The emulator's keys and certificates, made with node:crypto and ./certificate-builder.ts:
 * - a CA (ECDSA P-256, 10 years) kept in `<stateDir>/ca/`, so a user trusts it once, name-constrained to 127.0.0.1,
 *   ::1 and localhost so that trust never extends to another host;
 * - a TLS server certificate for 127.0.0.1 and localhost, issued by that CA on every start;
 * - the token signing key (RSA 2048 with a self-signed certificate, published in JWKS as Entra does), kept in
 *   `<stateDir>/signing/` so tokens from an earlier run still verify;
 * - the certificate credential of the default certificate app, kept in `<stateDir>/app-certificate/`.
 * Each folder is created complete under a temporary name and renamed into place, so two emulators starting at once on
 * one stateDir agree on one CA.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, X509Certificate, type KeyObject } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildCertificate, certificatePem, distinguishedName, extensions, issuerParts, keyIdentifier } from './certificate-builder.js';
import { booleanTrue, octetString, oid, sequence, tlv } from './der.js';
import { randomToken } from './ids.js';
import type { SigningKey } from './jwt.js';
import { untrustedReason } from '../util/emulator-state-dir.js';

/** A private key and its certificate, both PEM. */
export interface KeyAndCertificate {
  privateKeyPem: string;
  certificatePem: string;
}

const DAY_MS = 86_400_000;
const generateKeyPairAsync = promisify(generateKeyPair);

function generate(type: 'ec' | 'rsa'): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return type === 'ec' ? generateKeyPairAsync('ec', { namedCurve: 'P-256' }) : generateKeyPairAsync('rsa', { modulusLength: 2048 });
}

function privateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Validity from a day ago (clock skew between the emulator and its clients) to `days` from now. */
function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - DAY_MS), notAfter: new Date(now + days * DAY_MS) };
}

/**
 * The CA's NameConstraints value (RFC 5280 4.2.1.10): permitted subtrees dNSName `localhost`, iPAddress 127.0.0.1/32
 * and ::1/128. Users trust this CA system-wide; with these constraints, a certificate it signs for any other host is
 * refused, even by someone who got hold of its key.
 */
const LOOPBACK_NAME_CONSTRAINTS = sequence(
  tlv(
    0xa0,
    sequence(tlv(0x82, Buffer.from('localhost', 'ascii'))),
    sequence(tlv(0x87, Buffer.from([127, 0, 0, 1]), Buffer.alloc(4, 0xff))),
    sequence(tlv(0x87, Buffer.concat([Buffer.alloc(15), Buffer.from([1])]), Buffer.alloc(16, 0xff))),
  ),
);

/** The DER of the whole extension as createCa writes it: OID, critical, value. */
const LOOPBACK_NAME_CONSTRAINTS_EXTENSION = sequence(oid('2.5.29.30'), booleanTrue(), octetString(LOOPBACK_NAME_CONSTRAINTS));

/** Whether a CA certificate carries the loopback name constraints, critical (a CA from before they existed does not). */
export function hasLoopbackNameConstraints(certificatePem: string): boolean {
  try {
    return new X509Certificate(certificatePem).raw.includes(LOOPBACK_NAME_CONSTRAINTS_EXTENSION);
  } catch {
    return false;
  }
}

const EMULATOR_O = 'msal-ts emulator (testing only)';

async function createCa(): Promise<KeyAndCertificate> {
  const keys = await generate('ec');
  const name = distinguishedName([
    ['CN', 'msal-ts Entra ID emulator local CA'],
    ['O', EMULATOR_O],
  ]);
  const der = buildCertificate(
    {
      subject: name,
      issuer: name,
      publicKey: keys.publicKey,
      ...validity(3650),
      extensions: [
        extensions.basicConstraints({ pathLength: 0 }),
        extensions.keyUsage(['keyCertSign', 'cRLSign']),
        { oid: '2.5.29.30', critical: true, value: LOOPBACK_NAME_CONSTRAINTS },
        extensions.subjectKeyIdentifier(keyIdentifier(keys.publicKey)),
      ],
    },
    keys.privateKey,
  );
  return { privateKeyPem: privateKeyPem(keys.privateKey), certificatePem: certificatePem(der) };
}

async function createSelfSignedRsa(commonName: string, days: number, serverOrClient: 'client' | 'signing'): Promise<KeyAndCertificate> {
  const keys = await generate('rsa');
  const name = distinguishedName([['CN', commonName]]);
  const der = buildCertificate(
    {
      subject: name,
      issuer: name,
      publicKey: keys.publicKey,
      ...validity(days),
      extensions: [
        extensions.basicConstraints(false),
        extensions.keyUsage(['digitalSignature']),
        ...(serverOrClient === 'client' ? [extensions.extendedKeyUsage(['clientAuth'])] : []),
        extensions.subjectKeyIdentifier(keyIdentifier(keys.publicKey)),
      ],
    },
    keys.privateKey,
  );
  return { privateKeyPem: privateKeyPem(keys.privateKey), certificatePem: certificatePem(der) };
}

/** Issues a TLS server certificate for 127.0.0.1 and localhost, signed by `ca`. Valid 397 days (browser maximum). */
export async function issueServerCertificate(ca: KeyAndCertificate): Promise<KeyAndCertificate> {
  const issuer = issuerParts(new X509Certificate(ca.certificatePem).raw);
  const keys = await generate('ec');
  const der = buildCertificate(
    {
      subject: distinguishedName([
        ['CN', '127.0.0.1'],
        ['O', EMULATOR_O],
      ]),
      issuer: issuer.subject,
      publicKey: keys.publicKey,
      ...validity(397),
      extensions: [
        extensions.basicConstraints(false),
        extensions.keyUsage(['digitalSignature']),
        extensions.extendedKeyUsage(['serverAuth']),
        extensions.subjectAltName({ ipv4: ['127.0.0.1'], dns: ['localhost'] }),
        extensions.subjectKeyIdentifier(keyIdentifier(keys.publicKey)),
        ...(issuer.keyIdentifier === undefined ? [] : [extensions.authorityKeyIdentifier(issuer.keyIdentifier)]),
      ],
    },
    createPrivateKey(ca.privateKeyPem),
  );
  return { privateKeyPem: privateKeyPem(keys.privateKey), certificatePem: certificatePem(der) };
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
    const checks: Array<[string, number]> = [
      [dir, 0o022],
      [join(dir, 'key.pem'), 0o077],
      [join(dir, 'cert.pem'), 0o022],
    ];
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
  const kc = await loadOrCreate(stateDir, 'signing', () => createSelfSignedRsa('msal-ts emulator token signing', 1825, 'signing'));
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
  return loadOrCreate(stateDir, 'app-certificate', () => createSelfSignedRsa(subject, 730, 'client'));
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
