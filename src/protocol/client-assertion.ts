/**
 * Signed client assertions (RFC 7523 `private_key_jwt`), reused while they have time left.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { signJwt, type JwtSigningAlgorithm } from './jwt.js';

/** Lifetime of an assertion msal-ts signs, in seconds (as MSAL Python and MSAL Node). */
export const CLIENT_ASSERTION_LIFETIME_SECONDS = 600;

/** An assertion is signed again once it has this many seconds or fewer left, so it cannot expire in flight. */
export const CLIENT_ASSERTION_RENEWAL_MARGIN_SECONDS = 60;

// aud differs per token endpoint (per tenant, per region), so one app may hold a few; the bound keeps a multi-tenant
// service that talks to thousands of tenants from growing without limit.
const MAX_CACHED_AUDIENCES = 32;

/** What a certificate assertion signer needs. */
export interface ClientAssertionSignerParams {
  clientId: string;
  key: KeyObject;
  alg: JwtSigningAlgorithm;
  /** JWS header parameters besides `alg`/`typ`: `x5t` or `x5t#S256`, and `x5c` when configured. */
  header: Record<string, unknown>;
  /** Extra claims, merged last so they may override the standard ones (MSAL Python's `client_claims`). */
  clientClaims?: Record<string, unknown> | undefined;
  /** Milliseconds since the epoch. */
  now: () => number;
}

interface CachedAssertion {
  jwt: string;
  /** `exp` of the assertion, epoch seconds. */
  exp: number;
}

/**
 * Creates a function that returns a client assertion for a token endpoint, signing a new one only when the last one
 * for that endpoint has {@link CLIENT_ASSERTION_RENEWAL_MARGIN_SECONDS} or less left.
 *
 * Claims: `aud` = token endpoint, `iss` = `sub` = client id, `iat` = `nbf` = now, `exp` = now + 600 s, `jti` = a
 * random UUID, then `clientClaims`.
 *
 * @param params - Key, algorithm, header, claims and clock.
 * @returns `(tokenEndpoint) => jwt`.
 */
export function createClientAssertionSigner(params: ClientAssertionSignerParams): (tokenEndpoint: string) => string {
  const cache = new Map<string, CachedAssertion>();
  return (tokenEndpoint: string): string => {
    const nowSeconds = Math.floor(params.now() / 1000);
    const cached = cache.get(tokenEndpoint);
    if (cached !== undefined && cached.exp - nowSeconds > CLIENT_ASSERTION_RENEWAL_MARGIN_SECONDS) {
      return cached.jwt;
    }
    const payload: Record<string, unknown> = {
      aud: tokenEndpoint,
      iss: params.clientId,
      sub: params.clientId,
      iat: nowSeconds,
      nbf: nowSeconds,
      exp: nowSeconds + CLIENT_ASSERTION_LIFETIME_SECONDS,
      jti: randomUUID(),
      ...params.clientClaims,
    };
    const jwt = signJwt(params.header, payload, params.key, params.alg);
    // A clientClaims `exp` that is not a number cannot be reasoned about: sign per request rather than guess.
    const exp = typeof payload.exp === 'number' ? payload.exp : nowSeconds;
    cache.delete(tokenEndpoint);
    if (cache.size >= MAX_CACHED_AUDIENCES) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(tokenEndpoint, { jwt, exp });
    return jwt;
  };
}
