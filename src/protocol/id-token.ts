/**
 * OpenID Connect id token validation (OIDC Core 3.1.3.7): the RS256/PS256/ES256 signature against the issuer's keys,
 * the issuer, the audience, the lifetime with a clock skew, the nonce and `auth_time` against `max_age`.
 *
 * MSAL Python checks only the audience, the lifetime and the nonce, and never the signature nor (by default) the
 * issuer; msal-ts checks all of them (docs/differences.md). No I/O here: the caller supplies the keys.
 */
import { constants, createHash, verify, type KeyObject } from 'node:crypto';
import { IdTokenError } from '../errors.js';
import { base64UrlDecode } from './base64url.js';
import { decodeJwt } from './jwt.js';

/** Clock skew tolerated on `exp`, `nbf` and `auth_time`, in seconds. */
export const ID_TOKEN_SKEW_SECONDS = 300;

/** The JWS algorithms an id token may be signed with; anything else (`none`, `HS256`) is refused. */
const ALGORITHMS: Readonly<Record<string, { hash: string; kind: 'rsa' | 'pss' | 'ec'; curve?: string }>> = {
  RS256: { hash: 'sha256', kind: 'rsa' },
  RS384: { hash: 'sha384', kind: 'rsa' },
  RS512: { hash: 'sha512', kind: 'rsa' },
  PS256: { hash: 'sha256', kind: 'pss' },
  PS384: { hash: 'sha384', kind: 'pss' },
  PS512: { hash: 'sha512', kind: 'pss' },
  ES256: { hash: 'sha256', kind: 'ec', curve: 'prime256v1' },
  ES384: { hash: 'sha384', kind: 'ec', curve: 'secp384r1' },
  ES512: { hash: 'sha512', kind: 'ec', curve: 'secp521r1' },
};

/** Finds the keys that may have signed a token: by `kid` when the header has one, else every signing key. */
export type IdTokenKeyLookup = (header: { kid: string | undefined; alg: string }) => Promise<readonly KeyObject[]>;

/** What {@link validateIdToken} checks the token against. */
export interface IdTokenValidationOptions {
  /** The application's client id: `aud` must be it or contain it (case-sensitive, as OIDC and MSAL Python say). */
  clientId: string;
  /**
   * The issuer from the authority's discovery document. Entra's multi-tenant documents carry a `{tenantid}` template,
   * replaced by the token's `tid`. `undefined` skips the check.
   */
  issuer?: string | undefined;
  /** The `nonce` the token must carry (for Entra, the SHA-256 hex of the flow's nonce: see {@link nonceHash}). */
  nonce?: string | undefined;
  /** `max_age` sent in the authorization request: `auth_time` must then be present and recent enough. */
  maxAge?: number | undefined;
  /** Current time in epoch seconds. */
  now: number;
  /** Tolerated clock skew in seconds; default {@link ID_TOKEN_SKEW_SECONDS}. */
  skewSeconds?: number | undefined;
  /** Where the signing keys come from; `undefined` skips the signature (the issuer publishes no `jwks_uri`). */
  keys?: IdTokenKeyLookup | undefined;
}

/**
 * The nonce value sent to the authorize endpoint and expected back in the id token for a flow's raw nonce: its
 * SHA-256 in lower-case hex, as MSAL Python sends it (so the raw value never travels through the browser).
 *
 * @param nonce - The flow's raw nonce.
 */
export function nonceHash(nonce: string): string {
  return createHash('sha256').update(nonce, 'utf8').digest('hex');
}

/**
 * The issuer an id token must carry, given the discovery document's: Entra's `{tenantid}` template (multi-tenant
 * authorities) is replaced by the token's `tid`.
 *
 * @param discoveryIssuer - `issuer` from the discovery document.
 * @param claims - The token's claims.
 * @returns The expected issuer, or `undefined` when the template needs a `tid` the token does not have.
 */
export function expectedIssuer(discoveryIssuer: string, claims: Readonly<Record<string, unknown>>): string | undefined {
  if (!discoveryIssuer.includes('{tenantid}')) return discoveryIssuer;
  const tid = claims['tid'];
  if (typeof tid !== 'string' || tid === '') return undefined;
  return discoveryIssuer.replaceAll('{tenantid}', tid);
}

function numericClaim(claims: Readonly<Record<string, unknown>>, name: string, required: boolean): number | undefined {
  const value = claims[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new IdTokenError('malformed', `the id token's "${name}" claim is ${value === undefined ? 'missing' : 'not a number'}`);
  }
  return value;
}

/**
 * Checks the claims of an id token whose signature is already verified (or not checked). Pure.
 *
 * @param claims - The decoded payload.
 * @param options - See {@link IdTokenValidationOptions}; `keys` is ignored.
 * @throws IdTokenError with `check` naming the failed check (`audience`, `issuer`, `expired`, `not_yet_valid`, `nonce`,
 *   `max_age`, `malformed`). Messages name the claim, never its value, except the expected issuer.
 */
export function validateIdTokenClaims(claims: Readonly<Record<string, unknown>>, options: IdTokenValidationOptions): void {
  const skew = options.skewSeconds ?? ID_TOKEN_SKEW_SECONDS;
  const now = options.now;
  const aud = claims['aud'];
  const audienceOk = Array.isArray(aud) ? aud.includes(options.clientId) : aud === options.clientId;
  if (!audienceOk) {
    throw new IdTokenError('audience', 'the id token was not issued to this application: its "aud" claim does not contain the client id (check its casing)');
  }
  if (options.issuer !== undefined) {
    const wanted = expectedIssuer(options.issuer, claims);
    if (wanted === undefined || claims['iss'] !== wanted) {
      throw new IdTokenError('issuer', `the id token's "iss" claim is not the authority's issuer ${options.issuer}`);
    }
  }
  const exp = numericClaim(claims, 'exp', true) ?? 0;
  if (now - skew > exp) {
    throw new IdTokenError('expired', "the id token has expired; check that this computer's clock and time zone are right");
  }
  const nbf = numericClaim(claims, 'nbf', false);
  if (nbf !== undefined && now + skew < nbf) {
    throw new IdTokenError('not_yet_valid', "the id token is not valid yet; check that this computer's clock and time zone are right");
  }
  if (options.nonce !== undefined && claims['nonce'] !== options.nonce) {
    throw new IdTokenError('nonce', 'the id token\'s "nonce" is not the one this flow sent (a replayed or mixed-up response)');
  }
  if (options.maxAge !== undefined) {
    const authTime = numericClaim(claims, 'auth_time', false);
    if (authTime === undefined) throw new IdTokenError('max_age', 'max_age was requested but the id token has no "auth_time" claim');
    if (now - skew > authTime + options.maxAge) {
      throw new IdTokenError('max_age', `the user signed in longer ago than max_age (${options.maxAge} s) allows`);
    }
  }
}

function verifySignature(signingInput: string, signature: Buffer, alg: string, key: KeyObject): boolean {
  const spec = ALGORITHMS[alg];
  if (spec === undefined) return false;
  // The key must be of the alg's type (and curve): node:crypto would otherwise verify an RS256 signature sent as
  // "ES256", or ECDSA sent as "RS256", with whatever key the kid names (RFC 7518 section 3.1).
  const type = key.asymmetricKeyType;
  if (spec.kind === 'ec' ? type !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== spec.curve : type !== 'rsa' && type !== 'rsa-pss') return false;
  const data = Buffer.from(signingInput, 'ascii');
  try {
    if (spec.kind === 'pss') {
      return verify(spec.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
    }
    if (spec.kind === 'ec') return verify(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    return verify(spec.hash, data, key, signature);
  } catch {
    // A key of the wrong type for the algorithm: not this key.
    return false;
  }
}

/**
 * Validates an id token: decodes it, verifies its signature with the issuer's keys, then checks its claims.
 *
 * @param idToken - The compact JWS from the token response.
 * @param options - See {@link IdTokenValidationOptions}.
 * @returns The token's claims.
 * @throws IdTokenError: `malformed` (not a JWS with JSON parts), `signature` (an unsupported `alg`, or no key verifies
 *   it), `unknown_key` (the issuer publishes no key with the token's `kid`), or a claim check of
 *   {@link validateIdTokenClaims}. Errors of `options.keys` (network, JWKS format) pass through.
 * @example
 * ```ts
 * const claims = await validateIdToken(response.id_token, { clientId, issuer: metadata.issuer, now: Date.now() / 1000,
 *   keys: ({ kid }) => jwks.keys(metadata.jwks_uri, kid, ctx) });
 * ```
 */
export async function validateIdToken(idToken: string, options: IdTokenValidationOptions): Promise<Record<string, unknown>> {
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    ({ header, payload } = decodeJwt(idToken, 'id token'));
  } catch (cause) {
    throw new IdTokenError('malformed', 'the id token is not a well-formed JWT', { cause });
  }
  if (options.keys !== undefined) {
    const alg = header['alg'];
    if (typeof alg !== 'string' || ALGORITHMS[alg] === undefined) {
      throw new IdTokenError('signature', `the id token's signing algorithm ${JSON.stringify(alg)} is not accepted`);
    }
    const kid = typeof header['kid'] === 'string' ? header['kid'] : undefined;
    const keys = await options.keys({ kid, alg });
    if (keys.length === 0) {
      throw new IdTokenError('unknown_key', 'the issuer publishes no key that can verify the id token (unknown "kid")');
    }
    const dot = idToken.lastIndexOf('.');
    let signature: Buffer;
    try {
      signature = base64UrlDecode(idToken.slice(dot + 1));
    } catch (cause) {
      throw new IdTokenError('malformed', 'the id token signature is not base64url', { cause });
    }
    const signingInput = idToken.slice(0, dot);
    if (!keys.some((key) => verifySignature(signingInput, signature, alg, key))) {
      throw new IdTokenError('signature', "the id token signature does not verify with the issuer's keys");
    }
  }
  validateIdTokenClaims(payload, options);
  return payload;
}
