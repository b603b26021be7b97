/**
 * A confidential client: a daemon, web app or web API that holds a credential (secret, certificate or assertion).
 */
import type { AuthorityMetadata } from '../authority/discovery.js';
import { IMDS_REGION_TIMEOUT_MS, type RegionEnvironment } from '../authority/region.js';
import type { CacheAccessContext } from '../cache/cache-access.js';
import {
  createClientAuthenticator,
  type ClientAuthenticator,
  type ClientCredential,
} from '../protocol/client-credential.js';
import { RESERVED_SCOPES, validateScopes } from '../protocol/scopes.js';
import type { HttpClient } from '../http/http-client.js';
import { createHttpClient } from '../http/undici-http-client.js';
import { buildClientCredentialsRequest } from '../protocol/token-request.js';
import { shareInFlight } from '../util/in-flight.js';
import { checkOptionKeys, optionShape, refusedOptions } from '../util/options.js';
import type { AuthenticationResult } from './authentication-result.js';
import { CLIENT_APPLICATION_OPTION_KEYS, type ClientApplicationOptions } from './client-application-options.js';
import { checkData, type ExtraData, type TokenRequestData } from './extra-data.js';
import { RegionalRouting } from './regional-routing.js';
import { API_IDS } from './telemetry.js';
import { ClientApplication, type CacheLocation, type RequestContext, type Target } from './client-application.js';
import { withFmiPath } from './federated-managed-identity.js';
import {
  acquireTokenByUserFederatedIdentityCredential,
  type AcquireTokenByUserFederatedIdentityCredentialOptions,
  type UserFederatedIdentityAssertion,
} from './user-federated-identity-credential.js';
import { acquireTokenOnBehalfOf, type AcquireTokenOnBehalfOfOptions, type OboAccountMemo } from './on-behalf-of.js';

const RESERVED = new Set(RESERVED_SCOPES);

/** Options of {@link ConfidentialClientApplication}. */
export interface ConfidentialClientApplicationOptions extends ClientApplicationOptions {
  /**
   * The credential: a client secret string, `{ clientSecret }`, a certificate
   * `{ privateKey, thumbprint | thumbprintSha256 | publicCertificate, passphrase? }`, or `{ clientAssertion }` (a
   * string or a callback, e.g. for workload identity federation). Checked at construction.
   */
  clientCredential: ClientCredential;
  /** Extra or overriding claims in the client assertions msal-ts signs with a certificate. */
  clientClaims?: Record<string, unknown> | undefined;
  /**
   * The Azure region whose Entra endpoint serves {@link ConfidentialClientApplication.acquireTokenForClient} (ESTS-R),
   * as MSAL Python's `azure_region`: a region name such as `'westus2'`; {@link AZURE_REGION_AUTO_DETECT} (`'auto'`) to
   * detect it (`REGION_NAME`, else the VM's instance metadata service with a 2 s timeout; once per application); or
   * `false` / `'disabled'` for the global endpoint even when `MSAL_FORCE_REGION` is set. Default: the
   * `MSAL_FORCE_REGION` environment variable, else no region. When detection fails, the global endpoint is used.
   * Only Entra authorities with a host name have regional endpoints; other flows always use the global one.
   */
  azureRegion?: string | false | undefined;
  /** Environment variables (`MSAL_FORCE_REGION`, `REGION_NAME`). Default `process.env`, read at construction and on detection. */
  environment?: RegionEnvironment | undefined;
}

/** Options of {@link ConfidentialClientApplication.acquireTokenForClient}. */
export interface AcquireTokenForClientOptions {
  /**
   * Acquire for another tenant than the configured authority's, so one application object serves a multi-tenant
   * daemon's many tenants from one cache. A tenant id or domain.
   */
  tenant?: string | undefined;
  /** Acquire from another authority URL than the configured one (same rules as the `authority` option). */
  authority?: string | undefined;
  /** A claims challenge from a resource (JSON). Skips the cache and is sent to the identity provider. */
  claimsChallenge?: string | undefined;
  /** Skip the cache lookup and ask the identity provider (the new token replaces the cached one). */
  forceRefresh?: boolean | undefined;
  /** `client-request-id` to send; a random UUID by default. */
  correlationId?: string | undefined;
  /** Aborts the network part of the call. */
  signal?: AbortSignal | undefined;
  /**
   * Extra token request fields (MSAL Python's `data`). An SSH certificate for the app:
   * `{ token_type: 'ssh-cert', req_cnf: JSON.stringify(publicJwk), key_id: publicJwk.kid }`; it is cached under its
   * `key_id` and served from the cache only to requests with the same `key_id` and `token_type`.
   */
  data?: TokenRequestData | undefined;
  /**
   * A federated managed identity path (MSAL Python's `fmi_path`): sent as `fmi_path`, and the token is cached apart
   * for that path (an extended cache key, as every MSAL keys it). A `clientAssertion` callback receives it as
   * `context.fmiPath`.
   */
  fmiPath?: string | undefined;
}

const OPTIONS = optionShape<ConfidentialClientApplicationOptions>('ConfidentialClientApplication options', {
  ...CLIENT_APPLICATION_OPTION_KEYS,
  clientCredential: true,
  clientClaims: true,
  azureRegion: true,
  environment: true,
});
const FOR_CLIENT_OPTIONS = optionShape<AcquireTokenForClientOptions>('acquireTokenForClient options', {
  tenant: true,
  authority: true,
  claimsChallenge: true,
  forceRefresh: true,
  correlationId: true,
  signal: true,
  data: true,
  fmiPath: true,
});
const USER_FIC_OPTIONS = optionShape<AcquireTokenByUserFederatedIdentityCredentialOptions>(
  'acquireTokenByUserFederatedIdentityCredential options',
  { username: true, userObjectId: true, claimsChallenge: true, data: true, correlationId: true, signal: true },
);
const ON_BEHALF_OF_OPTIONS = optionShape<AcquireTokenOnBehalfOfOptions>('acquireTokenOnBehalfOf options', {
  claimsChallenge: true,
  forceRefresh: true,
  data: true,
  correlationId: true,
  signal: true,
});

/**
 * A confidential client application, as MSAL Python's `ConfidentialClientApplication`.
 *
 * @example
 * ```ts
 * const app = new ConfidentialClientApplication('my-client-id', {
 *   authority: 'https://login.microsoftonline.com/my-tenant-id',
 *   clientCredential: process.env.CLIENT_SECRET ?? '',
 * });
 * const result = await app.acquireTokenForClient(['https://graph.microsoft.com/.default']);
 * console.log(result.token_source); // "identity_provider" the first time, then "cache"
 * ```
 */
export class ConfidentialClientApplication extends ClientApplication {
  readonly #authenticator: ClientAuthenticator;
  /** Concurrent identical requests share one token request. */
  readonly #inFlight = new Map<string, Promise<AuthenticationResult>>();
  readonly #oboAccounts: OboAccountMemo = new Map();
  readonly #regions: RegionalRouting;

  /**
   * @param clientId - The application (client) id.
   * @param options - Authority, credential, cache and transport options.
   * @throws TypeError when an option is malformed or unknown (naming it); UnsupportedOptionError for MSAL Python's
   *   broker options (no broker here); InvalidCredentialError when the credential cannot be used (a key that does not
   *   match its certificate, a wrong passphrase).
   */
  constructor(clientId: string, options: ConfidentialClientApplicationOptions) {
    checkOptionKeys(options, OPTIONS);
    // MSAL Python's confidential default: a daemon backs off 5 s after a 429/5xx without Retry-After.
    super(clientId, options, { throttleSeconds: 5 });
    if (options.clientCredential === undefined) {
      throw new TypeError('clientCredential is required for a ConfidentialClientApplication');
    }
    this.#authenticator = createClientAuthenticator(clientId, options.clientCredential, {
      clientClaims: options.clientClaims,
      now: this.now,
      isAdfs: this.authority.kind === 'adfs',
    });
    const authenticator = this.#authenticator;
    // User flows of the base class (auth code, refresh, ROPC) authenticate the client with the same credential.
    this.core.authenticate = (tokenEndpoint) => authenticator.authenticate(tokenEndpoint);
    const environment = options.environment ?? process.env;
    if (typeof environment !== 'object' || environment === null) throw new TypeError('options.environment must be an object of strings');
    // The IMDS probe never goes through a proxy (it cannot reach this machine's metadata service) and gives up fast.
    const probe = (): HttpClient =>
      options.httpClient ??
      createHttpClient({ verify: options.verify, proxy: options.proxy, bypassProxyForLocalTargets: true, timeoutMs: IMDS_REGION_TIMEOUT_MS });
    this.#regions = new RegionalRouting(options.azureRegion, environment, probe, this.core.log);
  }

  /**
   * On-behalf-of: a web API trades the access token it was called with (`userAssertion`) for a token to a downstream
   * API, for the same user. Cache-first, partitioned by a SHA-256 of the assertion (MSAL Node's `userAssertionHash`),
   * so a token is only ever served for the assertion it was obtained with. MSAL Python has no cache lookup here.
   *
   * @param userAssertion - The incoming access token (for this API).
   * @param scopes - The downstream API's scopes.
   * @param options - Claims challenge (skips the cache), force refresh, correlation id, abort signal.
   * @throws TypeError/RangeError for malformed arguments (before any I/O); ServerError when refused (e.g.
   *   `invalid_grant` for an expired assertion, `interaction_required` for missing consent); IdTokenError; network errors.
   * @example
   * ```ts
   * const result = await api.acquireTokenOnBehalfOf(incomingBearerToken, ['https://graph.microsoft.com/User.Read']);
   * ```
   */
  acquireTokenOnBehalfOf(
    userAssertion: string,
    scopes: readonly string[],
    options: AcquireTokenOnBehalfOfOptions = {},
  ): Promise<AuthenticationResult> {
    return refusedOptions(options, ON_BEHALF_OF_OPTIONS) ?? acquireTokenOnBehalfOf(this.core, this.#oboAccounts, userAssertion, scopes, options);
  }

  /**
   * User federated identity credential (`user_fic`, MSAL Python 1.37): an agent application trades a federated
   * credential (its instance token) for a token for one user, named by `username` or `userObjectId`. Always asks the
   * identity provider; the result is cached as that user's token, so `acquireTokenSilent` serves it afterwards.
   *
   * @param scopes - The resource's scopes (`openid`, `profile` and `offline_access` are added).
   * @param assertion - The federated credential, or a function returning it (called once per request).
   * @param options - Exactly one of `username` and `userObjectId`; claims challenge, data, correlation id, signal.
   * @throws TypeError/RangeError for malformed arguments (before any I/O); ServerError when refused; IdTokenError;
   *   network errors.
   */
  acquireTokenByUserFederatedIdentityCredential(
    scopes: readonly string[],
    assertion: UserFederatedIdentityAssertion,
    options: AcquireTokenByUserFederatedIdentityCredentialOptions,
  ): Promise<AuthenticationResult> {
    return (
      refusedOptions(options, USER_FIC_OPTIONS) ??
      acquireTokenByUserFederatedIdentityCredential(this.core, scopes, assertion, options)
    );
  }

  /**
   * Acquires a token for the application itself (OAuth2 client credentials grant): from the cache when a valid one
   * is there, otherwise from the identity provider, and caches it.
   *
   * @param scopes - Usually one `<resource>/.default` scope, e.g. `['https://graph.microsoft.com/.default']`.
   * @param options - Per-call tenant/authority override, claims challenge, force refresh, correlation id, abort signal.
   * @returns The token; `token_source` says whether it came from the cache.
   * @throws TypeError/RangeError for malformed scopes or options (before any I/O); ServerError when the identity
   *   provider refuses; InvalidResponseError for a malformed response; NetworkError, RequestTimeoutError,
   *   RequestAbortedError when the request fails; AuthorityValidationError when the authority does not exist.
   */
  async acquireTokenForClient(
    scopes: readonly string[],
    options: AcquireTokenForClientOptions = {},
  ): Promise<AuthenticationResult> {
    checkOptionKeys(options, FOR_CLIENT_OPTIONS);
    const wanted = validateScopes(scopes);
    const extra = withFmiPath(checkData(options.data), options.fmiPath);
    const reserved = wanted.find((s) => RESERVED.has(s.toLowerCase()));
    if (reserved !== undefined) {
      throw new RangeError(
        `scopes: "${reserved}" is for user sign-in and has no meaning in an app token; ask for "<resource>/.default"`,
      );
    }
    const target = this.targetFor(options);
    const authority = target.authority;
    if (authority.isTenantless) {
      throw new RangeError(
        `acquireTokenForClient needs a tenant: the authority ${authority.url} is multi-tenant; ` +
          'configure a tenant-specific authority or pass options.tenant',
      );
    }
    const bypassCache = options.forceRefresh === true || options.claimsChallenge !== undefined;
    let fallback: AuthenticationResult | undefined;
    if (!bypassCache) {
      const location = this.knownCacheLocation(target);
      if (location !== undefined) {
        const loading = this.tokenCache.beforeRead(this.#appContext(location, options.correlationId));
        if (loading !== undefined) await loading;
        const hit = this.core.lookupAccessToken(location, undefined, wanted, extra);
        if (hit !== undefined && !hit.aging) return hit.result;
        fallback = hit?.result;
      }
    }
    const key = `${authority.url}\n${wanted.join(' ')}\n${options.claimsChallenge ?? ''}\n${bypassCache}\n${extra.identity}`;
    return this.#shareNetworkRequest(key, scopes, options, target, wanted, extra, bypassCache, fallback);
  }

  // Apart from acquireTokenForClient so that its closures do not make every cache hit allocate a context.
  #shareNetworkRequest(
    key: string,
    scopes: readonly string[],
    options: AcquireTokenForClientOptions,
    target: Target,
    wanted: string[],
    extra: ExtraData,
    bypassCache: boolean,
    fallback: AuthenticationResult | undefined,
  ): Promise<AuthenticationResult> {
    return shareInFlight(
      this.#inFlight,
      key,
      options.signal,
      () => this.#acquireFromNetwork(target, wanted, options, extra, bypassCache, fallback),
      () => this.acquireTokenForClient(scopes, options),
    );
  }

  /**
   * Removes the application's own tokens (those from {@link acquireTokenForClient}) from the cache, in every tenant.
   * Asynchronous because a persisted cache writes the change to its store.
   */
  async removeTokensForClient(): Promise<void> {
    const context: CacheAccessContext = { clientId: this.clientId, partition: { kind: 'any' } };
    await this.tokenCache.write(context, () => this.tokenCache.removeTokensForClient(this.clientId, this.knownEnvironments()));
  }

  #appContext(location: CacheLocation, correlationId: string | undefined): CacheAccessContext {
    const environment = location.environments[0] ?? this.authority.host;
    return {
      clientId: this.clientId,
      partition: { kind: 'app', clientId: this.clientId, environment, realm: location.realm },
      correlationId,
    };
  }

  async #acquireFromNetwork(
    target: Target,
    scopes: string[],
    options: AcquireTokenForClientOptions,
    extra: ExtraData,
    bypassCache: boolean,
    knownFallback: AuthenticationResult | undefined,
  ): Promise<AuthenticationResult> {
    const ctx = this.context(options, {
      apiId: API_IDS.acquireTokenForClient,
      refreshReason: bypassCache ? 1 : knownFallback !== undefined ? 4 : 2,
    });
    const metadata = await this.metadataFor(target.authority, ctx);
    const location = this.cacheLocation(target, metadata);
    let fallback = knownFallback;
    if (!bypassCache && fallback === undefined) {
      await this.tokenCache.beforeRead(this.#appContext(location, ctx.correlationId));
      const hit = this.core.lookupAccessToken(location, undefined, scopes, extra);
      if (hit !== undefined && !hit.aging) return hit.result;
      fallback = hit?.result;
    }
    try {
      const endpoint = this.#regions.enabled
        ? await this.#regions.tokenEndpoint(target.authority, metadata.token_endpoint, ctx.signal)
        : metadata.token_endpoint;
      return await this.#redeem(endpoint, metadata, location, scopes, options, extra, ctx);
    } catch (err) {
      // An aging token is still valid: serve it when the proactive refresh fails, as MSAL Python does.
      if (fallback !== undefined) return fallback;
      throw err;
    }
  }

  async #redeem(
    tokenEndpoint: string,
    metadata: AuthorityMetadata,
    location: CacheLocation,
    scopes: string[],
    options: AcquireTokenForClientOptions,
    extra: ExtraData,
    ctx: RequestContext,
  ): Promise<AuthenticationResult> {
    const body = buildClientCredentialsRequest({
      clientId: this.clientId,
      scopes,
      claims: this.core.claims(options.claimsChallenge),
      // The assertion's audience stays the global token endpoint, also for a regional request, as MSAL Python signs it.
      clientAuthentication: await this.#authenticator.authenticate(metadata.token_endpoint, { fmiPath: extra.fmiPath }),
      data: extra.fields,
    });
    const sentTo = tokenEndpoint === metadata.token_endpoint ? metadata : { ...metadata, token_endpoint: tokenEndpoint };
    const response = await this.requestToken(sentTo, body, ctx);
    const event = {
      clientId: this.clientId,
      scopes,
      // The global host, also for a regional token: lookups (ours and other MSALs') find it there.
      environment: location.environments[0] ?? metadata.environment,
      realm: location.realm,
      tokenEndpoint: metadata.token_endpoint,
      grantType: 'client_credentials',
      response,
      keyId: extra.keyId,
      extCacheKey: extra.extCacheKeys?.[0],
    };
    const now = this.now() / 1000;
    await this.tokenCache.write(this.#appContext(location, ctx.correlationId), () => this.tokenCache.add(event, now));
    return this.resultFromResponse(response);
  }
}
