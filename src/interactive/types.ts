/**
 * The contract between the app layer's `acquireTokenInteractive` and the loopback redirect server
 * (src/interactive/loopback-server.ts) and browser launcher (src/interactive/open-browser.ts).
 */

/** Opens `url` in a browser. The default uses the system browser; tests pass one that drives Chromium. */
export type OpenBrowser = (url: string) => Promise<void>;

/** Options of `startLoopbackServer`. */
export interface LoopbackServerOptions {
  /** Port to listen on (on 127.0.0.1 only); 0 or absent picks a free one. A busy port rejects with a TypeError-free typed error. */
  port?: number | undefined;
  /** Host name used in the redirect URI: `localhost` (default, as MSAL Python) or `127.0.0.1`. */
  redirectHost?: 'localhost' | '127.0.0.1' | undefined;
  /** HTML shown after a successful sign-in; `$var` placeholders are filled with HTML-escaped values. */
  successTemplate?: string | undefined;
  /** HTML shown after a failed sign-in; `$error` and `$error_description` are filled, HTML-escaped. */
  errorTemplate?: string | undefined;
}

/** What the browser brought back to the redirect URI: the query (GET) or form (POST, response_mode=form_post) fields. */
export type AuthResponse = Readonly<Record<string, string>>;

/** A running loopback redirect server. */
export interface LoopbackServer {
  /** `http://localhost:<port>` (or 127.0.0.1), to register and send as `redirect_uri`. */
  readonly redirectUri: string;
  /**
   * Resolves with the first response carrying `code` or `error` whose `state` equals `state` (responses with another
   * state are answered with a "state mismatch" page and waiting continues). Rejects with a typed timeout error after
   * `timeoutMs`, or when `signal` aborts.
   */
  waitForResponse(options: { state: string; timeoutMs?: number | undefined; signal?: AbortSignal | undefined }): Promise<AuthResponse>;
  /** Stops listening; idempotent. */
  close(): Promise<void>;
}
