/**
 * Client-originated claims (MSAL Python 1.38's `forwarded_client_claims`, PR 937; .NET's `WithClaimsFromClient`): a
 * confidential client forwards stable claims of its own, such as a network security perimeter
 * (`{"access_token":{"xms_az_nwperimid":{"value":"..."}}}`), on every token request. Unlike a claims challenge, which
 * is server-issued and skips the cache, these are cached: the token is stored under an extended cache key of the
 * exact string (`client_claims`), so only a request forwarding the same string gets it back, and a request without
 * it never does. On the wire they are merged into the one `claims` parameter, over the claims challenge and the
 * client capabilities (the client's value wins where both set the same leaf).
 */
import { withExtCacheComponent } from './ext-cache-components.js';
import type { ExtraData } from './extra-data.js';
import { isRecord } from '../util/checks.js';
import { parseClaimsObject } from './claims.js';

/**
 * The request's extra data with forwarded client claims added, or `extra` itself when there are none.
 *
 * @param claimsChallenge - The same call's claims challenge, which must then be a JSON object too (to be merged).
 * @throws TypeError naming `options.forwardedClientClaims` when it is not a JSON object string (the message never
 *   repeats the value, which may be sensitive), or `claimsChallenge` when it cannot be merged with them.
 */
export function withForwardedClientClaims(extra: ExtraData, claims: unknown, claimsChallenge?: unknown): ExtraData {
  if (claims === undefined) return extra;
  if (typeof claims !== 'string') throw new TypeError('options.forwardedClientClaims must be a JSON object string');
  parseClaimsObject(claims, 'options.forwardedClientClaims must be a JSON object string');
  if (typeof claimsChallenge === 'string' && claimsChallenge !== '') parseChallenge(claimsChallenge);
  return Object.freeze({ ...withExtCacheComponent(extra, 'client_claims', claims), forwardedClientClaims: claims });
}

/**
 * `claims` (the challenge merged with the client capabilities) with the forwarded client claims merged in: objects
 * merge key by key at every depth, and where both set the same key to something other than two objects, the forwarded
 * value wins. With one side absent the other is sent as it is.
 */
export function mergeForwardedClaims(claims: string | undefined, forwarded: string | undefined): string | undefined {
  if (forwarded === undefined) return claims;
  if (claims === undefined || claims === '') return forwarded;
  return JSON.stringify(deepMerge(parseChallenge(claims), JSON.parse(forwarded) as Record<string, unknown>));
}

function parseChallenge(claims: string): Record<string, unknown> {
  return parseClaimsObject(claims, 'options.claimsChallenge must be a JSON object string to be merged with forwardedClientClaims');
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // defineProperty, so a claim named "__proto__" stays a claim and never becomes the object's prototype.
  const put = (key: string, value: unknown): void => {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  };
  for (const [key, value] of Object.entries(base)) put(key, value);
  for (const [key, value] of Object.entries(over)) {
    const existing = Object.hasOwn(out, key) ? out[key] : undefined;
    put(key, isRecord(existing) && isRecord(value) ? deepMerge(existing, value) : value);
  }
  return out;
}
