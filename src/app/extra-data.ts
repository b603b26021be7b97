/**
 * Extra token request parameters: MSAL Python's `data=` keyword, accepted by the acquire* methods that send a token
 * request. Its main use is SSH certificates: `{ token_type: 'ssh-cert', req_cnf: '<public key as JWK JSON>', key_id:
 * '<kid>' }` makes Entra return an OpenSSH certificate for that key instead of a Bearer token. A token bound to a key
 * is cached under its `key_id` and its `token_type`, and served only to a request naming both again: an ssh-cert
 * request never gets a Bearer token from the cache, nor the other way round.
 */

import { nonEmptyOrUndefined } from '../util/checks.js';

/** Extra token request fields, e.g. `{ token_type: 'ssh-cert', req_cnf, key_id }`. Values are sent as given. */
export type TokenRequestData = Readonly<Record<string, string>>;

/** Checked `data`, with what the cache needs from it. */
export interface ExtraData {
  /** The fields to send; `undefined` when there are none. */
  readonly fields: TokenRequestData | undefined;
  /** `key_id`: the key a key-bound token (SSH certificate, PoP) is cached and found under. */
  readonly keyId: string | undefined;
  /** `token_type` asked for, e.g. `ssh-cert`; cache lookups then match only tokens of that type. */
  readonly tokenType: string | undefined;
  /** A stable string of the fields: part of the key that tells concurrent identical requests apart. */
  readonly dedupKey: string;
  /** The federated managed identity path sent as `fmi_path` (set by `acquireTokenForClient`'s `fmiPath`). */
  readonly fmiPath?: string | undefined;
  /** Client-originated claims (a JSON object string) merged into `claims` (set by `forwardedClientClaims`). */
  readonly forwardedClientClaims?: string | undefined;
  /** What the extended cache key hashes, e.g. `{ fmi_path, client_claims }` (see `ext-cache-components.ts`). */
  readonly extComponents?: Readonly<Record<string, string>> | undefined;
  /** Extended cache keys of the request (`ext_cache_key`): the one written first, then older forms also read. */
  readonly extCacheKeys?: readonly string[] | undefined;
}

/** Fields the flows set themselves: `data` may add fields, never replace one (checked here, before any I/O). */
const RESERVED: ReadonlySet<string> = new Set([
  'grant_type',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'client_info',
  'scope',
  'claims',
  'refresh_token',
  'code',
  'redirect_uri',
  'code_verifier',
  'username',
  'password',
  'device_code',
  'assertion',
  'requested_token_use',
  // Given as acquireTokenForClient's fmiPath, which also partitions the cache by it.
  'fmi_path',
  // A cache key component in MSAL Python's data (forwarded_client_claims), never a wire field: use forwardedClientClaims.
  'client_claims',
]);

const NONE: ExtraData = Object.freeze({ fields: undefined, keyId: undefined, tokenType: undefined, dedupKey: '' });

/**
 * Checks `options.data` before any I/O.
 *
 * @throws TypeError naming `options.data` (or one of its fields) when it is not an object of strings, or when an
 *   SSH certificate request lacks `req_cnf` or `key_id` (as MSAL Python's ValueError), or `req_cnf` is not JSON;
 *   RangeError for a field the flow sets itself (`grant_type`, `scope`, `client_id`, ...).
 */
export function checkData(data: unknown): ExtraData {
  if (data === undefined) return NONE;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new TypeError('options.data must be an object of string fields');
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new TypeError(`options.data.${key} must be a string`);
    if (RESERVED.has(key)) throw new RangeError(`options.data.${key} is set by msal-ts itself and cannot be replaced`);
    fields[key] = value;
  }
  const names = Object.keys(fields).sort();
  if (names.length === 0) return NONE;
  const tokenType = nonEmptyOrUndefined(fields['token_type']);
  if (tokenType?.toLowerCase() === 'ssh-cert') {
    const reqCnf = nonEmptyOrUndefined(fields['req_cnf']);
    if (reqCnf === undefined) {
      throw new TypeError('options.data.req_cnf is required for an SSH certificate: the public key as a JWK (JSON string)');
    }
    if (!isJsonObject(reqCnf)) throw new TypeError('options.data.req_cnf must be a JWK as a JSON object string');
    if (nonEmptyOrUndefined(fields['key_id']) === undefined) {
      throw new TypeError('options.data.key_id is required for an SSH certificate: it names the key in req_cnf (its kid)');
    }
  }
  return Object.freeze({
    fields: Object.freeze(fields),
    keyId: nonEmptyOrUndefined(fields['key_id']),
    tokenType,
    dedupKey: JSON.stringify(names.map((n) => [n, fields[n]])),
  });
}

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}
