/**
 * Compact JWS: decoding untrusted tokens (no signature check, as MSAL Python does for id tokens) and signing the
 * client assertions msal-ts creates.
 */
import { constants, sign, type KeyObject } from 'node:crypto';
import { InvalidResponseError } from '../errors.js';
import { base64UrlDecode, base64UrlEncode, isBase64Url } from './base64url.js';
import { isRecord } from '../util/checks.js';

/** The JWS algorithms msal-ts signs with: RS256 (PKCS#1 v1.5) and PS256 (RSASSA-PSS, salt length = digest length). */
export type JwtSigningAlgorithm = 'RS256' | 'PS256';

/** A decoded (not verified) JWT. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

function decodeJsonSegment(segment: string, which: string, source: string): Record<string, unknown> {
  if (segment.length === 0 || !isBase64Url(segment)) {
    throw new InvalidResponseError(source, `the JWT ${which} is not base64url`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(base64UrlDecode(segment).toString('utf8'));
  } catch {
    // The cause is dropped on purpose: a JSON.parse message quotes the token's text.
    throw new InvalidResponseError(source, `the JWT ${which} is not JSON`);
  }
  if (!isRecord(parsed)) {
    throw new InvalidResponseError(source, `the JWT ${which} is not a JSON object`);
  }
  return parsed;
}

/**
 * Decodes a compact JWS without verifying its signature. For tokens from a server (id tokens), so the input is
 * treated as untrusted and every malformation is reported as an {@link InvalidResponseError}.
 *
 * @param token - The compact serialization `header.payload.signature`.
 * @param source - What the token is, for the error (`"id token"`); defaults to `"JWT"`.
 * @returns The header and payload as JSON objects.
 * @throws InvalidResponseError when the token is not a string of three dot-separated parts whose first two are
 *   base64url JSON objects. The message never contains the token.
 * @example
 * ```ts
 * const { payload } = decodeJwt(result.id_token, 'id token');
 * ```
 */
export function decodeJwt(token: string, source = 'JWT'): DecodedJwt {
  if (typeof token !== 'string') {
    throw new InvalidResponseError(source, `expected a JWT string, got ${typeof token}`);
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new InvalidResponseError(source, `a JWT has 3 dot-separated parts, this one has ${parts.length}`);
  }
  const [header = '', payload = '', signature = ''] = parts;
  // An empty signature is allowed: unsecured id tokens ("alg": "none") exist and are only decoded here.
  if (signature.length > 0 && !isBase64Url(signature)) {
    throw new InvalidResponseError(source, 'the JWT signature is not base64url');
  }
  return {
    header: decodeJsonSegment(header, 'header', source),
    payload: decodeJsonSegment(payload, 'payload', source),
  };
}

/**
 * Signs a JWT with an RSA private key.
 *
 * @param header - Extra header parameters (`x5t`, `x5c`, `kid`, ...). `alg` is always set from `alg`; `typ`
 *   defaults to `"JWT"`.
 * @param payload - The claims.
 * @param key - An RSA private key.
 * @param alg - `RS256` or `PS256`.
 * @returns The compact serialization.
 * @throws TypeError when `key` is not an RSA private key, or `alg` is not supported.
 */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject, alg: JwtSigningAlgorithm): string {
  if (alg !== 'RS256' && alg !== 'PS256') {
    throw new TypeError(`alg must be "RS256" or "PS256", got ${JSON.stringify(alg)}`);
  }
  if (key.type !== 'private' || (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss')) {
    throw new TypeError('key must be an RSA private key');
  }
  const signingInput = `${base64UrlEncode(JSON.stringify({ typ: 'JWT', ...header, alg }))}.${base64UrlEncode(JSON.stringify(payload))}`;
  const signature =
    alg === 'PS256'
      ? sign('sha256', Buffer.from(signingInput), {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        })
      : sign('sha256', Buffer.from(signingInput), key);
  return `${signingInput}.${base64UrlEncode(signature)}`;
}
