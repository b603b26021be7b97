/**
 * `ManagedIdentityClient`: tokens for an Azure resource's managed identity, from whichever source the environment
 * names, kept in the token cache under MSAL Python's managed identity layout so the two libraries share a cache file.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cachedToken, type TokenSource } from '../app/authentication-result.js';
import { cacheFirst, type Cached, type CacheFirstCall, type CacheFirstFlow } from '../app/cache-first.js';
import type { CacheAccessContext } from '../cache/cache-access.js';
import { SerializableTokenCache } from '../cache/serializable-token-cache.js';
import { checkTokenCache } from '../cache/token-cache-option.js';
import type { TokenCache } from '../cache/token-cache.js';
import { ManagedIdentityError, ServerError } from '../errors.js';
import type { HttpCacheStore } from '../http/http-cache.js';
import type { HttpClient } from '../http/http-client.js';
import { checkOptionKeys, optionShape } from '../util/options.js';
import { VERSION } from '../version.js';
import { defaultSleep, type Sleep } from '../util/sleep.js';
import { testSeamsOf } from './internal-seams.js';
import { cacheClientId, checkManagedIdentity, type ManagedIdentity, type ManagedIdentityConfig } from './managed-identity.js';
import {
  defaultHimdsPaths,
  detectManagedIdentitySource,
  type DetectionHost,
  type ManagedIdentityEnvironment,
  type ManagedIdentitySource,
} from './source-detection.js';
import type { ResolvedSource } from './resolve-source.js';
import { ManagedIdentityThrottle } from './throttle.js';
import type { ManagedIdentityToken } from './token-response.js';
import { createLogSink, type Logger } from '../logger.js';

/** Where MSAL Python files managed identity tokens: environment "localhost" (since 1.35) and realm "managed_identity". */
export const MANAGED_IDENTITY_CACHE_ENVIRONMENT = 'localhost';
/** The realm of managed identity tokens in the cache. */
export const MANAGED_IDENTITY_CACHE_REALM = 'managed_identity';

const ENVIRONMENTS = [MANAGED_IDENTITY_CACHE_ENVIRONMENT];
/** MSAL Python asks for a proactive refresh halfway through tokens that live 2 hours or more. */
const REFRESH_IN_THRESHOLD_SECONDS = 7200;

/** Options of {@link ManagedIdentityClient}. */
export interface ManagedIdentityClientOptions {
  /**
   * The transport. Default: msal-ts's undici client; for Service Fabric, one that trusts exactly the certificate whose
   * thumbprint is in `IDENTITY_SERVER_THUMBPRINT` (a client given here must do its own pinning).
   */
  httpClient?: HttpClient | undefined;
  /**
   * Where tokens are kept. Default: a new in-memory SerializableTokenCache. A cache shared beyond the process
   * (`PersistedTokenCache`, `DistributedTokenCache`: see {@link TokenCache.sharedBeyondProcess}) is refused with a
   * {@link ManagedIdentityError} (`shared_token_cache`): nothing in it could tell one service's identity from another's.
   */
  tokenCache?: TokenCache | undefined;
  /** A Map-like store for throttling state (plain JSON), as MSAL Python's `http_cache`. Default: in memory. */
  httpCache?: HttpCacheStore | undefined;
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  now?: (() => number) | undefined;
  /**
   * The environment variables that name the source (`IDENTITY_ENDPOINT`, `MSI_ENDPOINT`, ...). Default
   * `process.env`. Read once, at the first request or `getManagedIdentitySource()`.
   */
  environment?: ManagedIdentityEnvironment | undefined;
  /** Client capabilities (e.g. `['CP1']`), sent as `xms_cc` to App Service and Service Fabric. */
  clientCapabilities?: readonly string[] | undefined;
  /** How IMDS retries wait (milliseconds). Default: a timer. Tests pass a function that records and returns. */
  sleep?: Sleep | undefined;
  /**
   * Receives warnings, such as certificate verification turned off by `NODE_TLS_REJECT_UNAUTHORIZED=0` for the
   * default transport. Nothing personal or secret is logged.
   */
  logger?: Logger | undefined;
}

/** Options of {@link ManagedIdentityClient.acquireTokenForClient}. */
export interface AcquireManagedIdentityTokenOptions {
  /** The resource (not a scope), e.g. `https://management.azure.com/` or `https://vault.azure.net`. */
  resource: string;
  /**
   * A claims challenge from the resource: the cache is skipped and, on App Service and Service Fabric, the rejected
   * token's SHA-256 is sent so the source issues a new one. The claims themselves are not sent (as MSAL Python).
   */
  claimsChallenge?: string | undefined;
  /** Skip the cache and ask the source (the new token replaces the cached one). */
  forceRefresh?: boolean | undefined;
  /** Aborts the network part of the call (and IMDS's waits between retries). */
  signal?: AbortSignal | undefined;
  /** Sent as `x-ms-client-request-id`; a random UUID by default. */
  correlationId?: string | undefined;
}

const CLIENT_OPTIONS = optionShape<ManagedIdentityClientOptions>('ManagedIdentityClient options', {
  httpClient: true,
  tokenCache: true,
  httpCache: true,
  now: true,
  environment: true,
  clientCapabilities: true,
  sleep: true,
  logger: true,
});
const ACQUIRE_OPTIONS = optionShape<AcquireManagedIdentityTokenOptions>('acquireTokenForClient options', {
  resource: true,
  claimsChallenge: true,
  forceRefresh: true,
  signal: true,
  correlationId: true,
});

/** A managed identity token, as MSAL Python's result dict. */
export interface ManagedIdentityResult {
  access_token: string;
  token_type: string;
  /** Seconds until the token expires, as of when the result was produced. */
  expires_in: number;
  /** Epoch seconds after which msal-ts refreshes the token proactively. */
  refresh_on?: number;
  /** The resource, when the source echoed it. */
  resource?: string;
  token_source: TokenSource;
}

/** One `acquireTokenForClient` call, down the cache-first path. */
interface ManagedIdentityCall extends CacheFirstCall<ManagedIdentityResult> {
  readonly options: AcquireManagedIdentityTokenOptions;
  readonly resource: string;
  /** The cached token a claims challenge rejected: its SHA-256 goes to the source, which then issues a new one. */
  rejected: string | undefined;
}

/**
 * Acquires tokens for a managed identity, as MSAL Python's `ManagedIdentityClient`.
 *
 * The source (Service Fabric, App Service, Azure ML, Azure Arc, Cloud Shell, or the VM's IMDS) is detected from the
 * environment once per client, at the first request.
 *
 * @example
 * ```ts
 * const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity());
 * const { access_token } = await client.acquireTokenForClient({ resource: 'https://vault.azure.net' });
 * ```
 */
export class ManagedIdentityClient {
  /** The identity tokens are requested for. */
  readonly identity: ManagedIdentity;
  /** The token cache this client reads and writes. */
  readonly tokenCache: TokenCache;

  readonly #http: HttpClient | undefined;
  readonly #environment: ManagedIdentityEnvironment;
  readonly #now: () => number;
  readonly #sleep: Sleep;
  readonly #logger: Logger | undefined;
  readonly #capabilities: readonly string[] | undefined;
  readonly #throttle: ManagedIdentityThrottle;
  readonly #cacheClientId: string;
  readonly #context: CacheAccessContext;
  readonly #inFlight = new Map<string, Promise<ManagedIdentityResult>>();
  #sourceName: ManagedIdentitySource | undefined;
  #source: ResolvedSource | undefined;

  /**
   * @param identity - A {@link SystemAssignedManagedIdentity} or {@link UserAssignedManagedIdentity}, or MSAL Python's
   *   dict form (`{ ManagedIdentityIdType: 'ClientId', Id: '…' }`, e.g. parsed from a configuration variable).
   * @param options - Transport, cache, clock and environment.
   * @throws TypeError when the identity or an option is malformed or unknown; ManagedIdentityError
   *   (`shared_token_cache`) for a token cache shared beyond the process. Does no I/O.
   */
  constructor(identity: ManagedIdentity | ManagedIdentityConfig, options: ManagedIdentityClientOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    checkOptionKeys(options, CLIENT_OPTIONS);
    this.identity = checkManagedIdentity(identity);
    for (const name of ['now', 'sleep'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`options.${name} must be a function`);
    }
    if (options.environment !== undefined && (typeof options.environment !== 'object' || options.environment === null)) {
      throw new TypeError('options.environment must be an object of variable names to values');
    }
    const caps = options.clientCapabilities;
    if (caps !== undefined && (!Array.isArray(caps) || !caps.every((c) => typeof c === 'string' && c !== ''))) {
      throw new TypeError('options.clientCapabilities must be an array of non-empty strings');
    }
    if (options.httpClient !== undefined && typeof options.httpClient?.send !== 'function') {
      throw new TypeError('options.httpClient must have a send(request) method');
    }
    const tokenCache = checkTokenCache(options.tokenCache) ?? new SerializableTokenCache();
    if (tokenCache.sharedBeyondProcess) {
      // Every system-assigned identity is filed as SYSTEM_ASSIGNED_MANAGED_IDENTITY, and a user-assigned id in a
      // configuration proves nothing about which identity the resource has: a shared store would serve one service
      // another's tokens. msal-node and MSAL .NET keep these tokens in memory for the same reason.
      throw new ManagedIdentityError(
        'shared_token_cache',
        'options.tokenCache is shared beyond this process (persisted or distributed). Managed identity tokens are kept in memory: ' +
          "a shared cache cannot tell one service's identity from another's, so it could serve one identity another's token. " +
          'Leave tokenCache out (a cache private to this client), or pass an in-memory SerializableTokenCache',
      );
    }
    this.tokenCache = tokenCache;
    this.#http = options.httpClient;
    this.#environment = options.environment ?? process.env;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? defaultSleep;
    if (options.logger !== undefined) createLogSink(options.logger); // checks its shape now, before any I/O
    this.#logger = options.logger;
    this.#capabilities = caps === undefined ? undefined : caps.slice();
    this.#throttle = new ManagedIdentityThrottle(options.httpCache ?? new Map<string, unknown>(), this.#now);
    this.#cacheClientId = cacheClientId(this.identity);
    this.#context = {
      clientId: this.#cacheClientId,
      partition: { kind: 'app', clientId: this.#cacheClientId, environment: MANAGED_IDENTITY_CACHE_ENVIRONMENT, realm: MANAGED_IDENTITY_CACHE_REALM },
    };
  }

  /**
   * Which source this client uses, detected from its environment (once; later calls return the same answer).
   * `CLOUD_SHELL` tokens are the signed-in user's; `DEFAULT_TO_VM` means IMDS will be tried.
   */
  getManagedIdentitySource(): ManagedIdentitySource {
    this.#sourceName ??= detectManagedIdentitySource(this.#environment, this.#detectionHost());
    return this.#sourceName;
  }

  /**
   * Acquires a token for `resource`: from the cache when one with at least 5 minutes left is there and not due for
   * refresh, otherwise from the source (a token due for refresh is still returned if the source fails).
   *
   * @param options - The resource, and optionally a claims challenge, force refresh, abort signal, correlation id.
   * @returns The token; `token_source` says whether it came from the cache.
   * @throws TypeError for a missing resource (before any I/O); ManagedIdentityError for a refused environment,
   *   identity or Azure Arc challenge; ServerError when the source refuses (also replayed from the throttle for a
   *   few seconds after a 429/5xx); InvalidResponseError for a malformed answer; NetworkError, RequestTimeoutError,
   *   RequestAbortedError when the request fails.
   */
  async acquireTokenForClient(options: AcquireManagedIdentityTokenOptions): Promise<ManagedIdentityResult> {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object with a resource');
    checkOptionKeys(options, ACQUIRE_OPTIONS);
    const { resource, claimsChallenge, forceRefresh } = options;
    if (typeof resource !== 'string' || resource.trim() === '') {
      throw new TypeError('options.resource must be a non-empty string, e.g. "https://management.azure.com/"');
    }
    if (claimsChallenge !== undefined && (typeof claimsChallenge !== 'string' || claimsChallenge === '')) {
      throw new TypeError('options.claimsChallenge must be a non-empty string');
    }
    if (options.correlationId !== undefined && typeof options.correlationId !== 'string') {
      throw new TypeError('options.correlationId must be a string');
    }
    const call: ManagedIdentityCall = {
      tokenCache: this.tokenCache,
      access: this.#context,
      inFlight: this.#inFlight,
      signal: options.signal,
      bypass: forceRefresh === true || claimsChallenge !== undefined,
      looked: false,
      fallback: undefined,
      options,
      resource,
      rejected: undefined,
    };
    return cacheFirst(this.#flow, call);
  }

  /** The cache-first path's view of this client. */
  readonly #flow: CacheFirstFlow<ManagedIdentityResult, ManagedIdentityCall> = {
    lookup: (call) => this.#lookup(call),
    key: (call) => `${call.resource}\n${call.options.claimsChallenge ?? ''}\n${call.options.forceRefresh === true}`,
    fetch: (call) => this.#fromSource(call),
    retry: (call) => this.acquireTokenForClient(call.options),
  };

  /**
   * The cached token of a call. Also looked up for a claims challenge, which is never served it: the source is told
   * the rejected token's SHA-256 instead.
   */
  #lookup(call: ManagedIdentityCall): Cached<ManagedIdentityResult> | undefined {
    const now = this.#now() / 1000;
    const hit = this.tokenCache.findAccessToken(
      { clientId: this.#cacheClientId, environments: ENVIRONMENTS, realm: MANAGED_IDENTITY_CACHE_REALM, homeAccountId: undefined, scopes: [call.resource] },
      now,
    );
    if (hit === undefined) return undefined;
    if (call.options.claimsChallenge !== undefined) {
      call.rejected = hit.entry.secret;
      return undefined;
    }
    return call.bypass ? undefined : cachedToken(hit, now);
  }

  async #fromSource(call: ManagedIdentityCall): Promise<ManagedIdentityResult> {
    const { options, resource, rejected } = call;
    const correlationId = options.correlationId ?? randomUUID();
    const source = await this.#resolve();
    const throttleKey = `managed-identity ${source.name} ${this.identity.idType} ${this.identity.id ?? ''} ${resource}`;
    await this.#throttle.ready();
    const throttled = this.#throttle.check(throttleKey, correlationId);
    if (throttled !== undefined) throw throttled;
    let token: ManagedIdentityToken;
    try {
      token = await source.fetch({
        http: source.http,
        identity: this.identity,
        resource,
        headers: { 'x-client-sku': 'msal-ts', 'x-client-ver': VERSION, 'x-ms-client-request-id': correlationId },
        correlationId,
        signal: options.signal,
        now: this.#now,
        tokenSha256ToRefresh: rejected === undefined ? undefined : createHash('sha256').update(rejected, 'utf8').digest('hex'),
        clientCapabilities: this.#capabilities,
      });
    } catch (err) {
      if (err instanceof ServerError) this.#throttle.record(throttleKey, err);
      throw err;
    }
    return this.#store(token, resource, correlationId);
  }

  /** Caches a token from the source, with MSAL Python's proactive refresh halfway through a long one, and shapes it. */
  async #store(token: ManagedIdentityToken, resource: string, correlationId: string): Promise<ManagedIdentityResult> {
    if (token.refresh_in === undefined && token.expires_in >= REFRESH_IN_THRESHOLD_SECONDS) {
      token.refresh_in = Math.floor(token.expires_in / 2);
    }
    const nowSeconds = this.#now() / 1000;
    const response: Record<string, unknown> = { ...token };
    await this.tokenCache.write({ ...this.#context, correlationId }, () =>
      this.tokenCache.add(
        {
          clientId: this.#cacheClientId,
          scopes: [resource],
          environment: MANAGED_IDENTITY_CACHE_ENVIRONMENT,
          realm: MANAGED_IDENTITY_CACHE_REALM,
          response,
        },
        nowSeconds,
      ),
    );
    const result: ManagedIdentityResult = {
      access_token: token.access_token,
      token_type: token.token_type,
      expires_in: token.expires_in,
      token_source: 'identity_provider',
    };
    if (token.refresh_in !== undefined) result.refresh_on = Math.floor(nowSeconds + token.refresh_in);
    if (token.resource !== undefined) result.resource = token.resource;
    return result;
  }

  #detectionHost(): DetectionHost {
    const seams = testSeamsOf(this);
    return {
      platform: seams?.platform ?? process.platform,
      fileExists: existsSync,
      himds: seams?.himdsPaths ?? defaultHimdsPaths(this.#environment),
    };
  }

  /** The source and its settings, read from the environment once; the source's code is loaded with it. */
  async #resolve(): Promise<ResolvedSource> {
    if (this.#source !== undefined) return this.#source;
    const name = this.getManagedIdentitySource();
    const { resolveSource } = await import('./resolve-source.js');
    this.#source ??= resolveSource({
      name,
      environment: this.#environment,
      host: this.#detectionHost(),
      httpClient: this.#http,
      logger: this.#logger,
      sleep: this.#sleep,
      arcKeyDirectory: testSeamsOf(this)?.arcKeyDirectory,
    });
    return this.#source;
  }
}
