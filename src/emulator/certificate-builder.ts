/**
 * X.509 v3 certificates (RFC 5280) for the emulator, built from DER pieces and signed with node:crypto: ECDSA P-256
 * with SHA-256, or RSA PKCS#1 v1.5 with SHA-256. Only the extensions the emulator's certificates use are offered.
 * Built here rather than with a certificate library because these few shapes take about a hundred lines, and the
 * library they replace brought about twenty packages into every user's install.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  booleanTrue,
  children,
  explicit,
  nullValue,
  octetString,
  oid,
  readItem,
  sequence,
  set,
  tlv,
  time,
  unsignedInteger,
  utf8String,
} from './der.js';

/** An extension's OID, whether it is critical, and its DER value (what goes inside extnValue's OCTET STRING). */
export interface Extension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

/** Attribute OIDs of the names the emulator writes. */
const NAME_ATTRIBUTES = { CN: '2.5.4.3', O: '2.5.4.10' } as const;

/** A distinguished name from `[attribute, value]` pairs, one RDN each, in the order given (most specific first). */
export function distinguishedName(attributes: ReadonlyArray<readonly [keyof typeof NAME_ATTRIBUTES, string]>): Buffer {
  return sequence(...attributes.map(([type, value]) => set(sequence(oid(NAME_ATTRIBUTES[type]), utf8String(value)))));
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits of the key's SubjectPublicKeyInfo. */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = readItem(publicKey.export({ type: 'spki', format: 'der' }));
  const bits = children(spki)[1];
  if (bits?.tag !== 0x03) throw new Error('keyIdentifier: not a SubjectPublicKeyInfo');
  return createHash('sha1').update(bits.content.subarray(1)).digest();
}

const KEY_USAGE_BITS = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;
const EXTENDED_KEY_USAGES = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;

/** The extensions, each critical where RFC 5280 and the CA/Browser Forum expect it. */
export const extensions = {
  /** BasicConstraints, critical: a CA with a path length, or an end entity (cA FALSE is the DEFAULT, so omitted). */
  basicConstraints(ca: { pathLength: number } | false): Extension {
    const value = ca === false ? sequence() : sequence(booleanTrue(), unsignedInteger(Buffer.from([ca.pathLength])));
    return { oid: '2.5.29.19', critical: true, value };
  },
  /** KeyUsage, critical: a named-bit BIT STRING without its trailing zero bits (DER). */
  keyUsage(usages: ReadonlyArray<keyof typeof KEY_USAGE_BITS>): Extension {
    const bits = usages.map((u) => KEY_USAGE_BITS[u]);
    const highest = Math.max(...bits);
    const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
    for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
    const unused = 7 - (highest & 7);
    return { oid: '2.5.29.15', critical: true, value: tlv(0x03, Buffer.from([unused]), bytes) };
  },
  extendedKeyUsage(usages: ReadonlyArray<keyof typeof EXTENDED_KEY_USAGES>): Extension {
    return { oid: '2.5.29.37', critical: false, value: sequence(...usages.map((u) => oid(EXTENDED_KEY_USAGES[u]))) };
  },
  /** SubjectAltName: IPv4 addresses ([7] OCTET STRING) and DNS names ([2] IA5String). */
  subjectAltName(names: { ipv4?: readonly string[]; dns?: readonly string[] }): Extension {
    const ips = (names.ipv4 ?? []).map((ip) => tlv(0x87, Buffer.from(ip.split('.').map(Number))));
    const dns = (names.dns ?? []).map((name) => tlv(0x82, Buffer.from(name, 'ascii')));
    return { oid: '2.5.29.17', critical: false, value: sequence(...ips, ...dns) };
  },
  subjectKeyIdentifier(id: Buffer): Extension {
    return { oid: '2.5.29.14', critical: false, value: octetString(id) };
  },
  /** AuthorityKeyIdentifier with the keyIdentifier ([0] IMPLICIT) only. */
  authorityKeyIdentifier(id: Buffer): Extension {
    return { oid: '2.5.29.35', critical: false, value: sequence(tlv(0x80, id)) };
  },
};

/** What a certificate says; the issuer's name and key sign it (the subject's own for a self-signed one). */
export interface CertificateFields {
  subject: Buffer;
  issuer: Buffer;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: readonly Extension[];
}

function signatureAlgorithm(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'ec') return sequence(oid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256, no parameters
  if (key.asymmetricKeyType === 'rsa') return sequence(oid('1.2.840.113549.1.1.11'), nullValue()); // sha256WithRSAEncryption
  throw new Error(`certificate: signing with a ${key.asymmetricKeyType ?? 'unknown'} key is not supported`);
}

/** A DER certificate: the TBSCertificate, its algorithm, and the signature by `signingKey` (the issuer's private key). */
export function buildCertificate(fields: CertificateFields, signingKey: KeyObject): Buffer {
  const algorithm = signatureAlgorithm(signingKey);
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40; // positive, 16 bytes, no leading zero: minimal DER as it stands
  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))), // v3
    unsignedInteger(serial),
    algorithm,
    fields.issuer,
    sequence(time(fields.notBefore), time(fields.notAfter)),
    fields.subject,
    fields.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...fields.extensions.map((e) => sequence(oid(e.oid), ...(e.critical ? [booleanTrue()] : []), octetString(e.value))))),
  );
  // node:crypto's ECDSA signatures are DER Ecdsa-Sig-Value already, as X.509 wants them.
  return sequence(tbs, algorithm, bitString(sign('sha256', tbs, signingKey)));
}

/** The PEM form of a DER certificate. */
export function certificatePem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * The parts of an issuer's certificate a certificate it issues repeats: its subject name, byte for byte (chain
 * building compares names), and its subjectKeyIdentifier when it has one.
 */
export function issuerParts(issuerDer: Buffer): { subject: Buffer; keyIdentifier: Buffer | undefined } {
  const [tbs] = children(readItem(issuerDer));
  if (tbs === undefined) throw new Error('issuerParts: not a certificate');
  const fields = children(tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version is absent in v1 certificates
  const subject = fields[offset + 4];
  if (subject?.tag !== 0x30) throw new Error('issuerParts: no subject name');
  let keyId: Buffer | undefined;
  const extensionsField = fields.find((f) => f.tag === 0xa3);
  const list = extensionsField === undefined ? undefined : children(extensionsField)[0];
  for (const extension of list === undefined ? [] : children(list)) {
    const parts = children(extension);
    if (parts[0]?.der.equals(oid('2.5.29.14')) === true) {
      const value = parts[parts.length - 1];
      if (value !== undefined) keyId = readItem(value.content).content;
    }
  }
  return { subject: Buffer.from(subject.der), keyIdentifier: keyId };
}
