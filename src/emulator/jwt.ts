/**
 * The JWT operations the emulator needs, on node:crypto: sign its own tokens (RS256) and read and verify the JWTs that
 * clients send (client assertions, OBO assertions). Parsing never trusts the input's shape.
 */
import { constants, sign, verify, type KeyObject } from 'node:crypto';
import { base64url } from './ids.js';
import { isRecord } from '../util/checks.js';

/** A decoded, not yet verified JWT. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** The key the emulator signs tokens with, and the ids it publishes for it. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Key id; Entra uses the certificate's SHA-1 thumbprint (base64url) as both `kid` and `x5t`. */
  kid: string;
  x5t: string;
  /** The base64 DER of the key's certificate, published as `x5c`. */
  certificateBase64: string;
}

/** Signs `payload` with RS256, adding Entra's `typ`, `kid` and `x5t` header fields. */
export function signJwt(payload: Record<string, unknown>, key: SigningKey): string {
  const header = { typ: 'JWT', alg: 'RS256', x5t: key.x5t, kid: key.kid };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** Splits and decodes a compact JWS; returns undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header: unknown = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    if (!isRecord(header) || !isRecord(payload)) return undefined;
    return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
  } catch {
    return undefined;
  }
}

/** The signature algorithms the emulator accepts from clients. */
export type AcceptedJwsAlgorithm = 'RS256' | 'PS256';

/** Verifies a decoded JWT's signature with `publicKey`. */
export function verifyJwtSignature(jwt: DecodedJwt, alg: AcceptedJwsAlgorithm, publicKey: KeyObject): boolean {
  const data = Buffer.from(jwt.signingInput);
  try {
    if (alg === 'RS256') return verify('sha256', data, publicKey, jwt.signature);
    return verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, jwt.signature);
  } catch {
    return false;
  }
}

/** A string claim, or undefined when absent or not a string. */
export function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const v = claims[name];
  return typeof v === 'string' ? v : undefined;
}

/** A numeric claim, or undefined when absent or not a finite number. */
export function numberClaim(claims: Record<string, unknown>, name: string): number | undefined {
  const v = claims[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
