/**
 * Managed identity endpoints answer in several dialects: IMDS and Azure Arc send `expires_in` (as a string), App
 * Service, Azure ML and Service Fabric send `expires_on` (epoch seconds as a number or a string, or App Service's
 * date string), and each has its own error body. This file turns all of them into one token shape, or a ServerError
 * whose `error` is the OAuth2 code MSAL Python maps the dialect's error to.
 */
import { InvalidResponseError, ServerError, type ServerErrorBody } from '../errors.js';
import type { HttpResponse } from '../http/http-client.js';
import { parseExpiresOn } from '../protocol/expires-on.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { isRecord } from '../util/checks.js';

/** The error dialect of a source. */
export type ErrorDialect = 'oauth2' | 'app_service' | 'machine_learning' | 'service_fabric' | 'azure_arc';

/** A successful managed identity response, normalized. */
export interface ManagedIdentityToken {
  access_token: string;
  token_type: string;
  /** Seconds until expiry, as of the response. */
  expires_in: number;
  /** Seconds until a proactive refresh, when the endpoint said. */
  refresh_in?: number;
  /** The resource the token is for, when the endpoint echoed it. */
  resource?: string;
}

const SOURCE = 'managed identity response';
const MAX_DESCRIPTION = 500;

// Service Fabric's error codes, mapped to RFC 6749 codes as MSAL Python maps them.
const SERVICE_FABRIC_ERRORS: Readonly<Record<string, string>> = {
  SecretHeaderNotFound: 'unauthorized_client',
  ManagedIdentityNotFound: 'invalid_client',
  ArgumentNullOrEmpty: 'invalid_scope',
};

/** An integer from a number or a numeric string (IMDS sends `"expires_in": "86399"`). */
function seconds(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new InvalidResponseError(SOURCE, `${field} is not a number of seconds`);
  return Math.trunc(n);
}

function clip(text: string): string {
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text;
}

/**
 * Parses one managed identity response.
 *
 * @param response - The HTTP response.
 * @param dialect - Which source's error format to expect.
 * @param ctx - Clock (milliseconds) and the request's correlation id.
 * @returns The token.
 * @throws ServerError when the endpoint refused; InvalidResponseError when a success is malformed.
 */
export function parseManagedIdentityResponse(
  response: HttpResponse,
  dialect: ErrorDialect,
  ctx: { now: () => number; correlationId: string },
): ManagedIdentityToken {
  const ok = response.status >= 200 && response.status < 300;
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch (cause) {
    // The body is never quoted: a truncated success would hold part of a token.
    if (ok) throw new InvalidResponseError(SOURCE, 'body is not JSON', { status: response.status, cause, correlationId: ctx.correlationId });
    throw serverError(response, { error: defaultError(dialect), error_description: `HTTP ${response.status} with a body that is not JSON` }, ctx);
  }
  if (isRecord(body) && typeof body.access_token === 'string' && body.access_token !== '') {
    if (!ok) throw serverError(response, { error: defaultError(dialect), error_description: `HTTP ${response.status} with a token` }, ctx);
    return tokenOf(body, ctx);
  }
  const mapped = errorOf(body, dialect, response.status);
  if (mapped === undefined) {
    throw new InvalidResponseError(SOURCE, ok ? 'no access_token in a successful response' : 'an error without details', {
      status: response.status,
      correlationId: ctx.correlationId,
    });
  }
  throw serverError(response, mapped, ctx);
}

function tokenOf(body: Record<string, unknown>, ctx: { now: () => number; correlationId: string }): ManagedIdentityToken {
  const accessToken = body.access_token as string;
  let expiresIn = seconds(body.expires_in, 'expires_in');
  if (expiresIn === undefined) {
    if (body.expires_on === undefined || body.expires_on === null) {
      throw new InvalidResponseError(SOURCE, 'neither expires_in nor expires_on', { correlationId: ctx.correlationId });
    }
    expiresIn = parseExpiresOn(body.expires_on, SOURCE) - Math.floor(ctx.now() / 1000);
  }
  const tokenType = body.token_type;
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType === '')) {
    throw new InvalidResponseError(SOURCE, 'token_type is not a string', { correlationId: ctx.correlationId });
  }
  const token: ManagedIdentityToken = { access_token: accessToken, token_type: tokenType ?? 'Bearer', expires_in: Math.max(0, expiresIn) };
  const refreshIn = seconds(body.refresh_in, 'refresh_in');
  if (refreshIn !== undefined && refreshIn > 0) token.refresh_in = refreshIn;
  if (typeof body.resource === 'string') token.resource = body.resource;
  return token;
}

function defaultError(dialect: ErrorDialect): string {
  return dialect === 'app_service' || dialect === 'machine_learning' ? 'invalid_scope' : 'invalid_request';
}

function optString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** An OAuth2-shaped body (`{error, error_description}`), kept with its fields. */
function oauth2Error(body: Record<string, unknown>): ServerErrorBody | undefined {
  if (typeof body.error !== 'string' || body.error === '') return undefined;
  const codes = Array.isArray(body.error_codes) && body.error_codes.every((c) => typeof c === 'number') ? body.error_codes : undefined;
  return {
    error: body.error,
    error_description: optString(body.error_description),
    error_codes: codes,
    correlation_id: optString(body.correlation_id),
    trace_id: optString(body.trace_id),
    timestamp: optString(body.timestamp),
  };
}

function errorOf(body: unknown, dialect: ErrorDialect, status: number): ServerErrorBody | undefined {
  if (!isRecord(body)) {
    return status >= 200 && status < 300 ? undefined : { error: defaultError(dialect), error_description: `HTTP ${status}` };
  }
  switch (dialect) {
    case 'service_fabric': {
      const inner = isRecord(body.error) ? body.error : undefined;
      if (inner === undefined) break;
      const code = optString(inner.code) ?? '';
      return {
        error: SERVICE_FABRIC_ERRORS[code] ?? 'invalid_request',
        error_description: clip(`${code}: ${optString(inner.message) ?? ''}`),
      };
    }
    case 'app_service':
      if (body.statusCode !== undefined || body.message !== undefined) {
        return { error: 'invalid_scope', error_description: clip(`${String(body.statusCode)}, ${String(body.message)}`) };
      }
      break;
    case 'machine_learning':
      if (oauth2Error(body) === undefined) return { error: 'invalid_scope', error_description: clip(JSON.stringify(body)) };
      break;
    default:
      break;
  }
  const oauth = oauth2Error(body);
  if (oauth !== undefined) return oauth;
  if (status >= 200 && status < 300) return undefined;
  return { error: defaultError(dialect), error_description: clip(JSON.stringify(body)) };
}

function serverError(response: HttpResponse, body: ServerErrorBody, ctx: { now: () => number; correlationId: string }): ServerError {
  return new ServerError(response.status, body, {
    correlationId: ctx.correlationId,
    retryAfter: parseRetryAfter(response.headers['retry-after'], ctx.now()),
  });
}
