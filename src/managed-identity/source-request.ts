/**
 * What every source's request function receives, and the small helpers they share: building the endpoint URL from an
 * environment variable and sending with the common headers.
 */
import { ManagedIdentityError } from '../errors.js';
import type { HttpClient, HttpResponse } from '../http/http-client.js';
import type { ManagedIdentity } from './managed-identity.js';

/** One token request to a source. */
export interface SourceRequest {
  readonly http: HttpClient;
  readonly identity: ManagedIdentity;
  readonly resource: string;
  /** Telemetry and correlation headers every source gets (`x-client-sku`, `x-client-ver`, `x-ms-client-request-id`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly correlationId: string;
  readonly signal: AbortSignal | undefined;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** SHA-256 hex of a token the resource rejected (claims challenge), for sources that revoke it. */
  readonly tokenSha256ToRefresh: string | undefined;
  readonly clientCapabilities: readonly string[] | undefined;
}

/**
 * The endpoint URL from an environment variable's value, checked.
 *
 * @throws ManagedIdentityError `invalid_endpoint` when it is not an absolute http(s) URL.
 */
export function endpointUrl(value: string, variable: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new ManagedIdentityError('invalid_environment', `${variable} is not an absolute URL`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ManagedIdentityError('invalid_environment', `${variable} must be an http:// or https:// URL, not ${url.protocol}//`);
  }
  return url;
}

/** Sends one request with the common headers plus `headers`. */
export function send(req: SourceRequest, method: 'GET' | 'POST', url: URL, headers: Record<string, string>, body?: string): Promise<HttpResponse> {
  return req.http.send({ method, url: url.toString(), headers: { ...req.headers, ...headers }, body, signal: req.signal });
}
