/**
 * A public client: a desktop, mobile or command-line app that cannot keep a secret, as MSAL Python's
 * `PublicClientApplication`. Adds interactive and device code sign-in to the shared flows.
 */
import type { AuthenticationResult } from './authentication-result.js';
import { ClientApplication } from './client-application.js';
import { CLIENT_APPLICATION_OPTION_KEYS, type ClientApplicationOptions } from './client-application-options.js';
import { checkOptionKeys, optionShape, refusedOptions } from '../util/options.js';
import type { AcquireTokenByDeviceFlowOptions, DeviceFlow, InitiateDeviceFlowOptions } from './device-flow.js';
import type { Account } from '../cache/cache-types.js';
// Broker seam (issue 14): the logic lives in src/app/broker/; the hooks below are marked "broker seam".
import { BROKER_OPTION_KEYS, decideBroker, type BrokerOptions } from './broker/broker-options.js';
import type { Broker } from './broker/broker.js';
import type { BrokerSeam, PublicClientInteractiveOptions, PublicClientSilentOptions, PublicClientUsernamePasswordOptions } from './broker/broker-seam.js';
import { PUBLIC_CLIENT_SILENT_KEYS, PUBLIC_CLIENT_USERNAME_PASSWORD_KEYS } from './broker/broker-option-keys.js';
import type { AuthenticationResult as Result } from './authentication-result.js';

let ropcWarned = false;

/** Once per process, as Python's default warning filter shows a DeprecationWarning once per call site. */
function warnRopcDeprecated(): void {
  if (ropcWarned) return;
  ropcWarned = true;
  process.emitWarning(
    'acquireTokenByUsernamePassword is deprecated for public clients (Microsoft Entra is ending the resource owner ' +
      'password credentials flow under MFA): use acquireTokenInteractive or the device code flow',
    { type: 'DeprecationWarning', code: 'MSAL_TS_ROPC_DEPRECATED' },
  );
}

/**
 * Options of {@link PublicClientApplication}: those of every application, and the broker's (a public client has no
 * credential).
 */
export type PublicClientApplicationOptions = ClientApplicationOptions & BrokerOptions;

const OPTIONS = optionShape<PublicClientApplicationOptions>('PublicClientApplication options', {
  ...CLIENT_APPLICATION_OPTION_KEYS,
  ...BROKER_OPTION_KEYS,
});
const SILENT_OPTIONS = optionShape<PublicClientSilentOptions>('acquireTokenSilent options', PUBLIC_CLIENT_SILENT_KEYS);
const SILENT_WITH_ERROR_OPTIONS = optionShape<PublicClientSilentOptions>('acquireTokenSilentWithError options', PUBLIC_CLIENT_SILENT_KEYS);
const USERNAME_PASSWORD_OPTIONS = optionShape<PublicClientUsernamePasswordOptions>(
  'acquireTokenByUsernamePassword options',
  PUBLIC_CLIENT_USERNAME_PASSWORD_KEYS,
);
const INTERACTIVE_OPTIONS = optionShape<PublicClientInteractiveOptions>('acquireTokenInteractive options', {
  prompt: true,
  loginHint: true,
  domainHint: true,
  claimsChallenge: true,
  maxAge: true,
  extraScopesToConsent: true,
  port: true,
  redirectHost: true,
  timeoutMs: true,
  openBrowser: true,
  showUrl: true,
  onBeforeLaunchingUi: true,
  successTemplate: true,
  errorTemplate: true,
  responseMode: true,
  signal: true,
  data: true,
  correlationId: true,
  authScheme: true,
  parentWindowHandle: true,
});
const INITIATE_DEVICE_FLOW_OPTIONS = optionShape<InitiateDeviceFlowOptions>('initiateDeviceFlow options', { correlationId: true, signal: true });
const DEVICE_FLOW_OPTIONS = optionShape<AcquireTokenByDeviceFlowOptions>('acquireTokenByDeviceFlow options', {
  exitCondition: true,
  signal: true,
  claimsChallenge: true,
  data: true,
});

/**
 * A public client application.
 *
 * @example
 * ```ts
 * const app = new PublicClientApplication('my-client-id', { authority: 'https://login.microsoftonline.com/organizations' });
 * const [account] = await app.getAccounts();
 * const result = (account && (await app.acquireTokenSilent(['User.Read'], { account }))) ??
 *   (await app.acquireTokenInteractive(['User.Read']));
 * ```
 */
export class PublicClientApplication extends ClientApplication {
  /** Broker seam: the broker in use, or `undefined` (then the seam is loaded only by the calls that need it). */
  readonly #broker: Broker | undefined;
  readonly #validateAuthority: boolean;
  /** Broker seam: what the interactive, silent, username/password and sign-out calls consult first, loaded on first use. */
  #seam: Promise<BrokerSeam> | undefined;

  /**
   * @param clientId - The application (client) id.
   * @param options - Authority, cache and transport options; `enableBrokerOn*` and `broker` to sign in through a
   *   broker (docs/design.md, "Broker seam").
   * @throws TypeError when an option is malformed or unknown (with the option meant), or when a `clientCredential` is
   *   given (public clients have none); BrokerUnavailableError when an `enableBrokerOn*` flag applies to the running
   *   platform and no `broker` was given (msal-ts ships none); UnsupportedOptionError for `allowBroker`.
   */
  constructor(clientId: string, options: PublicClientApplicationOptions = {}) {
    if (typeof options === 'object' && options !== null && (options as Record<string, unknown>)['clientCredential'] !== undefined) {
      throw new TypeError('a PublicClientApplication has no credential: use ConfidentialClientApplication for clientCredential');
    }
    checkOptionKeys(options, OPTIONS);
    super(clientId, options);
    this.#broker = decideBroker(options, this.core.authority); // broker seam
    this.#validateAuthority = options.instanceDiscovery !== false;
  }

  /** Whether this app can get proof-of-possession tokens (`authScheme`): a broker is in use. MSAL Python's `is_pop_supported`. */
  isPopSupported(): boolean {
    return this.#broker !== undefined;
  }

  /** The broker seam, imported on the first call that consults it (a silent hit without a broker never does). */
  #brokerSeam(): Promise<BrokerSeam> {
    this.#seam ??= import('./broker/broker-seam.js').then((m) => new m.BrokerSeam(this.core, this.#broker, this.#validateAuthority));
    return this.#seam;
  }

  /**
   * Signs a user in through the system browser and a loopback redirect server on `http://localhost:<port>` (register
   * `http://localhost` as a redirect URI of a "Mobile and desktop" platform).
   *
   * @param scopes - The scopes to consent to.
   * With a broker in use, the broker signs the user in instead (see docs/design.md, "Broker seam").
   *
   * @param options - Authorize parameters, port, timeout, browser launcher, pages, abort signal; `authScheme` and
   *   `parentWindowHandle` for a broker.
   * @throws TypeError/RangeError for malformed options (before any I/O); LoopbackPortInUseError; BrowserLaunchError
   *   (without `showUrl`); BrowserInteractionTimeoutError; RequestAbortedError; ServerError (the sign-in or the
   *   redemption was refused); IdTokenError; BrokerError (the broker refused); BrokerUnavailableError (`authScheme`
   *   with no broker in use).
   * @example
   * ```ts
   * const result = await app.acquireTokenInteractive(['User.Read'], { timeoutMs: 300_000 });
   * ```
   */
  acquireTokenInteractive(scopes: readonly string[], options: PublicClientInteractiveOptions = {}): Promise<AuthenticationResult> {
    return (
      refusedOptions(options, INTERACTIVE_OPTIONS) ??
      this.#brokerSeam().then((seam) =>
        seam.interactive(scopes, options, async (rest) => (await import('./interactive.js')).acquireTokenInteractive(this.core, scopes, rest)),
      ) // broker seam
    );
  }

  // --- broker seam (issue 14): each override asks the broker first, then the flow without one (super) ---

  /**
   * No broker in use and no `authScheme` key: the silent call is the base class's, with no extra promise or copy of
   * the options on a cache hit (the hit path stays as fast as before the seam).
   */
  #withoutBroker(options: PublicClientSilentOptions): boolean {
    // forwardedClientClaims is a confidential client's option: the public client's own option check refuses it.
    return this.#broker === undefined && (typeof options !== 'object' || options === null || !('authScheme' in options || 'forwardedClientClaims' in options));
  }

  /**
   * As {@link ClientApplication.acquireTokenSilent}; with a broker in use, accounts it signed in are renewed through
   * it, and `authScheme` asks it for a proof-of-possession token.
   *
   * @throws as {@link ClientApplication.acquireTokenSilent}; BrokerUnavailableError for `authScheme` when no broker
   *   served the call.
   */
  override acquireTokenSilent(scopes: readonly string[], options: PublicClientSilentOptions): Promise<Result | undefined> {
    if (this.#withoutBroker(options)) return super.acquireTokenSilent(scopes, options);
    const direct = (rest: PublicClientSilentOptions): Promise<Result | undefined> => super.acquireTokenSilent(scopes, rest);
    return refusedOptions(options, SILENT_OPTIONS) ?? this.#brokerSeam().then((seam) => seam.silent(scopes, options, false, direct));
  }

  /**
   * As {@link ClientApplication.acquireTokenSilentWithError}, through the broker as {@link acquireTokenSilent} is.
   *
   * @throws as {@link ClientApplication.acquireTokenSilentWithError}; BrokerError when the broker refused an account
   *   it signed in; BrokerUnavailableError for `authScheme` when no broker served the call.
   */
  override acquireTokenSilentWithError(scopes: readonly string[], options: PublicClientSilentOptions): Promise<Result | undefined> {
    if (this.#withoutBroker(options)) return super.acquireTokenSilentWithError(scopes, options);
    const direct = (rest: PublicClientSilentOptions): Promise<Result | undefined> => super.acquireTokenSilentWithError(scopes, rest);
    return refusedOptions(options, SILENT_WITH_ERROR_OPTIONS) ?? this.#brokerSeam().then((seam) => seam.silent(scopes, options, true, direct));
  }

  /**
   * As {@link ClientApplication.acquireTokenByUsernamePassword}; with a broker in use, the broker signs the user in.
   * Deprecated for public clients, as in MSAL Python (PR 855) and the other MSALs: the first call in a process emits a
   * `DeprecationWarning` (code `MSAL_TS_ROPC_DEPRECATED`) through `process.emitWarning`; use a more secure flow
   * (interactive, device code). A confidential client's call emits none.
   *
   * @throws as {@link ClientApplication.acquireTokenByUsernamePassword}; BrokerError; BrokerUnavailableError for
   *   `authScheme` with no broker in use.
   */
  override acquireTokenByUsernamePassword(
    username: string,
    password: string,
    scopes: readonly string[],
    options: PublicClientUsernamePasswordOptions = {},
  ): Promise<Result> {
    warnRopcDeprecated();
    const direct = (rest: PublicClientUsernamePasswordOptions): Promise<Result> => super.acquireTokenByUsernamePassword(username, password, scopes, rest);
    return (
      refusedOptions(options, USERNAME_PASSWORD_OPTIONS) ??
      this.#brokerSeam().then((seam) => seam.usernamePassword(username, password, scopes, options, direct))
    );
  }

  /** As {@link ClientApplication.removeAccount}; with a broker in use, it first signs the account out of the broker. */
  override async removeAccount(account: Account): Promise<void> {
    if (this.#broker !== undefined) await (await this.#brokerSeam()).signOut(account);
    return super.removeAccount(account);
  }
  // --- end of broker seam ---

  /**
   * Starts a device code flow: show the returned `message` to the user, then call {@link acquireTokenByDeviceFlow}.
   *
   * @param scopes - The scopes to consent to; omitted (or `undefined`), only the OIDC scopes are asked for, as MSAL
   *   Python's `scopes=None`.
   * @throws TypeError/RangeError for malformed scopes; ServerError when refused; InvalidResponseError.
   */
  initiateDeviceFlow(scopes?: readonly string[], options: InitiateDeviceFlowOptions = {}): Promise<DeviceFlow> {
    return (
      refusedOptions(options, INITIATE_DEVICE_FLOW_OPTIONS) ?? import('./device-flow.js').then((m) => m.initiateDeviceFlow(this.core, scopes ?? [], options))
    );
  }

  /**
   * Polls until the user has signed in on another device.
   *
   * @param flow - What {@link initiateDeviceFlow} returned (its `interval` is updated while polling).
   * @param options - Exit condition, abort signal, claims challenge.
   * @throws DeviceCodeExpiredError when the code expires or the exit condition says stop; RequestAbortedError;
   *   ServerError when the user declined (`access_denied`) or the server refused; IdTokenError.
   */
  acquireTokenByDeviceFlow(flow: DeviceFlow, options: AcquireTokenByDeviceFlowOptions = {}): Promise<AuthenticationResult> {
    return refusedOptions(options, DEVICE_FLOW_OPTIONS) ?? import('./device-flow.js').then((m) => m.acquireTokenByDeviceFlow(this.core, flow, options));
  }
}
