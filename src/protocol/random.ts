/**
 * Unguessable values for `state` and `nonce`, from the operating system's CSPRNG. MSAL Python uses its
 * non-cryptographic `random` for `state`; a predictable state weakens the CSRF protection it exists for.
 */
import { randomBytes } from 'node:crypto';
import { base64UrlEncode } from './base64url.js';

/**
 * A random base64url string.
 *
 * @param bytes - Random bytes to encode; defaults to 32 (256 bits, 43 characters).
 * @throws RangeError naming `bytes` when it is not an integer from 16 to 1024.
 */
export function randomUrlSafeString(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 1024) {
    throw new RangeError('bytes must be an integer from 16 to 1024');
  }
  return base64UrlEncode(randomBytes(bytes));
}

/** A new OAuth2 `state` value (256 random bits). */
export function createState(): string {
  return randomUrlSafeString(32);
}

/** A new OpenID Connect `nonce` value (256 random bits). */
export function createNonce(): string {
  return randomUrlSafeString(32);
}
