/**
 * The device authorization response (RFC 8628 section 3.2), narrowed from untrusted JSON. Entra's v1 endpoint says
 * `verification_url`; it is read as `verification_uri`.
 */
import { InvalidResponseError, ServerError, type ServerErrorBody } from '../errors.js';
import type { HttpResponse } from '../http/http-client.js';

/** A device authorization response, wire names kept; anything else the server sent is kept too. */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  /** Seconds the codes stay valid; 1800 when the server says nothing (MSAL Python's default). */
  expires_in: number;
  /** Seconds between polls; 5 when the server says nothing. */
  interval: number;
  /** The text to show the user, when the server sent one. */
  message?: string;
  [field: string]: unknown;
}

const SOURCE = 'device authorization response';

function seconds(value: unknown, fallback: number, field: string, status: number): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) throw new InvalidResponseError(SOURCE, `HTTP ${status}: ${field} is not a number of seconds`, { status });
  return Math.trunc(n);
}

/**
 * Parses a device authorization endpoint response.
 *
 * @param response - The HTTP response.
 * @param correlationId - The request's `client-request-id`, for errors.
 * @throws ServerError for an OAuth2 error body; InvalidResponseError for anything that is not a usable response.
 */
export function parseDeviceAuthorizationResponse(response: HttpResponse, correlationId?: string): DeviceAuthorizationResponse {
  const status = response.status;
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    throw new InvalidResponseError(SOURCE, `HTTP ${status}: the body is not JSON`, { status, correlationId });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidResponseError(SOURCE, `HTTP ${status}: the body is not a JSON object`, { status, correlationId });
  }
  const body = json as Record<string, unknown>;
  if (typeof body['error'] === 'string' && body['error'] !== '') {
    const err: ServerErrorBody = { error: body['error'] };
    for (const key of ['error_description', 'suberror', 'timestamp', 'trace_id', 'correlation_id', 'error_uri'] as const) {
      const value = body[key];
      if (typeof value === 'string') err[key] = value;
    }
    const codes = body['error_codes'];
    if (Array.isArray(codes) && codes.every((c): c is number => typeof c === 'number')) err.error_codes = codes;
    throw new ServerError(status, err, { correlationId });
  }
  if (status < 200 || status > 299) throw new InvalidResponseError(SOURCE, `HTTP ${status}: no OAuth2 error in the body`, { status, correlationId });
  const str = (field: string): string => {
    const value = body[field];
    if (typeof value !== 'string' || value === '') throw new InvalidResponseError(SOURCE, `HTTP ${status}: ${field} is missing`, { status, correlationId });
    return value;
  };
  const verification = body['verification_uri'] ?? body['verification_url'];
  const result: DeviceAuthorizationResponse = {
    ...body,
    device_code: str('device_code'),
    user_code: str('user_code'),
    verification_uri: typeof verification === 'string' && verification !== '' ? verification : str('verification_uri'),
    expires_in: seconds(body['expires_in'], 1800, 'expires_in', status),
    interval: seconds(body['interval'], 5, 'interval', status),
  };
  if (typeof body['message'] !== 'string') delete result.message;
  return result;
}
