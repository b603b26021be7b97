/**
 * PKCE (RFC 7636) with the S256 method.
 */
import { createHash, randomBytes } from 'node:crypto';
import { base64UrlEncode } from './base64url.js';

/** A PKCE verifier and its challenge. The verifier stays with the client; the challenge goes to `/authorize`. */
export interface Pkce {
  code_verifier: string;
  code_challenge: string;
  code_challenge_method: 'S256';
}

/**
 * Creates a PKCE verifier from the operating system's CSPRNG and its S256 challenge. (MSAL Python draws the verifier
 * from Python's non-cryptographic `random`.)
 *
 * @param length - Verifier length, 43 to 128 characters (RFC 7636 section 4.1). Defaults to 43 (256 bits).
 * @returns The verifier (base64url characters, a subset of the RFC's unreserved set), the challenge and `S256`.
 * @throws RangeError naming `length` when it is not an integer from 43 to 128.
 * @example
 * ```ts
 * const { code_verifier, code_challenge } = createPkce();
 * ```
 */
export function createPkce(length = 43): Pkce {
  if (!Number.isInteger(length) || length < 43 || length > 128) {
    throw new RangeError('length must be an integer from 43 to 128');
  }
  // Each base64url character carries 6 uniformly random bits, so a prefix is still uniform.
  const verifier = base64UrlEncode(randomBytes(Math.ceil((length * 3) / 4))).slice(0, length);
  return { code_verifier: verifier, code_challenge: pkceChallenge(verifier), code_challenge_method: 'S256' };
}

/**
 * The S256 challenge of a verifier: base64url(SHA-256(ASCII(verifier))).
 *
 * @param verifier - The code verifier.
 */
export function pkceChallenge(verifier: string): string {
  return base64UrlEncode(createHash('sha256').update(verifier, 'ascii').digest());
}
