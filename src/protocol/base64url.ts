/**
 * base64url (RFC 4648 section 5) without padding, as JWS (RFC 7515) and PKCE (RFC 7636) require.
 */

// Optional trailing padding is tolerated on input because some servers (and MSAL Python's x5t) emit it.
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Encodes bytes, or a string as UTF-8, to unpadded base64url.
 *
 * @param data - The bytes, or a string that is encoded as UTF-8 first.
 * @returns The base64url text, without `=` padding.
 */
export function base64UrlEncode(data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return bytes.toString('base64url');
}

/**
 * Tells whether `text` is well-formed base64url (padding optional, no other characters, a possible length).
 *
 * @param text - The text to check.
 */
export function isBase64Url(text: string): boolean {
  if (!BASE64URL.test(text)) return false;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return false;
  // Padding, when present, must complete the last quantum exactly.
  return unpadded.length === text.length || text.length % 4 === 0;
}

/**
 * Decodes base64url text (padding optional) to bytes.
 *
 * @param text - The base64url text.
 * @returns The decoded bytes.
 * @throws RangeError naming `text` when it is not well-formed base64url. Node's own decoder silently skips bad
 *   characters, which would let a malformed token decode to something else.
 */
export function base64UrlDecode(text: string): Buffer {
  if (typeof text !== 'string' || !isBase64Url(text)) {
    throw new RangeError('text is not well-formed base64url');
  }
  return Buffer.from(text.replace(/=+$/, ''), 'base64url');
}
