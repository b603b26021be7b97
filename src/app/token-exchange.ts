/**
 * The network half of {@link AppCore}: authority discovery, the token request with its telemetry and logging, and id
 * token validation against the issuer's keys. AppCore imports this module on the first call that goes to the network,
 * so a process that only serves cached tokens never loads it (nor discovery, JWKS, response parsing or JWT checks).
 */
import { AuthorityMetadataCache } from '../authority/authority-metadata-cache.js';
import type { Authority } from '../authority/authority.js';
import type { AuthorityMetadata } from '../authority/discovery.js';
import { JwksCache } from '../authority/jwks.js';
import type { HttpCacheStore } from '../http/http-cache.js';
import { validateIdToken } from '../protocol/id-token.js';
import type { TokenRequestBody } from '../protocol/token-request.js';
import { parseTokenResponse, type TokenResponse } from '../protocol/token-response.js';
import type { AppCore, RequestContext } from './app-core.js';
import { tagForGrant } from './telemetry.js';
import { finishTokenRequest } from './token-outcome.js';

/** How an application discovers its authorities. */
export interface DiscoverySettings {
  readonly httpCache: HttpCacheStore | undefined;
  readonly instanceDiscovery: boolean | string;
}

/** One application's discovery cache, JWKS cache and token requests. */
export class TokenExchange {
  readonly #core: AppCore;
  readonly #settings: DiscoverySettings;
  readonly #metadata = new AuthorityMetadataCache();
  readonly #jwks: JwksCache;

  constructor(core: AppCore, settings: DiscoverySettings) {
    this.#core = core;
    this.#settings = settings;
    this.#jwks = new JwksCache({ http: core.http, now: core.now });
  }

  /** Discovers an authority's metadata (shared by concurrent calls; not remembered here: AppCore keeps the results). */
  discover(authority: Authority, ctx: RequestContext): Promise<AuthorityMetadata> {
    const core = this.#core;
    return this.#metadata.resolve(authority, {
      http: core.http,
      httpCache: this.#settings.httpCache,
      instanceDiscovery: this.#settings.instanceDiscovery,
      now: core.now,
      correlationId: ctx.correlationId,
      signal: ctx.signal,
      headers: core.headers,
    });
  }

  /** POSTs a token request and parses the response; throws ServerError / InvalidResponseError / network errors. */
  async requestToken(
    metadata: AuthorityMetadata,
    body: TokenRequestBody,
    ctx: RequestContext,
    extraHeaders: Readonly<Record<string, string>>,
  ): Promise<TokenResponse> {
    const core = this.#core;
    const tag = ctx.telemetry ?? tagForGrant(body.grant_type);
    const outcome = core.http
      .send({
        method: 'POST',
        url: metadata.token_endpoint,
        headers: {
          ...core.headers,
          ...lowerCased(extraHeaders),
          ...core.telemetry.headers(tag),
          'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
          'client-request-id': ctx.correlationId,
        },
        body: new URLSearchParams(body).toString(),
        signal: ctx.signal,
      })
      .then((response) => {
        const parsed = parseTokenResponse(response, { correlationId: ctx.correlationId, now: core.now });
        // The request's client-request-id travels with the result, as it does with errors, so a caller can quote it
        // to support; a server that echoed its own wins.
        if (typeof parsed['correlation_id'] !== 'string') parsed['correlation_id'] = ctx.correlationId;
        return parsed;
      });
    return finishTokenRequest(outcome, { telemetry: core.telemetry, tag, log: core.log, ctx, body });
  }

  /** Validates an id token (signature against the issuer's JWKS, issuer, audience, lifetime, nonce, auth_time). */
  idTokenClaims(
    idToken: string,
    metadata: AuthorityMetadata,
    ctx: RequestContext,
    checks: { nonce?: string | undefined; maxAge?: number | undefined },
  ): Promise<Record<string, unknown>> {
    const core = this.#core;
    const jwksUri = metadata.jwks_uri;
    return validateIdToken(idToken, {
      clientId: core.clientId,
      issuer: metadata.issuer,
      nonce: checks.nonce,
      maxAge: checks.maxAge,
      now: core.now() / 1000,
      keys:
        jwksUri === undefined
          ? undefined
          : ({ kid }) => this.#jwks.keys(jwksUri, kid, { correlationId: ctx.correlationId, signal: ctx.signal, headers: core.headers }),
    });
  }
}

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}
