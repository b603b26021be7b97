/**
 * The `claims` request parameter (OIDC Core 5.5) as the emulator honours it on app-only tokens: a client capability
 * (`access_token.xms_cc.values`) and a network security perimeter (`access_token.xms_az_nwperimid.value` or
 * `.values`, the claim MSAL's `forwardedClientClaims` exists for) are copied into the access token, so a test can see
 * which claims reached the token endpoint. Other requested claims are accepted and ignored, as Entra ignores claims it
 * does not issue. A value that is not a JSON object is `invalid_request`.
 */
import { AADSTS } from './aad-errors.js';
import { isRecord } from '../util/checks.js';

/** The claims the emulator copies into an access token, read from the request's `claims` (none without one). */
export function requestedAccessTokenClaims(form: URLSearchParams): Record<string, unknown> {
  const raw = form.get('claims');
  if (raw === null) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw AADSTS.invalidRequest('The claims parameter is not valid JSON.');
  }
  if (!isRecord(parsed)) throw AADSTS.invalidRequest('The claims parameter must be a JSON object.');
  const accessToken = parsed['access_token'];
  if (!isRecord(accessToken)) return {};
  const out: Record<string, unknown> = {};
  const capabilities = valuesOf(accessToken['xms_cc']);
  if (capabilities !== undefined) out['xms_cc'] = capabilities;
  const perimeter = valuesOf(accessToken['xms_az_nwperimid']);
  if (perimeter !== undefined) out['xms_az_nwperimid'] = perimeter;
  return out;
}

/** A requested claim's `values` (strings), or its single `value` as a one-element list. */
function valuesOf(request: unknown): string[] | undefined {
  if (!isRecord(request)) return undefined;
  const values = request['values'];
  if (Array.isArray(values) && values.every((v) => typeof v === 'string')) return values;
  const value = request['value'];
  return typeof value === 'string' ? [value] : undefined;
}
