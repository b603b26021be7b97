/**
 * A public client: a desktop, mobile or command-line app that cannot keep a secret, as MSAL Python's
 * `PublicClientApplication`. Adds interactive and device code sign-in to the shared flows.
 */
import type { AuthenticationResult } from './authentication-result.js';
import { ClientApplication } from './client-application.js';
import { CLIENT_APPLICATION_OPTION_KEYS, type ClientApplicationOptions } from './client-application-options.js';
import { checkOptionKeys, optionShape, refusedOptions } from '../util/options.js';
import {
  acquireTokenByDeviceFlow,
  initiateDeviceFlow,
  type AcquireTokenByDeviceFlowOptions,
  type DeviceFlow,
  type InitiateDeviceFlowOptions,
} from './device-flow.js';
import { acquireTokenInteractive, type AcquireTokenInteractiveOptions } from './interactive.js';

/** Options of {@link PublicClientApplication}: those of every application; a public client has no credential. */
export type PublicClientApplicationOptions = ClientApplicationOptions;

const OPTIONS = optionShape<PublicClientApplicationOptions>('PublicClientApplication options', CLIENT_APPLICATION_OPTION_KEYS);
const INTERACTIVE_OPTIONS = optionShape<AcquireTokenInteractiveOptions>('acquireTokenInteractive options', {
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
  /**
   * @param clientId - The application (client) id.
   * @param options - Authority, cache and transport options.
   * @throws TypeError when an option is malformed or unknown (with the option meant), or when a `clientCredential` is
   *   given (public clients have none); UnsupportedOptionError for MSAL Python's broker options (no broker here).
   */
  constructor(clientId: string, options: PublicClientApplicationOptions = {}) {
    if (typeof options === 'object' && options !== null && (options as Record<string, unknown>)['clientCredential'] !== undefined) {
      throw new TypeError('a PublicClientApplication has no credential: use ConfidentialClientApplication for clientCredential');
    }
    checkOptionKeys(options, OPTIONS);
    super(clientId, options);
  }

  /**
   * Signs a user in through the system browser and a loopback redirect server on `http://localhost:<port>` (register
   * `http://localhost` as a redirect URI of a "Mobile and desktop" platform).
   *
   * @param scopes - The scopes to consent to.
   * @param options - Authorize parameters, port, timeout, browser launcher, pages, abort signal.
   * @throws TypeError/RangeError for malformed options (before any I/O); LoopbackPortInUseError; BrowserLaunchError
   *   (without `showUrl`); BrowserInteractionTimeoutError; RequestAbortedError; ServerError (the sign-in or the
   *   redemption was refused); IdTokenError.
   * @example
   * ```ts
   * const result = await app.acquireTokenInteractive(['User.Read'], { timeoutMs: 300_000 });
   * ```
   */
  acquireTokenInteractive(scopes: readonly string[], options: AcquireTokenInteractiveOptions = {}): Promise<AuthenticationResult> {
    return refusedOptions(options, INTERACTIVE_OPTIONS) ?? acquireTokenInteractive(this.core, scopes, options);
  }

  /**
   * Starts a device code flow: show the returned `message` to the user, then call {@link acquireTokenByDeviceFlow}.
   *
   * @param scopes - The scopes to consent to; omitted (or `undefined`), only the OIDC scopes are asked for, as MSAL
   *   Python's `scopes=None`.
   * @throws TypeError/RangeError for malformed scopes; ServerError when refused; InvalidResponseError.
   */
  initiateDeviceFlow(scopes?: readonly string[], options: InitiateDeviceFlowOptions = {}): Promise<DeviceFlow> {
    return refusedOptions(options, INITIATE_DEVICE_FLOW_OPTIONS) ?? initiateDeviceFlow(this.core, scopes ?? [], options);
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
    return refusedOptions(options, DEVICE_FLOW_OPTIONS) ?? acquireTokenByDeviceFlow(this.core, flow, options);
  }
}
