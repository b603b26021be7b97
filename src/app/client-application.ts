/**
 * What every application type shares: the engine ({@link AppCore}: authority, discovery, transport, cache, id token
 * validation) and the flows MSAL Python's `ClientApplication` offers to public and confidential clients alike: the auth
 * code flow, silent acquisition, username/password, refresh token migration and accounts.
 */
import type { Authority } from '../authority/authority.js';
import type { Account } from '../cache/cache-types.js';
import type { TokenCache } from '../cache/token-cache.js';
import { optionShape, refusedOptions, type OptionKeys } from '../util/options.js';
import { getAccounts, removeAccount } from './accounts.js';
import { AppCore, type AppCoreSetup } from './app-core.js';
import type { AcquireTokenByAuthCodeFlowOptions, AuthCodeFlow, AuthorizationResponse, InitiateAuthCodeFlowOptions } from './auth-code-flow.js';
import type { AcquireTokenByAuthorizationCodeOptions, GetAuthorizationRequestUrlOptions } from './authorization-code.js';
import type { AuthenticationResult } from './authentication-result.js';
import type { ClientApplicationOptions } from './client-application-options.js';
import type { AcquireTokenByRefreshTokenOptions } from './refresh-token.js';
import { acquireTokenSilent, acquireTokenSilentWithError, type AcquireTokenSilentOptions } from './silent.js';
import type { AcquireTokenByUsernamePasswordOptions } from './username-password.js';

export type { CacheLocation, RequestContext, Target } from './app-core.js';

const SILENT_KEYS: OptionKeys<AcquireTokenSilentOptions> = {
  account: true,
  authority: true,
  forceRefresh: true,
  claimsChallenge: true,
  data: true,
  forwardedClientClaims: true,
  correlationId: true,
  signal: true,
};
const SILENT_OPTIONS = optionShape<AcquireTokenSilentOptions>('acquireTokenSilent options', SILENT_KEYS);
const SILENT_WITH_ERROR_OPTIONS = optionShape<AcquireTokenSilentOptions>('acquireTokenSilentWithError options', SILENT_KEYS);
const INITIATE_AUTH_CODE_FLOW_OPTIONS = optionShape<InitiateAuthCodeFlowOptions>('initiateAuthCodeFlow options', {
  redirectUri: true,
  state: true,
  prompt: true,
  loginHint: true,
  domainHint: true,
  claimsChallenge: true,
  maxAge: true,
  responseMode: true,
  responseType: true,
  extraScopesToConsent: true,
  correlationId: true,
  signal: true,
});
const AUTH_CODE_FLOW_OPTIONS = optionShape<AcquireTokenByAuthCodeFlowOptions>('acquireTokenByAuthCodeFlow options', {
  scopes: true,
  data: true,
  correlationId: true,
  signal: true,
});
const AUTHORIZATION_REQUEST_URL_OPTIONS = optionShape<GetAuthorizationRequestUrlOptions>('getAuthorizationRequestUrl options', {
  redirectUri: true,
  state: true,
  responseType: true,
  prompt: true,
  loginHint: true,
  domainHint: true,
  nonce: true,
  claimsChallenge: true,
  codeChallenge: true,
  codeChallengeMethod: true,
  correlationId: true,
  signal: true,
});
const AUTHORIZATION_CODE_OPTIONS = optionShape<AcquireTokenByAuthorizationCodeOptions>('acquireTokenByAuthorizationCode options', {
  redirectUri: true,
  nonce: true,
  codeVerifier: true,
  claimsChallenge: true,
  data: true,
  forwardedClientClaims: true,
  correlationId: true,
  signal: true,
});
const USERNAME_PASSWORD_OPTIONS = optionShape<AcquireTokenByUsernamePasswordOptions>('acquireTokenByUsernamePassword options', {
  claimsChallenge: true,
  data: true,
  correlationId: true,
  signal: true,
});
const REFRESH_TOKEN_OPTIONS = optionShape<AcquireTokenByRefreshTokenOptions>('acquireTokenByRefreshToken options', {
  data: true,
  correlationId: true,
  signal: true,
});

/**
 * The base of {@link PublicClientApplication} and {@link ConfidentialClientApplication}, exported as MSAL Python
 * exports `ClientApplication`: for `instanceof` checks and for code typed against either kind of app. It is abstract
 * (MSAL Python's can be built directly): build one of the two concrete classes.
 *
 * @example
 * ```ts
 * function signOut(app: ClientApplication, account: Account): Promise<void> {
 *   return app.removeAccount(account);
 * }
 * ```
 */
export abstract class ClientApplication {
  /** The application (client) id. */
  readonly clientId: string;
  /** The token cache this application reads and writes. */
  readonly tokenCache: TokenCache;
  /** The configured authority, parsed. */
  readonly authority: Authority;
  /** The shared engine the flows run on. */
  protected readonly core: AppCore;

  /**
   * @throws TypeError naming `clientId`, `authority`, `oidcAuthority`, `clientCapabilities` or `excludeScopes` when
   *   they are missing or malformed.
   */
  protected constructor(clientId: string, options: ClientApplicationOptions, setup?: AppCoreSetup) {
    this.core = new AppCore(clientId, options, setup);
    this.clientId = this.core.clientId;
    this.tokenCache = this.core.tokenCache;
    this.authority = this.core.authority;
  }

  /**
   * Starts an authorization code flow with PKCE and an OIDC nonce: returns the sign-in URL (`auth_uri`) and the flow
   * to keep (in the web session) until the redirect comes back. Async, unlike MSAL Python's, because discovery is lazy.
   *
   * @param scopes - The scopes to consent to (`openid`, `profile`, `offline_access` are added).
   * @param options - `redirectUri` (required) and the optional authorize parameters.
   * @throws TypeError/RangeError for malformed scopes or options (before any I/O); discovery errors.
   * @example
   * ```ts
   * const flow = await app.initiateAuthCodeFlow(['User.Read'], { redirectUri: 'https://myapp.example/callback' });
   * session.flow = flow; // then redirect the browser to flow.auth_uri
   * ```
   */
  initiateAuthCodeFlow(scopes: readonly string[], options: InitiateAuthCodeFlowOptions): Promise<AuthCodeFlow> {
    return (
      refusedOptions(options, INITIATE_AUTH_CODE_FLOW_OPTIONS) ?? import('./auth-code-flow.js').then((m) => m.initiateAuthCodeFlow(this.core, scopes, options))
    );
  }

  /**
   * Completes an authorization code flow: checks the redirect's `state`, redeems the code with the PKCE verifier,
   * validates the id token (signature, issuer, audience, lifetime, nonce, `auth_time` when `maxAge` was asked) and
   * caches the tokens.
   *
   * @param flow - What {@link initiateAuthCodeFlow} returned.
   * @param authResponse - The redirect's query (or form_post) fields, as an object or URLSearchParams.
   * @param options - `scopes`: a subset of the flow's scopes to redeem for.
   * @throws StateMismatchError when `state` differs; ServerError for an error response (`status` 0 when it came
   *   through the redirect) or a refused redemption; IdTokenError when the id token fails validation; TypeError when
   *   the response has neither `code` nor `error` or the flow is not one; RangeError for scopes outside the flow's.
   */
  acquireTokenByAuthCodeFlow(
    flow: AuthCodeFlow,
    authResponse: AuthorizationResponse,
    options: AcquireTokenByAuthCodeFlowOptions = {},
  ): Promise<AuthenticationResult> {
    return (
      refusedOptions(options, AUTH_CODE_FLOW_OPTIONS) ??
      import('./auth-code-flow.js').then((m) => m.acquireTokenByAuthCodeFlow(this.core, flow, authResponse, options))
    );
  }

  /**
   * Builds a sign-in URL from what the caller chose, as MSAL Python's `get_authorization_request_url`: nothing is
   * generated for you (no `state`, nonce or PKCE unless you pass them). Prefer {@link initiateAuthCodeFlow}, which does
   * all of it; this is for apps that keep their own state. Async, unlike MSAL Python's, because discovery is lazy.
   *
   * @param scopes - The scopes to consent to (`openid`, `profile`, `offline_access` are added).
   * @param options - `redirectUri`, `state`, `nonce`, `codeChallenge`, `responseType` (default `code`) and the other
   *   authorize parameters.
   * @throws TypeError/RangeError for malformed scopes or options (before any I/O); discovery errors.
   * @example
   * ```ts
   * const url = await app.getAuthorizationRequestUrl(['User.Read'], { redirectUri, state, nonce, codeChallenge });
   * ```
   */
  getAuthorizationRequestUrl(scopes: readonly string[], options: GetAuthorizationRequestUrlOptions = {}): Promise<string> {
    return (
      refusedOptions(options, AUTHORIZATION_REQUEST_URL_OPTIONS) ??
      import('./authorization-code.js').then((m) => m.getAuthorizationRequestUrl(this.core, scopes, options))
    );
  }

  /**
   * Redeems an authorization code the caller received (and checked the `state` of) itself, as MSAL Python's
   * `acquire_token_by_authorization_code`, and caches the tokens exactly as {@link acquireTokenByAuthCodeFlow} does.
   *
   * @param code - The redirect's `code`.
   * @param scopes - The scopes of the authorization request (`openid`, `profile`, `offline_access` are added).
   * @param options - `redirectUri` and `codeVerifier` as sent in the authorization request; `nonce` to have the id
   *   token's checked; `claimsChallenge`; `data`.
   * @throws TypeError/RangeError for malformed arguments (before any I/O); ServerError when refused; IdTokenError
   *   (including a nonce other than `options.nonce`); network errors.
   */
  acquireTokenByAuthorizationCode(
    code: string,
    scopes: readonly string[],
    options: AcquireTokenByAuthorizationCodeOptions = {},
  ): Promise<AuthenticationResult> {
    return (
      refusedOptions(options, AUTHORIZATION_CODE_OPTIONS) ??
      import('./authorization-code.js').then((m) => m.acquireTokenByAuthorizationCode(this.core, code, scopes, options))
    );
  }

  /**
   * Gets a token for a signed-in account without user interaction: from the cache, or by refreshing with a cached
   * refresh token (the app's own, or its FOCI family's). Resolves `undefined` when that is not possible (nothing
   * cached, or the refresh was refused): then sign the user in interactively.
   *
   * @param scopes - The scopes needed.
   * @param options - `account` (from {@link getAccounts}), and authority, force refresh, claims challenge.
   * @throws TypeError/RangeError for malformed scopes or options; network errors and IdTokenError (a refused refresh
   *   resolves `undefined` instead).
   * @example
   * ```ts
   * const [account] = await app.getAccounts();
   * const result = account && (await app.acquireTokenSilent(['User.Read'], { account }));
   * ```
   */
  acquireTokenSilent(scopes: readonly string[], options: AcquireTokenSilentOptions): Promise<AuthenticationResult | undefined> {
    return refusedOptions(options, SILENT_OPTIONS) ?? acquireTokenSilent(this.core, scopes, options);
  }

  /**
   * As {@link acquireTokenSilent}, but a refused refresh throws its ServerError, with MSAL Python's `classification`
   * of its suberror. Still resolves `undefined` when the cache holds nothing for the account.
   *
   * @throws ServerError (with `classification`) when the refresh was refused; as {@link acquireTokenSilent} otherwise.
   */
  acquireTokenSilentWithError(scopes: readonly string[], options: AcquireTokenSilentOptions): Promise<AuthenticationResult | undefined> {
    return refusedOptions(options, SILENT_WITH_ERROR_OPTIONS) ?? acquireTokenSilentWithError(this.core, scopes, options);
  }

  /**
   * Signs a user in with a username and password (ROPC). Works only for managed (cloud) accounts without MFA; a
   * federated account throws FederatedAccountNotSupportedError. Prefer interactive or device code sign-in.
   *
   * @throws TypeError/RangeError for malformed arguments; FederatedAccountNotSupportedError; ServerError when refused;
   *   IdTokenError; network errors.
   */
  acquireTokenByUsernamePassword(
    username: string,
    password: string,
    scopes: readonly string[],
    options: AcquireTokenByUsernamePasswordOptions = {},
  ): Promise<AuthenticationResult> {
    return (
      refusedOptions(options, USERNAME_PASSWORD_OPTIONS) ??
      import('./username-password.js').then((m) => m.acquireTokenByUsernamePassword(this.core, username, password, scopes, options))
    );
  }

  /**
   * Migrates a refresh token obtained elsewhere into the cache (the new tokens, including the refresh token, are
   * stored), as MSAL Python's `acquire_token_by_refresh_token`.
   *
   * @throws TypeError/RangeError for malformed arguments; ServerError when refused; IdTokenError; network errors.
   */
  acquireTokenByRefreshToken(refreshToken: string, scopes: readonly string[], options: AcquireTokenByRefreshTokenOptions = {}): Promise<AuthenticationResult> {
    return (
      refusedOptions(options, REFRESH_TOKEN_OPTIONS) ??
      import('./refresh-token.js').then((m) => m.acquireTokenByRefreshToken(this.core, refreshToken, scopes, options))
    );
  }

  /**
   * The accounts signed in to this app's authority (or an alias of it), one per home account.
   *
   * @param username - Only accounts with this username (case-insensitive).
   */
  getAccounts(username?: string): Promise<Account[]> {
    return getAccounts(this.core, username);
  }

  /**
   * Signs an account out of this app and forgets it: its refresh tokens of this app or its family, its access tokens,
   * id tokens and Account entries. Asynchronous because a persisted cache writes the change to its store.
   */
  removeAccount(account: Account): Promise<void> {
    return removeAccount(this.core, account);
  }
}
