/**
 * Verifies a certificate client assertion (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:
 * jwt-bearer`) as Entra does: the certificate is chosen by the header's `x5t` (SHA-1) or `x5t#S256` thumbprint among
 * the app's registered certificates, RS256 or PS256, `iss` = `sub` = client id, `aud` = the token endpoint (or one of
 * the tenant's other forms Entra accepts), `exp`/`nbf` with five minutes of clock skew.
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { AADSTS, aadTimestamp } from './aad-errors.js';
import type { EmulatorApp } from './config.js';
import { decodeJwt, numberClaim, stringClaim, verifyJwtSignature } from './jwt.js';
import { thumbprints } from './pki.js';

/** The assertion type Entra accepts. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const SKEW_SECONDS = 300;

function splitPemBundle(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function presentedThumbprintHex(value: string): string {
  const bytes = /^[0-9a-f]+$/i.test(value) && (value.length === 40 || value.length === 64) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64url');
  return bytes.toString('hex').toUpperCase();
}

/** Finds the registered certificate a thumbprint names (hex, base64 or base64url; SHA-1 or SHA-256). */
function findCertificate(app: EmulatorApp, hex: string): string | undefined {
  for (const bundle of app.certificates) {
    for (const pem of splitPemBundle(bundle)) {
      const t = thumbprints(pem);
      if (t.sha1Hex === hex || t.sha256Hex === hex) return pem;
    }
  }
  return undefined;
}

/** Checks `assertion` for `app`; `audiences` are the lower-cased `aud` values accepted. Throws an AadFailure. */
export function verifyClientAssertion(app: EmulatorApp, assertion: string, assertionType: string | null, audiences: readonly string[], now: number): void {
  if (assertionType !== JWT_BEARER_ASSERTION_TYPE) throw AADSTS.assertionType();
  const jwt = decodeJwt(assertion);
  if (jwt === undefined) throw AADSTS.malformedJwt();
  const alg = stringClaim(jwt.header, 'alg');
  if (alg !== 'RS256' && alg !== 'PS256') throw AADSTS.badAssertion(`The signing algorithm '${alg ?? 'none'}' is not supported; use RS256 or PS256.`);
  const presented = stringClaim(jwt.header, 'x5t#S256') ?? stringClaim(jwt.header, 'x5t') ?? stringClaim(jwt.header, 'kid');
  if (presented === undefined) throw AADSTS.badAssertion('The client assertion has no x5t, x5t#S256 or kid header.');
  const hex = presentedThumbprintHex(presented);
  const pem = findCertificate(app, hex);
  if (pem === undefined) throw AADSTS.assertionKeyNotFound(hex);
  if (!verifyJwtSignature(jwt, alg, createPublicKey(pem))) {
    throw AADSTS.badAssertion('The provided signature value did not match the expected signature value.');
  }
  const cert = new X509Certificate(pem);
  if (Date.parse(cert.validTo) / 1000 < now) throw AADSTS.badAssertion('The key used to sign the client assertion has expired.');

  const claims = jwt.payload;
  if (stringClaim(claims, 'iss')?.toLowerCase() !== app.clientId) throw AADSTS.assertionIssuer();
  if (stringClaim(claims, 'sub')?.toLowerCase() !== app.clientId) throw AADSTS.assertionIssuer();
  const aud = claims.aud;
  const auds = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
  if (!auds.some((a) => audiences.includes(a.toLowerCase().replace(/\/+$/, '')))) {
    throw AADSTS.badAssertion(`The audience '${auds.join(', ')}' of the client assertion is not the token endpoint of this tenant.`);
  }
  const exp = numberClaim(claims, 'exp');
  if (exp === undefined) throw AADSTS.malformedJwt();
  const nbf = numberClaim(claims, 'nbf') ?? numberClaim(claims, 'iat') ?? exp - 600;
  if (now > exp + SKEW_SECONDS || now < nbf - SKEW_SECONDS) {
    throw AADSTS.assertionTimeRange(aadTimestamp(now), aadTimestamp(nbf), aadTimestamp(exp));
  }
}
