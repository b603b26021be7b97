/**
 * What every application type shares: the authority and its lazily discovered metadata, the transport, the token
 * cache, and the one way a token request is sent and its response parsed.
 *
 * Constructors do no I/O. Discovery happens on first need and is remembered per authority; a cache hit for an Entra
 * authority named by tenant id needs no discovery at all, so a fresh process can be served from a persisted cache
 * without a network request.
 */
import { randomUUID } from 'node:crypto';
import { AuthorityMetadataCache } from '../authority/authority-metadata-cache.js';
import { parseAuthority, withTenant, type Authority } from '../authority/authority.js';
import { knownAliasesOf } from '../authority/clouds.js';
import type { AuthorityMetadata } from '../authority/discovery.js';
import { SerializableTokenCache } from '../cache/serializable-token-cache.js';
import type { TokenCache } from '../cache/token-cache.js';
import type { HttpCacheStore } from '../http/http-cache.js';
import type { HttpClient } from '../http/http-client.js';
import { createHttpClient } from '../http/undici-http-client.js';
import { decodeJwt } from '../protocol/jwt.js';
import type { TokenRequestBody } from '../protocol/token-request.js';
import { parseTokenResponse, type TokenResponse } from '../protocol/token-response.js';
import { VERSION } from '../version.js';
import type { AuthenticationResult } from './authentication-result.js';
import type { ClientApplicationOptions } from './client-application-options.js';

const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com/common';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_REMEMBERED_AUTHORITIES = 100_000;

/** Where an authority's tokens live in the cache. */
export interface CacheLocation {
  readonly environments: readonly string[];
  readonly realm: string;
}

/** An authority a call targets, and where its tokens live in the cache once that is known. */
export interface Target {
  readonly authority: Authority;
  location: CacheLocation | undefined;
}

/** Per-request context threaded through one acquisition. */
export interface RequestContext {
  readonly correlationId: string;
  readonly signal: AbortSignal | undefined;
}

/**
 * The base of {@link ConfidentialClientApplication} (and, later, PublicClientApplication). Not exported from the
 * package: the concrete classes are the public surface.
 */
export abstract class ClientApplication {
  /** The application (client) id. */
  readonly clientId: string;
  /** The token cache this application reads and writes. */
  readonly tokenCache: TokenCache;
  /** The configured authority, parsed. */
  readonly authority: Authority;

  readonly #http: HttpClient;
  readonly #httpCache: HttpCacheStore | undefined;
  readonly #instanceDiscovery: boolean | string;
  readonly #metadata = new AuthorityMetadataCache();
  /** Metadata already resolved, by authority URL: read synchronously on the cache-hit path. */
  readonly #resolved = new Map<string, AuthorityMetadata>();
  /** Per-call authorities already parsed, by tenant and by URL, with their cache locations once known. */
  readonly #byTenant = new Map<string, Target>();
  readonly #byUrl = new Map<string, Target>();
  readonly #defaultTarget: Target;
  readonly #headers: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch. */
  protected readonly now: () => number;

  /**
   * @throws TypeError naming `clientId`, `authority` or `oidcAuthority` when they are missing or malformed.
   */
  protected constructor(clientId: string, options: ClientApplicationOptions) {
    if (typeof clientId !== 'string' || clientId.trim() === '') {
      throw new TypeError('clientId must be a non-empty string (the application id from the app registration)');
    }
    if (options.authority !== undefined && options.oidcAuthority !== undefined) {
      throw new TypeError('authority and oidcAuthority are mutually exclusive: give one');
    }
    this.clientId = clientId;
    this.authority =
      options.oidcAuthority !== undefined
        ? parseAuthority(options.oidcAuthority, { oidcAuthority: true })
        : parseAuthority(options.authority ?? DEFAULT_AUTHORITY);
    this.#defaultTarget = { authority: this.authority, location: undefined };
    this.tokenCache = options.tokenCache ?? new SerializableTokenCache();
    this.#http =
      options.httpClient ??
      createHttpClient({ verify: options.verify, proxy: options.proxy, timeoutMs: options.timeoutMs });
    this.#httpCache = options.httpCache;
    this.#instanceDiscovery = options.instanceDiscovery ?? true;
    this.now = options.now ?? Date.now;
    this.#headers = Object.freeze({
      'x-client-sku': 'msal-ts',
      'x-client-ver': VERSION,
      'x-client-os': process.platform,
      'x-ms-lib-capability': 'retry-after, h429',
    });
  }

  /** The authority a call uses (the configured one, or a per-call tenant or authority override), memoized. */
  protected targetFor(override: { tenant?: string | undefined; authority?: string | undefined }): Target {
    const { tenant, authority: url } = override;
    if (tenant === undefined && url === undefined) return this.#defaultTarget;
    if (tenant !== undefined && url !== undefined) {
      throw new TypeError('options.tenant and options.authority are mutually exclusive: give one');
    }
    const memo = tenant !== undefined ? this.#byTenant : this.#byUrl;
    const key = (tenant ?? url) as string;
    let target = memo.get(key);
    if (target === undefined) {
      if (typeof key !== 'string' || key === '') {
        throw new TypeError(`options.${tenant !== undefined ? 'tenant' : 'authority'} must be a non-empty string`);
      }
      const authority =
        tenant !== undefined
          ? withTenant(this.authority, tenant)
          : parseAuthority(key, { oidcAuthority: this.authority.kind === 'oidc' });
      target = { authority, location: undefined };
      if (memo.size >= MAX_REMEMBERED_AUTHORITIES) memo.clear();
      memo.set(key, target);
    }
    return target;
  }

  /**
   * The cache location of a target when it is known without discovery: an Entra tenant id (its token endpoint
   * always carries that id), ADFS, or an authority already discovered. Otherwise `undefined`.
   */
  protected knownCacheLocation(target: Target): CacheLocation | undefined {
    if (target.location !== undefined) return target.location;
    const { authority } = target;
    const resolved = this.#resolved.get(authority.url);
    if (resolved !== undefined) {
      target.location = locationOf(authority, resolved);
    } else if (
      authority.tenant !== undefined &&
      ((authority.kind === 'aad' && GUID.test(authority.tenant)) || authority.kind === 'adfs')
    ) {
      target.location = { environments: knownAliasesOf(authority.host), realm: authority.tenant };
    }
    return target.location;
  }

  /** The authority's metadata, discovered once and remembered. */
  protected async metadataFor(authority: Authority, ctx: RequestContext): Promise<AuthorityMetadata> {
    const known = this.#resolved.get(authority.url);
    if (known !== undefined) return known;
    const metadata = await this.#metadata.resolve(authority, {
      http: this.#http,
      httpCache: this.#httpCache,
      instanceDiscovery: this.#instanceDiscovery,
      now: this.now,
      correlationId: ctx.correlationId,
      signal: ctx.signal,
      headers: this.#headers,
    });
    if (this.#resolved.size >= MAX_REMEMBERED_AUTHORITIES) this.#resolved.clear();
    this.#resolved.set(authority.url, metadata);
    return metadata;
  }

  /** Where an authority's tokens live, once its metadata is known. */
  protected cacheLocation(target: Target, metadata: AuthorityMetadata): CacheLocation {
    target.location ??= locationOf(target.authority, metadata);
    return target.location;
  }

  /** A fresh request context. */
  protected context(options: { correlationId?: string | undefined; signal?: AbortSignal | undefined }): RequestContext {
    if (options.correlationId !== undefined && typeof options.correlationId !== 'string') {
      throw new TypeError('options.correlationId must be a string');
    }
    return { correlationId: options.correlationId ?? randomUUID(), signal: options.signal };
  }

  /** POSTs a token request and parses the response; throws ServerError / InvalidResponseError / network errors. */
  protected async requestToken(
    metadata: AuthorityMetadata,
    body: TokenRequestBody,
    ctx: RequestContext,
  ): Promise<TokenResponse> {
    const response = await this.#http.send({
      method: 'POST',
      url: metadata.token_endpoint,
      headers: {
        ...this.#headers,
        'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
        'client-request-id': ctx.correlationId,
      },
      body: new URLSearchParams(body).toString(),
      signal: ctx.signal,
    });
    return parseTokenResponse(response, { correlationId: ctx.correlationId, now: this.now });
  }

  /** The result of a token response, as MSAL Python shapes it. */
  protected resultFromResponse(response: TokenResponse): AuthenticationResult {
    const result: AuthenticationResult = { ...response, token_source: 'identity_provider' } as AuthenticationResult;
    if (typeof response.expires_in !== 'number') {
      result.expires_in =
        typeof response.expires_on === 'number' ? Math.max(0, Math.floor(response.expires_on - this.now() / 1000)) : 600;
    }
    if (typeof response.refresh_in === 'number') {
      result.refresh_on = Math.floor(this.now() / 1000 + response.refresh_in);
      delete result.refresh_in;
    }
    if (typeof response.id_token === 'string') {
      result.id_token_claims = decodeJwt(response.id_token, 'id token').payload;
    }
    for (const key of Object.keys(result)) if (key.startsWith('_')) delete result[key];
    return result;
  }

  /** Every host this application's tokens may be cached under: the configured host, its aliases, discovered aliases. */
  protected knownEnvironments(): string[] {
    const all = new Set(knownAliasesOf(this.authority.host));
    for (const metadata of this.#resolved.values()) for (const alias of metadata.aliases) all.add(alias);
    return [...all];
  }

  /** Default request headers (telemetry and capabilities), for subclasses that send other requests. */
  protected get defaultHeaders(): Readonly<Record<string, string>> {
    return this.#headers;
  }
}

function locationOf(authority: Authority, metadata: AuthorityMetadata): CacheLocation {
  const realm = metadata.tenant ?? firstPathSegment(metadata.token_endpoint) ?? authority.tenant ?? '';
  const aliases = metadata.aliases.length > 0 ? metadata.aliases : [metadata.environment];
  return { environments: aliases, realm };
}

function firstPathSegment(url: string): string | undefined {
  const segment = new URL(url).pathname.split('/')[1];
  return segment === undefined || segment === '' ? undefined : segment;
}
