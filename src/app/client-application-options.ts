/** Options shared by every application type. */
import type { AuthorityBuilder } from '../authority/authority-builder.js';
import type { TokenCache } from '../cache/token-cache.js';
import type { HttpCacheStore } from '../http/http-cache.js';
import type { HttpClient } from '../http/http-client.js';
import type { Logger } from '../logger.js';
import type { OptionKeys } from '../util/options.js';
import type { Sleep } from '../util/sleep.js';

/** Options of {@link ClientApplication} subclasses, as MSAL Python's `ClientApplication` keyword arguments. */
export interface ClientApplicationOptions {
  /**
   * The Microsoft Entra authority: `https://login.microsoftonline.com/<tenant>` (a tenant id, a domain, `common`,
   * `organizations`, `consumers`), a national cloud, B2C, ADFS or CIAM URL, or an {@link AuthorityBuilder}.
   * Default `https://login.microsoftonline.com/common`. Mutually exclusive with `oidcAuthority`.
   */
  authority?: string | AuthorityBuilder | undefined;
  /** A generic OpenID Connect issuer URL; its metadata comes from `{issuer}/.well-known/openid-configuration`. */
  oidcAuthority?: string | undefined;
  /**
   * Instance discovery for Entra authorities on hosts msal-ts does not know: `true` (default), a custom discovery URL,
   * or `false` (custom domains, the emulator). As MSAL Python's `instance_discovery`.
   */
  instanceDiscovery?: boolean | string | undefined;
  /** Where tokens are kept. Default: a new in-memory SerializableTokenCache per application. */
  tokenCache?: TokenCache | undefined;
  /** The transport. Default: an undici client built from `verify`, `proxy` and `timeoutMs`. */
  httpClient?: HttpClient | undefined;
  /** CA trust for the default HTTP client: `true`, `false` (insecure) or a PEM bundle path. As MSAL Python. */
  verify?: boolean | string | undefined;
  /** Proxy URL for the default HTTP client; without it `HTTPS_PROXY`/`NO_PROXY` are honoured. */
  proxy?: string | undefined;
  /** Whole-request timeout of the default HTTP client, in milliseconds. */
  timeoutMs?: number | undefined;
  /** A Map-like store for discovery documents (JSON-serializable values), as MSAL Python's `http_cache`. */
  httpCache?: HttpCacheStore | undefined;
  /** Clock in milliseconds since the epoch, for tests. Default `Date.now`. */
  now?: (() => number) | undefined;
  /** How polling flows (device code) wait, for tests. Default: a real, abortable timer. */
  sleep?: Sleep | undefined;
  /**
   * Capabilities the app declares to Entra, e.g. `["CP1"]` (it handles claims challenges of continuous access
   * evaluation). Sent on every user flow as `claims: {"access_token": {"xms_cc": {"values": [...]}}}`, merged with any
   * claims challenge, as MSAL Python's `client_capabilities`.
   */
  clientCapabilities?: readonly string[] | undefined;
  /** Reserved scopes not to send on user flows (`profile`, `offline_access`; never `openid`), as MSAL Python's `exclude_scopes`. */
  excludeScopes?: readonly string[] | undefined;
  /** Sent as the `x-app-name` header. */
  appName?: string | undefined;
  /** Sent as the `x-app-ver` header. */
  appVersion?: string | undefined;
  /** Where msal-ts logs (nothing is logged without one). See {@link Logger}. */
  logger?: Logger | undefined;
  /**
   * Log usernames, claims, tokens and secrets in clear. Default false: they appear as `********`. Turn on only to
   * debug, never in production logs.
   */
  piiLoggingEnabled?: boolean | undefined;
  /**
   * How many times a request is resent after a 429, a 5xx (when `Retry-After` is absent or at most 10 s) or a
   * connection failure. Default 1; 0 turns retrying off. Throttling of repeated failures applies regardless.
   */
  maxRetries?: number | undefined;
}

/** Every key of {@link ClientApplicationOptions}, for the option-key check of the application constructors. */
export const CLIENT_APPLICATION_OPTION_KEYS: OptionKeys<ClientApplicationOptions> = {
  authority: true,
  oidcAuthority: true,
  instanceDiscovery: true,
  tokenCache: true,
  httpClient: true,
  verify: true,
  proxy: true,
  timeoutMs: true,
  httpCache: true,
  now: true,
  sleep: true,
  clientCapabilities: true,
  excludeScopes: true,
  appName: true,
  appVersion: true,
  logger: true,
  piiLoggingEnabled: true,
  maxRetries: true,
};
