/** The `claims` request parameter: a resource's claims challenge merged with the app's client capabilities. */
import { isRecord } from '../util/checks.js';

/**
 * Merges client capabilities into a claims challenge as MSAL Python does: `access_token.xms_cc = { values: caps }`
 * is added to the challenge's JSON (or to `{}`), keeping every other claim request. Without capabilities the challenge
 * passes through unchanged.
 *
 * @param capabilities - The app's `clientCapabilities`, e.g. `["CP1"]`.
 * @param claimsChallenge - The JSON a resource sent in its `WWW-Authenticate` challenge.
 * @returns The `claims` value to send, or `undefined` for none.
 * @throws TypeError naming `claimsChallenge` when it is not a JSON object string and capabilities must be merged in.
 */
export function mergeClaims(capabilities: readonly string[] | undefined, claimsChallenge: string | undefined): string | undefined {
  if (claimsChallenge !== undefined && typeof claimsChallenge !== 'string') throw new TypeError('claimsChallenge must be a JSON string');
  if (capabilities === undefined || capabilities.length === 0) return claimsChallenge === '' ? undefined : claimsChallenge;
  const claims =
    claimsChallenge !== undefined && claimsChallenge !== '' ? parseClaimsObject(claimsChallenge, 'claimsChallenge must be a JSON object string') : {};
  const existing = claims['access_token'];
  const accessToken = typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? (existing as Record<string, unknown>) : {};
  claims['access_token'] = { ...accessToken, xms_cc: { values: [...capabilities] } };
  return JSON.stringify(claims);
}

/**
 * A claims request (JSON text) as an object, to merge into.
 *
 * @throws TypeError with `message` when the text is not JSON or not a JSON object.
 */
export function parseClaimsObject(text: string, message: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TypeError(message);
  }
  if (!isRecord(parsed)) throw new TypeError(message);
  return parsed;
}
