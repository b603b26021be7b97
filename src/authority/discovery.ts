/**
 * Authority metadata: instance discovery (is this host a Microsoft cloud, and what are its aliases) followed by OIDC
 * discovery (the endpoints), as MSAL Python does when it builds an `Authority`, but lazily and cached.
 */
import { AuthorityValidationError, ServerError } from '../errors.js';
import { cachedGet } from '../http/http-cache.js';
import type { HttpCacheStore } from '../http/http-cache.js';
import type { HttpClient, HttpResponse } from '../http/http-client.js';
import type { Authority } from './authority.js';
import { knownAliasesOf } from './clouds.js';
import {
  aliasesFromInstanceMetadata,
  failureFor,
  notAnObject,
  oauthErrorOf,
  optionalHttpsUrl,
  parseJsonObject,
  requireHttpsUrl,
  requireString,
} from './discovery-response.js';
import type { DiscoverySource, FieldContext } from './discovery-response.js';
import { firstPathSegment } from '../util/checks.js';

/** Where instance discovery is asked by default, as every MSAL does. */
export const DEFAULT_INSTANCE_DISCOVERY_ENDPOINT = 'https://login.microsoftonline.com/common/discovery/instance';

/** What msal-ts needs to know about an authority, from its OIDC discovery document. Wire names kept. */
export interface AuthorityMetadata {
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly device_authorization_endpoint?: string | undefined;
  readonly end_session_endpoint?: string | undefined;
  /** As sent; Entra's multi-tenant documents keep the `{tenantid}` template. */
  readonly issuer: string;
  readonly jwks_uri?: string | undefined;
  /**
   * The tenant, re-read from the `token_endpoint`'s first path segment as MSAL Python does (for `common` and named
   * tenants alike Entra answers with a GUID there; ADFS gives `adfs`). `undefined` for `oidc` authorities.
   */
  readonly tenant: string | undefined;
  /** The token cache's `environment`: the authority's host. */
  readonly environment: string;
  /** Hosts equivalent to `environment`, `environment` first. */
  readonly aliases: readonly string[];
  /** The whole discovery document as received. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Options of {@link resolveAuthorityMetadata}. */
export interface ResolveAuthorityOptions {
  http: HttpClient;
  /** The user's http cache; discovery responses (GET 2xx) are served from it for 24 hours. */
  httpCache?: HttpCacheStore | undefined;
  /**
   * Instance discovery for `aad` authorities on hosts msal-ts does not know: `true` (default) asks
   * {@link DEFAULT_INSTANCE_DISCOVERY_ENDPOINT}, a string asks that https URL instead, `false` skips it (for custom
   * domains and local test servers), as MSAL Python's `instance_discovery`.
   */
  instanceDiscovery?: boolean | string | undefined;
  /** Current time in milliseconds since the epoch, for the http cache. Default `Date.now`. */
  now?: (() => number) | undefined;
  /** Sent as `client-request-id`. */
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Extra request headers (e.g. `x-client-sku`, `x-app-name`). */
  headers?: Record<string, string> | undefined;
}

/**
 * Finds the endpoints of an authority: instance discovery when needed, then OIDC discovery.
 *
 * - Instance discovery runs only for `aad` authorities whose host is not a known Microsoft cloud, and only when
 *   `instanceDiscovery` is not `false`; its `tenant_discovery_endpoint` then replaces the usual OIDC discovery URL and
 *   its `metadata` gives the aliases.
 * - OIDC discovery URL: `{url}/v2.0/.well-known/openid-configuration` for aad, ciam and b2c;
 *   `{url}/.well-known/openid-configuration` for adfs, dsts and oidc.
 *
 * No in-memory caching here: share results with an `AuthorityMetadataCache`.
 *
 * @param authority - from `parseAuthority`.
 * @param options - transport, caches, discovery switch, request context.
 * @returns frozen metadata.
 * @throws AuthorityValidationError when instance discovery answers `invalid_instance` or a discovery endpoint answers
 *   4xx (unknown tenant); ServerError (OAuth2 error body) or InvalidResponseError (anything else) for other non-2xx;
 *   InvalidResponseError for a 2xx body that is not a well-formed document; NetworkError, RequestTimeoutError,
 *   RequestAbortedError from the transport; TypeError on a bad argument, before any request.
 *
 * @example
 * ```ts
 * const meta = await resolveAuthorityMetadata(parseAuthority('https://login.microsoftonline.com/contoso.com'), {
 *   http: createHttpClient(),
 * });
 * meta.token_endpoint; // https://login.microsoftonline.com/<tenant GUID>/oauth2/v2.0/token
 * ```
 */
export async function resolveAuthorityMetadata(authority: Authority, options: ResolveAuthorityOptions): Promise<AuthorityMetadata> {
  const instanceDiscovery = checkArguments(authority, options);
  const correlationId = options.correlationId;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  if (correlationId !== undefined) headers['client-request-id'] = correlationId;
  const get = (url: string): Promise<HttpResponse> => cachedGet(options.http, options.httpCache, url, headers, { now: options.now, signal: options.signal });

  let aliases = knownAliasesOf(authority.host);
  let discoveryUrl =
    authority.kind === 'adfs' || authority.kind === 'oidc' || authority.kind === 'dsts'
      ? `${authority.url}/.well-known/openid-configuration`
      : `${authority.url}/v2.0/.well-known/openid-configuration`;

  if (authority.kind === 'aad' && !authority.isKnownToMicrosoft && instanceDiscovery !== false) {
    const endpoint = new URL(instanceDiscovery === true ? DEFAULT_INSTANCE_DISCOVERY_ENDPOINT : instanceDiscovery);
    endpoint.searchParams.set('api-version', '1.1');
    endpoint.searchParams.set('authorization_endpoint', `${authority.url}/oauth2/v2.0/authorize`);
    const found = readInstanceDiscovery(await get(endpoint.href), authority, correlationId);
    discoveryUrl = found.tenantDiscoveryEndpoint;
    if (found.aliases !== undefined) aliases = [authority.host, ...found.aliases.filter((a) => a !== authority.host)];
  }

  const response = await get(discoveryUrl);
  const source: DiscoverySource = 'OIDC discovery document';
  if (response.status < 200 || response.status >= 300) throw failureFor(response, source, authority.url, correlationId);
  const ctx: FieldContext = { source, status: response.status, correlationId };
  const doc = parseJsonObject(response.body);
  if (doc === undefined) throw notAnObject(ctx);
  const token_endpoint = requireHttpsUrl(doc, 'token_endpoint', ctx);
  const metadata: AuthorityMetadata = {
    authorization_endpoint: requireHttpsUrl(doc, 'authorization_endpoint', ctx),
    token_endpoint,
    device_authorization_endpoint: optionalHttpsUrl(doc, 'device_authorization_endpoint', ctx),
    end_session_endpoint: optionalHttpsUrl(doc, 'end_session_endpoint', ctx),
    issuer: requireString(doc, 'issuer', ctx),
    jwks_uri: optionalHttpsUrl(doc, 'jwks_uri', ctx),
    tenant: authority.kind === 'oidc' ? undefined : (firstPathSegment(token_endpoint) ?? authority.tenant),
    environment: authority.host,
    aliases: Object.freeze(aliases),
    raw: Object.freeze(doc),
  };
  return Object.freeze(metadata);
}

function checkArguments(authority: Authority, options: ResolveAuthorityOptions): boolean | string {
  if (typeof authority !== 'object' || authority === null || typeof authority.url !== 'string' || typeof authority.kind !== 'string') {
    throw new TypeError('authority must be an Authority from parseAuthority()');
  }
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  if (typeof options.http !== 'object' || options.http === null || typeof options.http.send !== 'function') {
    throw new TypeError('options.http must be an HttpClient (an object with a send method)');
  }
  const instanceDiscovery = options.instanceDiscovery ?? true;
  if (typeof instanceDiscovery === 'string') {
    if (!URL.canParse(instanceDiscovery) || new URL(instanceDiscovery).protocol !== 'https:') {
      throw new TypeError('options.instanceDiscovery must be true, false or an https URL of an instance discovery endpoint');
    }
  } else if (typeof instanceDiscovery !== 'boolean') {
    throw new TypeError('options.instanceDiscovery must be true, false or an https URL of an instance discovery endpoint');
  }
  if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('options.now must be a function');
  if (options.correlationId !== undefined && typeof options.correlationId !== 'string') {
    throw new TypeError('options.correlationId must be a string');
  }
  return instanceDiscovery;
}

interface InstanceDiscoveryResult {
  tenantDiscoveryEndpoint: string;
  aliases: string[] | undefined;
}

function readInstanceDiscovery(response: HttpResponse, authority: Authority, correlationId: string | undefined): InstanceDiscoveryResult {
  const source: DiscoverySource = 'instance discovery response';
  const json = parseJsonObject(response.body);
  const oauth = oauthErrorOf(json);
  // Entra answers 400 with invalid_instance; accept it whatever the status.
  if (oauth?.error === 'invalid_instance') {
    throw new AuthorityValidationError(
      `instance discovery does not know ${authority.host} as a Microsoft Entra host (invalid_instance). ` +
        'If it is your own custom domain, turn instance discovery off (instanceDiscovery: false).',
      { cause: new ServerError(response.status, oauth, { correlationId }), correlationId },
    );
  }
  if (response.status < 200 || response.status >= 300) throw failureFor(response, source, authority.url, correlationId);
  const ctx: FieldContext = { source, status: response.status, correlationId };
  if (json === undefined) throw notAnObject(ctx);
  if (oauth !== undefined) {
    throw new AuthorityValidationError(`instance discovery refused ${authority.host}: ${oauth.error}`, {
      cause: new ServerError(response.status, oauth, { correlationId }),
      correlationId,
    });
  }
  return {
    tenantDiscoveryEndpoint: requireHttpsUrl(json, 'tenant_discovery_endpoint', ctx),
    aliases: aliasesFromInstanceMetadata(json, authority.host, ctx),
  };
}
