/**
 * Token endpoint responses: the success JSON narrowed to known types, or the OAuth2 error as a {@link ServerError}.
 *
 * The body is untrusted. Anything that is neither a usable success nor an OAuth2 error body is an
 * {@link InvalidResponseError} whose message describes the shape only: a body can hold tokens, so none of it is
 * quoted.
 */
import { InvalidResponseError, ServerError, type ServerErrorBody } from '../errors.js';
import type { HttpResponse } from '../http/http-client.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { isRecord } from '../util/checks.js';

/** A successful token response, wire names kept. Keys msal-ts does not know are kept as `unknown`. */
export interface TokenResponse {
  access_token: string;
  /** `Bearer` when the server left it out. */
  token_type: string;
  /** Seconds; ADFS and some servers send numeric strings, converted here. */
  expires_in?: number;
  ext_expires_in?: number;
  /** Seconds after which a proactive refresh is due (Entra, managed identity). */
  refresh_in?: number;
  /** Epoch seconds. */
  expires_on?: number;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
  /** Space-delimited granted scopes. */
  scope?: string;
  /** Family of client ids (`"1"`): the refresh token is a family refresh token. */
  foci?: string;
  [key: string]: unknown;
}

/** Options of {@link parseTokenResponse}. */
export interface ParseTokenResponseOptions {
  /** The `client-request-id` sent, attached to errors. Defaults to the response's `client-request-id` header. */
  correlationId?: string | undefined;
  /** What the response is, for errors. Defaults to `"token response"`. */
  source?: string | undefined;
  /** Clock for an HTTP-date `Retry-After`, milliseconds since the epoch. Defaults to `Date.now`. */
  now?: (() => number) | undefined;
}

const NUMBER_FIELDS = ['expires_in', 'ext_expires_in', 'refresh_in', 'expires_on'] as const;
const STRING_FIELDS = ['refresh_token', 'id_token', 'client_info', 'scope', 'foci'] as const;
const ERROR_STRING_FIELDS = ['error_description', 'suberror', 'claims', 'timestamp', 'trace_id', 'correlation_id', 'error_uri'] as const;

/** A token-free description of a body that is not a JSON object. */
function describeBody(body: string, parsed: { ok: true; value: unknown } | { ok: false }): string {
  if (body.trim().length === 0) return 'the body is empty';
  if (!parsed.ok) {
    return body.trimStart().startsWith('<') ? 'the body is HTML or XML, not JSON' : 'the body is not valid JSON (truncated?)';
  }
  const value = parsed.value;
  if (Array.isArray(value)) return 'the body is a JSON array, not an object';
  return `the body is JSON ${value === null ? 'null' : typeof value}, not an object`;
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Seconds as a number or a numeric string; `undefined` for any other value. */
function toSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function serverErrorBody(json: Record<string, unknown>, error: string): ServerErrorBody {
  const body: ServerErrorBody = { error };
  for (const key of ERROR_STRING_FIELDS) {
    const value = json[key];
    // A mistyped optional field is dropped rather than failing: the error itself is what the caller needs.
    if (typeof value === 'string') body[key] = value;
  }
  const codes = json.error_codes;
  if (Array.isArray(codes) && codes.every((c): c is number => typeof c === 'number')) body.error_codes = codes;
  return body;
}

/**
 * Interprets a token endpoint response.
 *
 * @param response - The HTTP response, fully read.
 * @param options - Correlation id, source name and clock.
 * @returns The narrowed success body.
 * @throws ServerError when the body is a JSON object with a string `error` (whatever the status), with the server's
 *   fields, the status and `Retry-After` in seconds.
 * @throws InvalidResponseError (with the status) for everything else that is not a success: not JSON, HTML, a JSON
 *   non-object, a non-2xx status without an error body, a missing `access_token`, or a known field of the wrong type.
 * @example
 * ```ts
 * const token = parseTokenResponse(await http.send(request), { correlationId });
 * ```
 */
export function parseTokenResponse(response: HttpResponse, options: ParseTokenResponseOptions = {}): TokenResponse {
  const source = options.source ?? 'token response';
  const status = response.status;
  const correlationId = options.correlationId ?? response.headers['client-request-id'];
  const fail = (detail: string): InvalidResponseError => new InvalidResponseError(source, `HTTP ${status}: ${detail}`, { status, correlationId });

  const parsed = parseJson(response.body);
  if (!parsed.ok || !isRecord(parsed.value)) throw fail(describeBody(response.body, parsed));
  const json = parsed.value;

  const error = json.error;
  if (typeof error === 'string' && error.length > 0) {
    const retryAfter = parseRetryAfter(response.headers['retry-after'], (options.now ?? Date.now)());
    throw new ServerError(status, serverErrorBody(json, error), { correlationId, retryAfter });
  }
  if (error !== undefined && error !== null) throw fail('"error" is present but not a non-empty string');
  if (status < 200 || status > 299) throw fail('no OAuth2 error in the body');

  const accessToken = json.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw fail(accessToken === undefined ? 'access_token is missing' : 'access_token is not a non-empty string');
  }
  const tokenType = json.token_type ?? 'Bearer';
  if (typeof tokenType !== 'string' || tokenType.length === 0) throw fail('token_type is not a non-empty string');

  const result: TokenResponse = { ...json, access_token: accessToken, token_type: tokenType };
  for (const key of NUMBER_FIELDS) {
    const value = json[key];
    if (value === undefined || value === null) {
      delete result[key];
      continue;
    }
    const seconds = toSeconds(value);
    if (seconds === undefined) throw fail(`${key} is not a non-negative number or numeric string`);
    result[key] = seconds;
  }
  for (const key of STRING_FIELDS) {
    const value = json[key];
    // null and "" mean "not sent" in the wild; dropping them spares every consumer the same check.
    if (value === undefined || value === null || value === '') {
      delete result[key];
      continue;
    }
    if (typeof value !== 'string') throw fail(`${key} is not a string`);
  }
  if (result.error === null) delete result.error;
  return result;
}
