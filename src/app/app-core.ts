/**
 * The engine every application type shares: the authority and its lazily discovered metadata, the transport, the
 * token cache, the issuer's keys, and the one way a token request is sent, its id token validated, its tokens cached
 * and its result shaped. Internal: the flows (auth-code-flow.ts, silent.ts, device-flow.ts, ...) are functions over it,
 * and the application classes are thin.
 *
 * Constructors do no I/O. Discovery happens on first need and is remembered per authority; a cache hit for an Entra
 * authority named by tenant id needs no discovery at all.
 */
import { createHash } from 'node:crypto';
import { parseAuthority, withTenant, type Authority } from '../authority/authority.js';
import { knownAliasesOf } from '../authority/clouds.js';
import type { AuthorityMetadata } from '../authority/discovery.js';
import type { AuthenticationRequest } from '../protocol/client-credential.js';
import type { CacheAccessContext, CachePartition } from '../cache/cache-access.js';
import { SerializableTokenCache } from '../cache/serializable-token-cache.js';
import { checkTokenCache } from '../cache/token-cache-option.js';
import type { TokenCache } from '../cache/token-cache.js';
import type { HttpCacheStore } from '../http/http-cache.js';
import type { HttpClient } from '../http/http-client.js';
import { createThrottledHttpClient } from '../http/throttled-http-client.js';
import { createHttpClient } from '../http/undici-http-client.js';
import { createLogSink, type LogSink } from '../logger.js';
import { decodeClientInfo } from '../protocol/client-info.js';
import { decodeJwt } from '../protocol/jwt.js';
import { decorateScopes, parseScopeString, validateExcludeScopes } from '../protocol/scopes.js';
import type { TokenRequestBody } from '../protocol/token-request.js';
import type { TokenResponse } from '../protocol/token-response.js';
import { VERSION } from '../version.js';
import { cachedToken, type AuthenticationResult, type CachedToken } from './authentication-result.js';
import { mergeClaims } from './claims.js';
import { mergeForwardedClaims } from './forwarded-client-claims.js';
import type { ClientApplicationOptions } from './client-application-options.js';
import type { ExtraData } from './extra-data.js';
import { defaultSleep, type Sleep } from '../util/sleep.js';
import { firstPathSegment } from '../util/checks.js';
import { ServerTelemetry, type TelemetryTag } from './telemetry.js';
import type { TokenExchange } from './token-exchange.js';
import { newCorrelationId } from '../util/correlation-id.js';

const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com/common';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_REMEMBERED_AUTHORITIES = 100_000;

/** Where an authority's tokens live in the cache. */
export interface CacheLocation {
  readonly environments: readonly string[];
  readonly realm: string;
  /** The tenant as the authority names it when discovery gave another realm: where msal-node files app tokens. */
  readonly realmAliases?: readonly string[] | undefined;
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
  /** The API and refresh reason for telemetry; inferred from the grant type when absent. */
  readonly telemetry?: TelemetryTag | undefined;
}

/** Produces the client authentication fields of a confidential client for a token endpoint. */
export type Authenticate = (tokenEndpoint: string, request?: AuthenticationRequest) => Promise<Record<string, string>>;

/** What differs between a public and a confidential client's engine. */
export interface AppCoreSetup {
  /** How long to back off after a 429/5xx that named no Retry-After, in seconds. */
  readonly throttleSeconds: number;
  /**
   * A confidential client's authentication, built once the engine's clock and authority are set (and its other
   * options checked); public clients have none.
   */
  readonly authenticator?: ((core: AppCore) => Authenticate) | undefined;
}

/** What a successful user-flow token response is stored as, beyond the response itself. */
export interface RedeemOptions {
  /** The grant, for the Account's `account_source`. */
  readonly grantType: string;
  /** The scopes requested (decorated); the cache stores the response's `scope` when it has one, as MSAL Python. */
  readonly scopes: readonly string[];
  /** Expected id token `nonce` (already hashed). */
  readonly nonce?: string | undefined;
  /** `max_age` of the authorization request. */
  readonly maxAge?: number | undefined;
  /** A username to record when the id token has none (ROPC). */
  readonly username?: string | undefined;
  /** On-behalf-of partition. */
  readonly userAssertionHash?: string | undefined;
  /** The key a key-bound token (SSH certificate) is cached under: `data.key_id`. */
  readonly keyId?: string | undefined;
  /** The extended cache key the access token is stored under (`fmiPath`, `forwardedClientClaims`). */
  readonly extCacheKey?: string | undefined;
  /** Extra request headers (`X-AnchorMailbox`). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Refresh flows: do not write an Account, and apply `afterAdd` in the same cache write (the RT update). */
  readonly skipAccountCreation?: boolean | undefined;
  /** Add the response without its refresh token (a refresh updates the one it used in `afterAdd` instead). */
  readonly withoutRefreshToken?: boolean | undefined;
  readonly afterAdd?: ((response: TokenResponse, now: number) => void) | undefined;
  /** The cache partition; derived from the response when absent. */
  readonly partition?: CachePartition | undefined;
}

/** A token response and its id token's validated claims. */
export interface IssuedTokens {
  readonly response: TokenResponse;
  readonly claims: Record<string, unknown> | undefined;
}

/** The shared engine of an application. */
export class AppCore {
  readonly clientId: string;
  readonly tokenCache: TokenCache;
  readonly authority: Authority;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly headers: Readonly<Record<string, string>>;
  readonly excludeScopes: readonly string[];
  readonly clientCapabilities: readonly string[] | undefined;
  readonly http: HttpClient;
  /** The user's logger, with PII masking. */
  readonly log: LogSink;
  /** Cache hits and failures reported in the next request's telemetry headers. */
  readonly telemetry = new ServerTelemetry();
  /** A confidential client's authentication; public clients send no credential. */
  readonly authenticate: Authenticate | undefined;
  /** Concurrent identical silent refreshes share one request. */
  readonly inFlight = new Map<string, Promise<AuthenticationResult | undefined>>();

  readonly #httpCache: HttpCacheStore | undefined;
  readonly #instanceDiscovery: boolean | string;
  /** The network half (discovery, token requests, id token checks), loaded on the first call that needs it. */
  #exchange: Promise<TokenExchange> | undefined;
  readonly #resolved = new Map<string, AuthorityMetadata>();
  readonly #byTenant = new Map<string, Target>();
  readonly #byUrl = new Map<string, Target>();
  readonly #defaultTarget: Target;

  /**
   * @throws TypeError naming `clientId`, `authority`, `oidcAuthority`, `clientCapabilities` or `excludeScopes` when
   *   malformed; RangeError when `excludeScopes` holds `openid`.
   */
  constructor(clientId: string, options: ClientApplicationOptions, setup: AppCoreSetup = { throttleSeconds: 60 }) {
    if (typeof clientId !== 'string' || clientId.trim() === '') {
      throw new TypeError('clientId must be a non-empty string (the application id from the app registration)');
    }
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    if (options.authority !== undefined && options.oidcAuthority !== undefined) {
      throw new TypeError('authority and oidcAuthority are mutually exclusive: give one');
    }
    this.clientId = clientId;
    this.authority =
      options.oidcAuthority !== undefined
        ? parseAuthority(options.oidcAuthority, { oidcAuthority: true })
        : parseAuthority(options.authority ?? DEFAULT_AUTHORITY);
    this.#defaultTarget = { authority: this.authority, location: undefined };
    this.tokenCache = checkTokenCache(options.tokenCache) ?? new SerializableTokenCache();
    this.#httpCache = options.httpCache;
    this.#instanceDiscovery = options.instanceDiscovery ?? true;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.log = createLogSink(options.logger, options.piiLoggingEnabled);
    // MSAL Python always wraps the transport, the user's included; throttle state lives in the user's http cache.
    this.http = createThrottledHttpClient(
      options.httpClient ?? createHttpClient({ verify: options.verify, proxy: options.proxy, timeoutMs: options.timeoutMs, logger: options.logger }),
      {
        store: options.httpCache,
        defaultThrottleSeconds: setup.throttleSeconds,
        maxRetries: options.maxRetries,
        now: this.now,
        sleep: this.sleep,
        log: this.log,
      },
    );
    this.excludeScopes = validateExcludeScopes(options.excludeScopes);
    const caps: unknown = options.clientCapabilities;
    if (caps !== undefined && (!Array.isArray(caps) || !caps.every((c) => typeof c === 'string' && c !== ''))) {
      throw new TypeError('clientCapabilities must be an array of non-empty strings, e.g. ["CP1"]');
    }
    this.clientCapabilities = caps === undefined || caps.length === 0 ? undefined : Object.freeze([...(caps as string[])]);
    const headers: Record<string, string> = {
      'x-client-sku': 'msal-ts',
      'x-client-ver': VERSION,
      'x-client-os': process.platform,
      'x-ms-lib-capability': 'retry-after, h429',
    };
    if (options.appName !== undefined) headers['x-app-name'] = String(options.appName);
    if (options.appVersion !== undefined) headers['x-app-ver'] = String(options.appVersion);
    this.headers = Object.freeze(headers);
    this.authenticate = setup.authenticator?.(this);
  }

  /**
   * The network half of the engine, imported on first use: a process that only serves tokens from its cache never
   * loads or compiles discovery, token response parsing or id token validation.
   */
  #network(): Promise<TokenExchange> {
    this.#exchange ??= import('./token-exchange.js').then(
      (m) => new m.TokenExchange(this, { httpCache: this.#httpCache, instanceDiscovery: this.#instanceDiscovery }),
      (err: unknown) => {
        this.#exchange = undefined;
        throw err;
      },
    );
    return this.#exchange;
  }

  /** The authority a call uses (the configured one, or a per-call tenant or authority override), memoized. */
  targetFor(override: { tenant?: string | undefined; authority?: string | undefined }): Target {
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
      const authority = tenant !== undefined ? withTenant(this.authority, tenant) : parseAuthority(key, { oidcAuthority: this.authority.kind === 'oidc' });
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
  knownCacheLocation(target: Target): CacheLocation | undefined {
    if (target.location !== undefined) return target.location;
    const { authority } = target;
    const resolved = this.#resolved.get(authority.url);
    if (resolved !== undefined) {
      target.location = locationOf(authority, resolved);
    } else if (authority.tenant !== undefined && ((authority.kind === 'aad' && GUID.test(authority.tenant)) || authority.kind === 'adfs')) {
      target.location = { environments: withPortAlias(authority, knownAliasesOf(authority.host)), realm: authority.tenant };
    }
    return target.location;
  }

  /** The authority's metadata, discovered once and remembered. */
  async metadataFor(authority: Authority, ctx: RequestContext): Promise<AuthorityMetadata> {
    const known = this.#resolved.get(authority.url);
    if (known !== undefined) return known;
    const metadata = await (await this.#network()).discover(authority, ctx);
    if (this.#resolved.size >= MAX_REMEMBERED_AUTHORITIES) this.#resolved.clear();
    this.#resolved.set(authority.url, metadata);
    return metadata;
  }

  /** Where an authority's tokens live, once its metadata is known. */
  cacheLocation(target: Target, metadata: AuthorityMetadata): CacheLocation {
    target.location ??= locationOf(target.authority, metadata);
    return target.location;
  }

  /** A fresh request context. */
  context(options: { correlationId?: string | undefined; signal?: AbortSignal | undefined }, telemetry?: TelemetryTag): RequestContext {
    if (options.correlationId !== undefined && typeof options.correlationId !== 'string') {
      throw new TypeError('options.correlationId must be a string');
    }
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new TypeError('options.signal must be an AbortSignal');
    }
    return { correlationId: options.correlationId ?? newCorrelationId(), signal: options.signal, telemetry };
  }

  /** The caller's scopes plus the OIDC ones, minus `excludeScopes` (checks them; RangeError for reserved ones). */
  decorate(scopes: unknown): string[] {
    return decorateScopes(scopes, this.excludeScopes);
  }

  /**
   * The `claims` parameter: the claims challenge merged with the app's client capabilities, then with the request's
   * forwarded client claims (`forwardedClientClaims`), as MSAL Python.
   */
  claims(claimsChallenge: string | undefined, extra?: ExtraData): string | undefined {
    return mergeForwardedClaims(mergeClaims(this.clientCapabilities, claimsChallenge), extra?.forwardedClientClaims);
  }

  /** The client authentication fields (confidential clients), or none. */
  async clientAuthentication(tokenEndpoint: string, request?: AuthenticationRequest): Promise<Record<string, string> | undefined> {
    return this.authenticate === undefined ? undefined : this.authenticate(tokenEndpoint, request);
  }

  /** POSTs a token request and parses the response; throws ServerError / InvalidResponseError / network errors. */
  async requestToken(
    metadata: AuthorityMetadata,
    body: TokenRequestBody,
    ctx: RequestContext,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<TokenResponse> {
    return (await this.#network()).requestToken(metadata, body, ctx, extraHeaders);
  }

  /**
   * Validates a response's id token (signature against the issuer's JWKS, issuer, audience, lifetime, nonce,
   * auth_time) and returns its claims, or `undefined` when there is none.
   */
  async idTokenClaims(
    response: TokenResponse,
    metadata: AuthorityMetadata,
    ctx: RequestContext,
    checks: { nonce?: string | undefined; maxAge?: number | undefined } = {},
  ): Promise<Record<string, unknown> | undefined> {
    if (typeof response.id_token !== 'string') return undefined;
    return (await this.#network()).idTokenClaims(response.id_token, metadata, ctx, checks);
  }

  /**
   * Sends a user-flow token request, validates the id token, stores the tokens (one cache write) and shapes the
   * result.
   */
  async redeem(
    target: Target,
    metadata: AuthorityMetadata,
    body: TokenRequestBody,
    ctx: RequestContext,
    options: RedeemOptions,
  ): Promise<AuthenticationResult> {
    const response = await this.requestToken(metadata, body, ctx, options.headers);
    const claims = await this.idTokenClaims(response, metadata, ctx, { nonce: options.nonce, maxAge: options.maxAge });
    await this.store(target, metadata, { response, claims }, ctx, options);
    return this.resultFromResponse(response, claims);
  }

  /** Stores a validated token response in the cache, in one write. */
  async store(target: Target, metadata: AuthorityMetadata, issued: IssuedTokens, ctx: RequestContext, options: RedeemOptions): Promise<void> {
    const { response, claims } = issued;
    const location = this.cacheLocation(target, metadata);
    const environment = location.environments[0] ?? target.authority.host;
    let cached: TokenResponse = response;
    if (options.withoutRefreshToken === true && response.refresh_token !== undefined) {
      const { refresh_token: _rt, ...rest } = response;
      void _rt;
      cached = rest;
    }
    const event = {
      clientId: this.clientId,
      scopes: typeof response.scope === 'string' ? parseScopeString(response.scope) : options.scopes,
      environment,
      realm: location.realm,
      tokenEndpoint: metadata.token_endpoint,
      grantType: options.grantType,
      response: cached,
      idTokenClaims: claims,
      username: options.username,
      userAssertionHash: options.userAssertionHash,
      keyId: options.keyId,
      extCacheKey: options.extCacheKey,
      skipAccountCreation: options.skipAccountCreation,
    };
    const partition = options.partition ?? userPartition(response, claims, environment);
    const access: CacheAccessContext = { clientId: this.clientId, partition, correlationId: ctx.correlationId };
    const now = this.now() / 1000;
    await this.tokenCache.write(access, () => {
      this.tokenCache.add(event, now);
      options.afterAdd?.(response, now);
    });
  }

  /**
   * The cached access token of an account (`homeAccountId`) or of the app itself (`undefined`) in a location, in the
   * on-behalf-of partition of `userAssertionHash` when given. A hit that needs no refresh counts as a cache hit in the
   * next request's telemetry.
   */
  lookupAccessToken(
    location: CacheLocation,
    homeAccountId: string | undefined,
    scopes: readonly string[],
    extra: ExtraData,
    userAssertionHash?: string,
  ): CachedToken | undefined {
    const now = this.now() / 1000;
    const hit = this.tokenCache.findAccessToken(
      {
        clientId: this.clientId,
        environments: location.environments,
        realm: location.realm,
        realmAliases: homeAccountId === undefined ? location.realmAliases : undefined,
        homeAccountId,
        scopes,
        userAssertionHash,
        keyId: extra.keyId,
        tokenType: extra.tokenType,
        extCacheKeys: extra.extCacheKeys,
      },
      now,
    );
    if (hit === undefined) return undefined;
    if (!hit.aging) this.telemetry.cacheHit();
    const cached: CachedToken = cachedToken(hit, now);
    // The scope the server granted when the token was issued, so a hit reports it as the response did.
    if (hit.entry.target !== '') cached.result.scope = hit.entry.target;
    return cached;
  }

  /** The result of a token response, as MSAL Python shapes it. */
  resultFromResponse(response: TokenResponse, claims?: Record<string, unknown>): AuthenticationResult {
    const result: AuthenticationResult = { ...response, token_source: 'identity_provider' } as AuthenticationResult;
    if (typeof response.expires_in !== 'number') {
      result.expires_in = typeof response.expires_on === 'number' ? Math.max(0, Math.floor(response.expires_on - this.now() / 1000)) : 600;
    }
    if (typeof response.refresh_in === 'number') {
      result.refresh_on = Math.floor(this.now() / 1000 + response.refresh_in);
      delete result.refresh_in;
    }
    if (typeof response.id_token === 'string') {
      result.id_token_claims = claims ?? decodeJwt(response.id_token, 'id token').payload;
    }
    for (const key of Object.keys(result)) if (key.startsWith('_')) delete result[key];
    return result;
  }

  /** Every host this application's tokens may be cached under: the configured host, its aliases, discovered aliases. */
  knownEnvironments(): string[] {
    const all = new Set(withPortAlias(this.authority, knownAliasesOf(this.authority.host)));
    for (const metadata of this.#resolved.values()) for (const alias of metadata.aliases) all.add(alias);
    return [...all];
  }

  /** The environments to look in for the configured authority's accounts: discovered aliases when known. */
  accountEnvironments(): string[] {
    const resolved = this.#resolved.get(this.authority.url);
    const aliases = resolved !== undefined && resolved.aliases.length > 0 ? [...resolved.aliases] : knownAliasesOf(this.authority.host);
    return withPortAlias(this.authority, [this.authority.host, ...aliases.filter((a) => a !== this.authority.host)]);
  }
}

/** The cache partition of a user-flow response: its home account, when it says. */
export function userPartition(response: TokenResponse, claims: Readonly<Record<string, unknown>> | undefined, environment: string): CachePartition {
  const homeAccountId = homeAccountIdOf(response, claims);
  return homeAccountId === undefined ? { kind: 'any' } : { kind: 'user', homeAccountId, environment };
}

/** `uid.utid` from `client_info`, else the id token's `sub` (ADFS, generic OIDC), as the cache derives it. */
export function homeAccountIdOf(
  response: { readonly client_info?: string | undefined },
  claims: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  if (typeof response.client_info === 'string') {
    const info = decodeClientInfo(response.client_info);
    return `${info.uid}.${info.utid}`;
  }
  const sub = claims?.['sub'];
  return typeof sub === 'string' && sub !== '' ? sub : undefined;
}

/** SHA-256 base64url of an incoming assertion: MSAL Node's `userAssertionHash`, the on-behalf-of partition. */
export function assertionHash(assertion: string): string {
  return createHash('sha256').update(assertion, 'utf8').digest('base64url');
}

function locationOf(authority: Authority, metadata: AuthorityMetadata): CacheLocation {
  const realm = metadata.tenant ?? firstPathSegment(metadata.token_endpoint) ?? authority.tenant ?? '';
  const aliases = metadata.aliases.length > 0 ? metadata.aliases : [metadata.environment];
  const named = authority.tenant;
  const realmAliases = named !== undefined && named.toLowerCase() !== realm.toLowerCase() ? [named] : undefined;
  return { environments: withPortAlias(authority, aliases), realm, realmAliases };
}

/**
 * The environments to read, plus `host:port` when the authority has a port: MSAL Python and msal-ts write the host
 * alone, msal-node writes the host with its port, so entries msal-node wrote for the same authority are found too.
 * Writes keep going to the first environment (the host alone), where MSAL Python looks.
 */
function withPortAlias(authority: Authority, environments: readonly string[]): string[] {
  const out = [...environments];
  if (authority.hostWithPort !== authority.host && !out.includes(authority.hostWithPort)) out.push(authority.hostWithPort);
  return out;
}
