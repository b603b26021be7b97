/**
 * The broker seam: what `PublicClientApplication` asks of an authentication broker (WAM on Windows, the macOS
 * Enterprise SSO broker, Microsoft's identity broker on Linux and WSL) when one is enabled, as MSAL Python asks
 * PyMsalRuntime. msal-ts ships no implementation: an app (or a separate package) supplies one as the `broker` option.
 * docs/design.md ("Broker seam") says which calls go through it, the fallbacks, and how a native one plugs in.
 *
 * A broker keeps the refresh tokens itself; msal-ts caches the access token, id token and account it returns (the
 * account with `account_source: "broker"` and the broker's account id as `local_account_id`), so `getAccounts` lists
 * the accounts signed in through it and a cached access token is served without asking it again.
 */
import type { PopAuthScheme } from './pop-auth-scheme.js';

/** What every broker request carries. */
export interface BrokerRequest {
  /** The application (client) id. */
  readonly clientId: string;
  /** `https://<host>/<tenant>`, the authority as configured (or as a silent call overrides it). */
  readonly authority: string;
  /** The scopes asked for, without the OIDC ones (a broker adds what it needs). */
  readonly scopes: readonly string[];
  /** The `claims` request parameter (JSON): a claims challenge merged with the app's client capabilities. */
  readonly claims: string | undefined;
  readonly correlationId: string;
  /** `false` when the app turned instance discovery off (or uses a host the broker cannot validate). */
  readonly validateAuthority: boolean;
  /** Proof-of-possession: the broker signs a token bound to this request (`token_type: "pop"`). */
  readonly authScheme: PopAuthScheme | undefined;
  /** Extra parameters for the broker (MSAL Python's `data`, `max_age`): strings, passed on as given. */
  readonly extraParameters: Readonly<Record<string, string>>;
  readonly signal: AbortSignal | undefined;
}

/** Sign-in without a window: the account the broker (or the OS session) already knows, or a username and password. */
export interface BrokerSignInRequest extends BrokerRequest {
  /** Username/password sign-in (MSAL Python sends them as MSALRuntime_Username / MSALRuntime_Password). */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

/** Sign-in in the broker's own window. */
export interface BrokerInteractiveRequest extends BrokerRequest {
  /** The window to parent the broker's dialog on; `undefined` for a console app (the broker finds its window). */
  readonly parentWindowHandle: number | bigint | undefined;
  readonly loginHint: string | undefined;
  /** `prompt`, space-joined when several were given. */
  readonly prompt: string | undefined;
}

/** A token for an account the broker holds. */
export interface BrokerSilentRequest extends BrokerRequest {
  /** The broker's id of the account: the cached account's `local_account_id`. */
  readonly accountId: string;
}

/** Signs an account out of the broker for this app. */
export interface BrokerSignOutRequest {
  readonly clientId: string;
  readonly accountId: string;
  readonly correlationId: string;
}

/** A token the broker issued, shaped as a token response (wire names). */
export interface BrokerTokenResponse {
  /** A Bearer token, or for proof-of-possession the signed HTTP request (the `pop` authorization header's value). */
  readonly access_token: string;
  /** `Bearer` or `pop`. */
  readonly token_type: string;
  /** Seconds until the access token expires. */
  readonly expires_in: number;
  readonly id_token?: string | undefined;
  /** The id token's claims, when the broker decoded them. */
  readonly id_token_claims?: Readonly<Record<string, unknown>> | undefined;
  /** `base64url({"uid","utid"})`, the account's home id. */
  readonly client_info: string;
  /** The broker's id of the account; cached as the account's `local_account_id`. */
  readonly account_id: string;
  /** Space-delimited granted scopes, when the broker said. */
  readonly scope?: string | undefined;
}

/**
 * An authentication broker. Each method rejects with a `BrokerError` when the broker refuses or fails (its
 * `status` decides the fallbacks); any other rejection is passed to the caller as is.
 *
 * @example
 * ```ts
 * const app = new PublicClientApplication('my-client-id', {
 *   enableBrokerOnWindows: true,
 *   broker: myWamBroker, // an implementation of this interface
 * });
 * ```
 */
export interface Broker {
  /**
   * Called once, before the first brokered request: resolves `false` when the broker is installed but cannot run
   * here (an OS too old, the broker service absent); the app then signs in without it, as MSAL Python does when
   * PyMsalRuntime fails to start. Optional: without it the broker is taken as ready.
   */
  initialize?(): Promise<boolean>;
  /** Sign-in in the broker's window (MSAL Python's `signin_interactively`). */
  signInInteractively(request: BrokerInteractiveRequest): Promise<BrokerTokenResponse>;
  /** Sign-in without a window: the default account, or username/password (`signin_silently`). */
  signInSilently(request: BrokerSignInRequest): Promise<BrokerTokenResponse>;
  /** A token for a known account; `undefined` when the broker does not know the account (`acquire_token_silently`). */
  acquireTokenSilently(request: BrokerSilentRequest): Promise<BrokerTokenResponse | undefined>;
  /** Signs the account out of the broker for this app; resolves when the broker does not know it (`signout_silently`). */
  signOutSilently(request: BrokerSignOutRequest): Promise<void>;
}
