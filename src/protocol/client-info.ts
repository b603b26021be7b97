/**
 * Entra's `client_info`: base64url JSON `{ "uid": ..., "utid": ... }` returned when a request sends `client_info=1`.
 * It gives the home account id `uid.utid` that keys the unified cache.
 */
import { InvalidResponseError } from '../errors.js';
import { base64UrlDecode, isBase64Url } from './base64url.js';

/** The decoded `client_info`: the user's object id and home tenant id. */
export interface ClientInfo {
  uid: string;
  utid: string;
}

const SOURCE = 'client_info';

/**
 * Decodes a `client_info` value from a token response.
 *
 * @param raw - The `client_info` string as the server sent it (base64url, padding tolerated).
 * @returns `uid` and `utid`.
 * @throws InvalidResponseError when it is not base64url JSON with non-empty string `uid` and `utid`. The message
 *   never contains the value.
 */
export function decodeClientInfo(raw: string): ClientInfo {
  if (typeof raw !== 'string' || raw.length === 0 || !isBase64Url(raw)) {
    throw new InvalidResponseError(SOURCE, 'not a base64url string');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(base64UrlDecode(raw).toString('utf8'));
  } catch {
    throw new InvalidResponseError(SOURCE, 'not base64url-encoded JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidResponseError(SOURCE, 'not a JSON object');
  }
  const { uid, utid } = parsed as Record<string, unknown>;
  if (typeof uid !== 'string' || uid.length === 0 || typeof utid !== 'string' || utid.length === 0) {
    throw new InvalidResponseError(SOURCE, 'uid and utid must be non-empty strings');
  }
  return { uid, utid };
}
