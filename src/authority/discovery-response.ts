/**
 * Narrowing of discovery responses, which are untrusted: every field is checked before use, and every HTTP outcome is
 * turned into one coded error. Internal to src/authority/.
 */
import { AuthorityValidationError, InvalidResponseError, ServerError } from '../errors.js';
import type { ServerErrorBody } from '../errors.js';
import type { HttpResponse } from '../http/http-client.js';

/** Where a document came from, for error messages and `InvalidResponseError.source`. */
export type DiscoverySource = 'OIDC discovery document' | 'instance discovery response';

/** A parsed JSON object from a discovery response. */
export type JsonObject = Record<string, unknown>;

/**
 * Parses the body as a JSON object. Returns `undefined` when it is not one (the caller decides what that means).
 */
export function parseJsonObject(body: string): JsonObject | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** The OAuth2 error fields of `json`, when it has a string `error`. */
export function oauthErrorOf(json: JsonObject | undefined): ServerErrorBody | undefined {
  if (json === undefined || typeof json.error !== 'string' || json.error === '') return undefined;
  const str = (name: string): string | undefined => (typeof json[name] === 'string' ? json[name] : undefined);
  const codes = json.error_codes;
  return {
    error: json.error,
    error_description: str('error_description'),
    error_codes: Array.isArray(codes) && codes.every((c) => typeof c === 'number') ? codes : undefined,
    suberror: str('suberror'),
    claims: str('claims'),
    timestamp: str('timestamp'),
    trace_id: str('trace_id'),
    correlation_id: str('correlation_id'),
    error_uri: str('error_uri'),
  };
}

function retryAfterOf(response: HttpResponse): number | undefined {
  const raw = response.headers['retry-after'];
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/**
 * The error for a non-2xx discovery response:
 * - 4xx: {@link AuthorityValidationError} (the tenant or authority does not exist), with the server's OAuth2 error,
 *   when it sent one, as a {@link ServerError} in `cause`;
 * - anything else (5xx, and 3xx since redirects are not followed): {@link ServerError} when the body is an OAuth2
 *   error, else {@link InvalidResponseError}; both carry the status, so a caller can retry.
 */
export function failureFor(response: HttpResponse, source: DiscoverySource, authorityUrl: string, correlationId: string | undefined): Error {
  const oauth = oauthErrorOf(parseJsonObject(response.body));
  const serverError = oauth === undefined ? undefined : new ServerError(response.status, oauth, { correlationId, retryAfter: retryAfterOf(response) });
  if (response.status >= 400 && response.status < 500) {
    const detail = oauth === undefined ? '' : `: ${oauth.error}: ${oauth.error_description ?? '(no description)'}`;
    return new AuthorityValidationError(
      `${source} for ${authorityUrl} was refused with HTTP ${response.status}${detail}. ` +
        'Check the authority: it is usually https://login.microsoftonline.com/<tenant name or GUID>.',
      { cause: serverError, correlationId },
    );
  }
  return serverError ?? new InvalidResponseError(source, `HTTP ${response.status}`, { status: response.status, correlationId });
}

/** Context for the field checks below. */
export interface FieldContext {
  source: DiscoverySource;
  status: number;
  correlationId: string | undefined;
}

function invalid(ctx: FieldContext, detail: string): InvalidResponseError {
  return new InvalidResponseError(ctx.source, detail, { status: ctx.status, correlationId: ctx.correlationId });
}

/** A required non-empty string field. */
export function requireString(json: JsonObject, name: string, ctx: FieldContext): string {
  const value = json[name];
  if (typeof value !== 'string' || value === '') throw invalid(ctx, `${name} is missing or not a string`);
  return value;
}

/** A required https URL field. */
export function requireHttpsUrl(json: JsonObject, name: string, ctx: FieldContext): string {
  const value = requireString(json, name, ctx);
  if (!URL.canParse(value) || new URL(value).protocol !== 'https:') throw invalid(ctx, `${name} is not an https URL`);
  return value;
}

/** An optional https URL field: absent is fine, present must be right. */
export function optionalHttpsUrl(json: JsonObject, name: string, ctx: FieldContext): string | undefined {
  return json[name] === undefined ? undefined : requireHttpsUrl(json, name, ctx);
}

/** Throws the "not a JSON object" error. */
export function notAnObject(ctx: FieldContext): InvalidResponseError {
  return invalid(ctx, 'body is not a JSON object');
}

/**
 * The aliases instance discovery lists for `host` (`metadata[].aliases`), `undefined` when no entry names it.
 * A `metadata` that is present but malformed is an invalid response.
 */
export function aliasesFromInstanceMetadata(json: JsonObject, host: string, ctx: FieldContext): string[] | undefined {
  const metadata = json.metadata;
  if (metadata === undefined) return undefined;
  if (!Array.isArray(metadata)) throw invalid(ctx, 'metadata is not an array');
  for (const entry of metadata as unknown[]) {
    if (typeof entry !== 'object' || entry === null) throw invalid(ctx, 'metadata has an entry that is not an object');
    const aliases = (entry as JsonObject).aliases;
    if (!Array.isArray(aliases) || !aliases.every((a) => typeof a === 'string')) {
      throw invalid(ctx, 'metadata has an entry whose aliases are not a list of strings');
    }
    const lower = aliases.map((a) => a.toLowerCase());
    if (lower.includes(host)) return lower;
  }
  return undefined;
}
