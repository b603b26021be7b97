/**
 * The public entry to id token validation. The checks (JWS decoding, signature verification, claims) live in
 * id-token.ts and load on the first call, so importing msal-ts does not compile them.
 */
import type { IdTokenValidationOptions } from './id-token.js';

/**
 * Validates an id token: decodes it, verifies its signature with the issuer's keys, then checks its claims.
 *
 * @param idToken - The compact JWS from the token response.
 * @param options - See {@link IdTokenValidationOptions}.
 * @returns The token's claims.
 * @throws IdTokenError: `malformed` (not a JWS with JSON parts), `signature` (an unsupported `alg`, or no key verifies
 *   it), `unknown_key` (the issuer publishes no key with the token's `kid`), or a claim check (issuer, audience,
 *   lifetime, nonce, auth_time). Errors of `options.keys` (network, JWKS format) pass through.
 * @example
 * ```ts
 * const claims = await validateIdToken(response.id_token, { clientId, issuer: metadata.issuer, now: Date.now() / 1000,
 *   keys: ({ kid }) => jwks.keys(metadata.jwks_uri, kid, ctx) });
 * ```
 */
export async function validateIdToken(idToken: string, options: IdTokenValidationOptions): Promise<Record<string, unknown>> {
  return (await import('./id-token.js')).validateIdToken(idToken, options);
}
