/** The `claims` request parameter: a resource's claims challenge merged with the app's client capabilities. */

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
  let claims: Record<string, unknown> = {};
  if (claimsChallenge !== undefined && claimsChallenge !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(claimsChallenge);
    } catch {
      throw new TypeError('claimsChallenge must be a JSON object string');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('claimsChallenge must be a JSON object string');
    claims = parsed as Record<string, unknown>;
  }
  const existing = claims['access_token'];
  const accessToken = typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? (existing as Record<string, unknown>) : {};
  claims['access_token'] = { ...accessToken, xms_cc: { values: [...capabilities] } };
  return JSON.stringify(claims);
}
