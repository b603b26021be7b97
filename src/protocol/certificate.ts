/**
 * X.509 helpers for certificate credentials: PEM bundles, thumbprints, `x5c`.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { InvalidCredentialError } from '../errors.js';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Parses every `CERTIFICATE` block of a PEM text, in order. node:crypto's `X509Certificate` reads only the first
 * block of a bundle, hence the split.
 *
 * @param pem - PEM text with one or more certificates (other blocks are ignored).
 * @param name - The argument name used in error messages.
 * @returns The certificates, leaf first when the PEM follows the usual order.
 * @throws TypeError naming the argument when it is not a string, has no certificate, or holds a private key instead
 *   (a swapped key/certificate argument that would otherwise leak the key into a JWT header).
 * @throws InvalidCredentialError when a certificate block does not parse.
 */
export function parsePemCertificates(pem: unknown, name = 'publicCertificate'): X509Certificate[] {
  if (typeof pem !== 'string') {
    throw new TypeError(`${name} must be a PEM string`);
  }
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    if (/PRIVATE KEY-----/.test(pem)) {
      throw new TypeError(`${name} holds a private key, not a certificate`);
    }
    throw new TypeError(`${name} holds no "-----BEGIN CERTIFICATE-----" block`);
  }
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (cause) {
      throw new InvalidCredentialError(`${name}: certificate #${index + 1} does not parse`, { cause });
    }
  });
}

/** Tells whether a PEM text contains at least one `CERTIFICATE` block. */
export function containsPemCertificate(pem: string): boolean {
  return pem.match(CERTIFICATE_BLOCK) !== null;
}

/**
 * The SHA-1 and SHA-256 thumbprints of a certificate (hash of its DER), lower-case hex.
 *
 * @param cert - The certificate.
 */
export function certificateThumbprints(cert: X509Certificate): { sha1: string; sha256: string } {
  return {
    sha1: createHash('sha1').update(cert.raw).digest('hex'),
    sha256: createHash('sha256').update(cert.raw).digest('hex'),
  };
}

/**
 * The `x5c` JWS header value (RFC 7515 section 4.1.6): standard base64 (not base64url) DER of each certificate.
 *
 * @param certs - The chain, leaf first.
 */
export function toX5c(certs: readonly X509Certificate[]): string[] {
  return certs.map((c) => c.raw.toString('base64'));
}

/**
 * Normalizes a hex thumbprint: colons (as `openssl x509 -fingerprint` prints them) removed, lower-cased, length
 * checked.
 *
 * @param value - The caller's thumbprint.
 * @param bytes - Expected digest length: 20 for SHA-1, 32 for SHA-256.
 * @param name - The argument name used in error messages.
 * @throws TypeError naming the argument when it is not hex of the right length.
 */
export function normalizeThumbprint(value: unknown, bytes: 20 | 32, name: string): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a hex string`);
  }
  const hex = value.replaceAll(':', '').toLowerCase();
  if (!/^[0-9a-f]*$/.test(hex) || hex.length !== bytes * 2) {
    const kind = bytes === 20 ? 'SHA-1' : 'SHA-256';
    throw new TypeError(`${name} must be a ${kind} thumbprint: ${bytes * 2} hex digits`);
  }
  return hex;
}

/**
 * MSAL Python's `extract_certs`: the certificates of a PEM text as the base64 DER strings a JWS `x5c` header holds,
 * in file order (leaf first when the PEM follows the usual order). Text with no `CERTIFICATE` block is taken as one
 * base64 DER certificate, as MSAL Python takes it. Unlike MSAL Python's, each string is checked to be a certificate
 * and carries no PEM line breaks (RFC 7515 `x5c` values are plain base64).
 *
 * @param publicCertContent - PEM text (a certificate file or chain), or one base64 DER certificate.
 * @returns The base64 DER of each certificate.
 * @throws TypeError naming `publicCertContent` when it is not a string, holds a private key instead of a
 *   certificate (MSAL Python: ValueError), or is neither PEM nor base64 DER.
 * @throws InvalidCredentialError when a `CERTIFICATE` block does not parse.
 * @example
 * ```ts
 * const x5c = extractCerts(readFileSync('chain.pem', 'utf8'));
 * ```
 */
export function extractCerts(publicCertContent: string): string[] {
  if (typeof publicCertContent !== 'string') throw new TypeError('publicCertContent must be a string (PEM text)');
  // MSAL Python matches the markers case-insensitively; node:crypto wants them upper-case.
  const pem = publicCertContent.replace(/-----(begin|end) certificate-----/gi, (m) => m.toUpperCase());
  if (containsPemCertificate(pem)) return toX5c(parsePemCertificates(pem, 'publicCertContent'));
  if (pem.includes('PRIVATE KEY')) throw new TypeError('publicCertContent holds a private key, not a public certificate');
  const base64 = pem.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new TypeError('publicCertContent holds neither a PEM certificate nor base64 DER');
  try {
    return [new X509Certificate(Buffer.from(base64, 'base64')).raw.toString('base64')];
  } catch {
    throw new TypeError('publicCertContent holds neither a PEM certificate nor base64 DER');
  }
}
