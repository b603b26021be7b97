/**
 * A confidential client: a daemon, web app or web API that holds a credential (secret, certificate or assertion).
 */
import { IMDS_REGION_TIMEOUT_MS, type RegionEnvironment } from '../authority/region.js';
import type { CacheAccessContext } from '../cache/cache-access.js';
import { createClientAuthenticator, type ClientCredential } from '../protocol/client-credential.js';
import type { HttpClient } from '../http/http-client.js';
import { createHttpClient } from '../http/undici-http-client.js';
import { checkOptionKeys, optionShape, refusedOptions } from '../util/options.js';
import type { AuthenticationResult } from './authentication-result.js';
import { CLIENT_APPLICATION_OPTION_KEYS, type ClientApplicationOptions } from './client-application-options.js';
import { acquireTokenForClient, type AcquireTokenForClientOptions, type ClientCredentialsApp } from './client-credentials.js';
import { RegionalRouting } from './regional-routing.js';
import { ClientApplication } from './client-application.js';
import type { AcquireTokenByUserFederatedIdentityCredentialOptions, UserFederatedIdentityAssertion } from './user-federated-identity-credential.js';
import { acquireTokenOnBehalfOf, type AcquireTokenOnBehalfOfOptions, type OboAccountMemo } from './on-behalf-of.js';

export type { AcquireTokenForClientOptions } from './client-credentials.js';

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

const OPTIONS = optionShape<ConfidentialClientApplicationOptions>('ConfidentialClientApplication options', {
  ...CLIENT_APPLICATION_OPTION_KEYS,
  clientCredential: true,
  clientClaims: true,
  azureRegion: true,
  environment: true,
});
const USER_FIC_OPTIONS = optionShape<AcquireTokenByUserFederatedIdentityCredentialOptions>('acquireTokenByUserFederatedIdentityCredential options', {
  username: true,
  userObjectId: true,
  claimsChallenge: true,
  data: true,
  forwardedClientClaims: true,
  correlationId: true,
  signal: true,
});
const ON_BEHALF_OF_OPTIONS = optionShape<AcquireTokenOnBehalfOfOptions>('acquireTokenOnBehalfOf options', {
  claimsChallenge: true,
  forceRefresh: true,
  data: true,
  forwardedClientClaims: true,
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
  readonly #clientCredentials: ClientCredentialsApp;
  readonly #oboAccounts: OboAccountMemo = new Map();

  /**
   * @param clientId - The application (client) id.
   * @param options - Authority, credential, cache and transport options.
   * @throws TypeError when an option is malformed or unknown (naming it); UnsupportedOptionError for MSAL Python's
   *   broker options (no broker here); InvalidCredentialError when the credential cannot be used (a key that does not
   *   match its certificate, a wrong passphrase).
   */
  constructor(clientId: string, options: ConfidentialClientApplicationOptions) {
    checkOptionKeys(options, OPTIONS);
    // MSAL Python's confidential default: a daemon backs off 5 s after a 429/5xx without Retry-After. Every flow
    // (client credentials, on-behalf-of, and the base class's auth code, refresh and ROPC) authenticates the client
    // with the one credential.
    super(clientId, options, {
      throttleSeconds: 5,
      authenticator: (core) => {
        if (options.clientCredential === undefined) {
          throw new TypeError('clientCredential is required for a ConfidentialClientApplication');
        }
        const authenticator = createClientAuthenticator(clientId, options.clientCredential, {
          clientClaims: options.clientClaims,
          now: core.now,
          isAdfs: core.authority.kind === 'adfs',
        });
        return (tokenEndpoint, request) => authenticator.authenticate(tokenEndpoint, request);
      },
    });
    const environment = options.environment ?? process.env;
    if (typeof environment !== 'object' || environment === null) throw new TypeError('options.environment must be an object of strings');
    // The IMDS probe never goes through a proxy (it cannot reach this machine's metadata service) and gives up fast.
    const probe = (): HttpClient =>
      options.httpClient ??
      createHttpClient({ verify: options.verify, proxy: options.proxy, bypassProxyForLocalTargets: true, timeoutMs: IMDS_REGION_TIMEOUT_MS });
    const regions = new RegionalRouting(options.azureRegion, environment, probe, this.core.log);
    this.#clientCredentials = { core: this.core, regions, inFlight: new Map() };
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
  acquireTokenOnBehalfOf(userAssertion: string, scopes: readonly string[], options: AcquireTokenOnBehalfOfOptions = {}): Promise<AuthenticationResult> {
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
      import('./user-federated-identity-credential.js').then((m) => m.acquireTokenByUserFederatedIdentityCredential(this.core, scopes, assertion, options))
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
  acquireTokenForClient(scopes: readonly string[], options: AcquireTokenForClientOptions = {}): Promise<AuthenticationResult> {
    return acquireTokenForClient(this.#clientCredentials, scopes, options);
  }

  /**
   * Removes the application's own tokens (those from {@link acquireTokenForClient}) from the cache, in every tenant.
   * Asynchronous because a persisted cache writes the change to its store.
   */
  async removeTokensForClient(): Promise<void> {
    const context: CacheAccessContext = { clientId: this.clientId, partition: { kind: 'any' } };
    await this.tokenCache.write(context, () => this.tokenCache.removeTokensForClient(this.clientId, this.core.knownEnvironments()));
  }
}
