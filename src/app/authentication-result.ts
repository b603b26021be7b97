/** The plain result object every acquire* method resolves to, with wire names as in MSAL Python, and how a cache hit becomes one. */
import type { AccessTokenHit } from '../cache/cache-types.js';

/** Where a result came from: `broker` for a token an authentication broker issued (see docs/design.md, "Broker seam"). */
export type TokenSource = 'cache' | 'identity_provider' | 'broker';

/**
 * A successful token acquisition: the identity provider's response (wire names, as MSAL Python returns it) plus
 * `token_source`, and `refresh_on` (epoch seconds) in place of the server's `refresh_in`. A result served from the
 * cache carries only `access_token`, `token_type`, `expires_in`, `token_source` and, when set, `refresh_on`.
 */
export interface AuthenticationResult {
  access_token: string;
  token_type: string;
  /** Seconds until the access token expires, as of when the result was produced. */
  expires_in: number;
  /** Epoch seconds after which msal-ts refreshes the token proactively, when the server asked for it. */
  refresh_on?: number;
  /** Space-delimited scopes granted, when the server said. */
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  /** The id token's claims, decoded, when there is an id token. */
  id_token_claims?: Record<string, unknown>;
  client_info?: string;
  token_source: TokenSource;
  /**
   * The `client-request-id` of the token request (from the identity provider only; a cache hit made no request).
   * Errors carry the same id as `correlationId`.
   */
  correlation_id?: string;
  /** Anything else the server sent. */
  [field: string]: unknown;
}

/** A cached access token shaped as a result, and whether it is aging (past `refresh_on`: refresh, and serve it if that fails). */
export interface CachedToken {
  readonly result: AuthenticationResult;
  readonly aging: boolean;
}

/** What every cache hit reports, user, app and managed identity tokens alike. */
export type CacheHitResult = {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_on?: number;
  token_source: 'cache';
};

/**
 * A cache hit as a result: the token, its remaining lifetime at `now` (seconds since the epoch), its `refresh_on`.
 * The application flows add the granted `scope`; managed identity results have none, as MSAL Python's.
 */
export function cachedToken(hit: AccessTokenHit, now: number): { readonly result: CacheHitResult; readonly aging: boolean } {
  const entry = hit.entry;
  const result: CacheHitResult = {
    access_token: entry.secret,
    token_type: entry.token_type,
    expires_in: Math.max(0, Math.floor(entry.expires_on - now)),
    token_source: 'cache',
  };
  if (entry.refresh_on !== undefined) result.refresh_on = entry.refresh_on;
  return { result, aging: hit.aging };
}
