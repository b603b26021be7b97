/**
 * Interactive sign-in through the system browser and a loopback redirect server (MSAL Python's
 * `acquire_token_interactive`): an auth code flow whose redirect URI is `http://localhost:<port>`, the browser opened
 * on its sign-in URL, and the code redeemed when the browser comes back.
 */
import type { OpenBrowser } from '../interactive/types.js';
import type { AppCore } from './app-core.js';
import { acquireTokenByAuthCodeFlow, initiateAuthCodeFlow } from './auth-code-flow.js';
import type { AuthenticationResult } from './authentication-result.js';
import { checkData, type TokenRequestData } from './extra-data.js';

/** Options of `acquireTokenInteractive`. */
export interface AcquireTokenInteractiveOptions {
  /** `prompt`: one of `Prompt`, or several. */
  prompt?: string | readonly string[] | undefined;
  loginHint?: string | undefined;
  domainHint?: string | undefined;
  /** A claims challenge (JSON) from a resource. */
  claimsChallenge?: string | undefined;
  /** Maximum seconds since the user last signed in; checked against the id token's `auth_time`. */
  maxAge?: number | undefined;
  /** Scopes of other resources to consent to now. */
  extraScopesToConsent?: readonly string[] | undefined;
  /** Loopback port; 0 or absent picks a free one. The app registration needs `http://localhost` as redirect URI. */
  port?: number | undefined;
  /** Host of the redirect URI: `localhost` (default, as MSAL Python) or `127.0.0.1`. */
  redirectHost?: 'localhost' | '127.0.0.1' | undefined;
  /** How long to wait for the browser to come back, in milliseconds; default: forever (as MSAL Python). */
  timeoutMs?: number | undefined;
  /** Opens the sign-in URL; default: the system browser. */
  openBrowser?: OpenBrowser | undefined;
  /**
   * Called with the sign-in URL when the browser cannot be opened, so the user can open it themselves; waiting goes
   * on (MSAL Python's `auth_uri_callback`). Without it, a launch failure rejects with BrowserLaunchError.
   */
  showUrl?: ((url: string) => void | Promise<void>) | undefined;
  /**
   * Called just before a window opens, e.g. to tell the user to expect it: `ui` is `"browser"`, or `"broker"` for a
   * broker's own window (see docs/design.md, "Broker seam").
   */
  onBeforeLaunchingUi?: ((info: { ui: 'browser' | 'broker' }) => void) | undefined;
  /** The page shown after success; `$var` placeholders are filled, HTML-escaped. */
  successTemplate?: string | undefined;
  /** The page shown after a failure; `$error` and `$error_description` are filled, HTML-escaped. */
  errorTemplate?: string | undefined;
  /** `query` (default, as MSAL Python) or `form_post`. */
  responseMode?: 'query' | 'form_post' | undefined;
  /** Aborts waiting (and the requests). */
  signal?: AbortSignal | undefined;
  /** Extra fields of the code redemption (MSAL Python's `data`), e.g. `{ token_type: 'ssh-cert', req_cnf, key_id }`. */
  data?: TokenRequestData | undefined;
  correlationId?: string | undefined;
}

function optionalFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`options.${name} must be a function`);
}

/** Signs a user in interactively; see the module notes. */
export async function acquireTokenInteractive(
  core: AppCore,
  scopes: readonly string[],
  options: AcquireTokenInteractiveOptions = {},
): Promise<AuthenticationResult> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  core.decorate(scopes);
  optionalFunction(options.openBrowser, 'openBrowser');
  optionalFunction(options.showUrl, 'showUrl');
  optionalFunction(options.onBeforeLaunchingUi, 'onBeforeLaunchingUi');
  checkData(options.data);
  if (options.timeoutMs !== undefined && (typeof options.timeoutMs !== 'number' || !(options.timeoutMs > 0))) {
    throw new RangeError('options.timeoutMs must be a positive number of milliseconds');
  }
  // Loaded on first use: node:http and the browser launcher are not worth their import time to apps that never sign
  // a user in interactively (daemons, CLIs served from the cache).
  const [{ startLoopbackServer }, { defaultOpenBrowser, openBrowserOrShowUrl }] = await Promise.all([
    import('../interactive/loopback-server.js'),
    import('../interactive/open-browser.js'),
  ]);
  const server = await startLoopbackServer({
    port: options.port,
    redirectHost: options.redirectHost,
    successTemplate: options.successTemplate,
    errorTemplate: options.errorTemplate,
  });
  try {
    const flow = await initiateAuthCodeFlow(core, scopes, {
      redirectUri: server.redirectUri,
      prompt: options.prompt,
      loginHint: options.loginHint,
      domainHint: options.domainHint,
      claimsChallenge: options.claimsChallenge,
      maxAge: options.maxAge,
      extraScopesToConsent: options.extraScopesToConsent,
      responseMode: options.responseMode,
      correlationId: options.correlationId,
      signal: options.signal,
    });
    const waiting = server.waitForResponse({ state: flow.state, timeoutMs: options.timeoutMs, signal: options.signal });
    // Settled below; until then a timeout must not surface as an unhandled rejection.
    waiting.catch(() => undefined);
    options.onBeforeLaunchingUi?.({ ui: 'browser' });
    await openBrowserOrShowUrl(options.openBrowser ?? defaultOpenBrowser, flow.auth_uri, options.showUrl);
    const response = await waiting;
    return await acquireTokenByAuthCodeFlow(core, flow, response, {
      correlationId: options.correlationId,
      signal: options.signal,
      data: options.data,
    });
  } finally {
    await server.close();
  }
}
