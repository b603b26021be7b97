/**
 * Turns a token response event into the cache entries MSAL Python's `TokenCache.add()` would write, field for field
 * and in the same field order. Everything is derived and checked before anything is written, so a malformed response
 * never leaves half its tokens behind.
 */
import { Buffer } from 'node:buffer';
import { InvalidResponseError } from '../errors.js';
import type { RawEntry } from './cache-entries.js';
import type { TokenResponseEvent } from './cache-types.js';
import { optionalString } from '../util/checks.js';

/** The entries one response produces. */
export interface ResponseEntries {
  readonly accessToken: RawEntry | undefined;
  readonly account: RawEntry | undefined;
  readonly idToken: RawEntry | undefined;
  readonly refreshToken: RawEntry | undefined;
  readonly appMetadata: RawEntry;
}

/** Grants after which an Account records where it came from (MSAL Python's `account_source`). */
const ACCOUNT_ESTABLISHING_GRANTS: ReadonlySet<string> = new Set([
  'broker',
  'authorization_code',
  'password',
  'urn:ietf:params:oauth:grant-type:device_code',
  // MSAL Python 1.37: an agent's user token records where its account came from.
  'user_fic',
]);

/** Expiry when the response says nothing about it (MSAL Python's choice). */
const DEFAULT_EXPIRES_IN = 600;

const SOURCE = 'token response';

function decodeJsonSegment(segment: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    // Node's base64 decoder accepts both alphabets and missing padding, as MSAL Python's decode_part does.
    parsed = JSON.parse(Buffer.from(segment, 'base64').toString('utf8'));
  } catch (cause) {
    throw new InvalidResponseError(SOURCE, `${what} is not base64url-encoded JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidResponseError(SOURCE, `${what} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Decodes an id token's payload without verifying it: the protocol layer has verified it already. */
export function decodeIdTokenClaims(idToken: string): Record<string, unknown> {
  const payload = idToken.split('.')[1];
  if (payload === undefined) throw new InvalidResponseError(SOURCE, 'id_token is not a JWT');
  return decodeJsonSegment(payload, 'the id_token payload');
}

function optString(response: Readonly<Record<string, unknown>>, field: string): string | undefined {
  return optionalString(response[field], () => new InvalidResponseError(SOURCE, `"${field}" is not a string`));
}

/** An integer the way Python's `int()` reads it from a number or a numeric string (AAD v1 sends strings). */
function optInt(response: Readonly<Record<string, unknown>>, field: string): number | undefined {
  const value = response[field];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new InvalidResponseError(SOURCE, `"${field}" is not a number`);
  return Math.trunc(n);
}

function claimString(claims: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The realm: explicit, else the first path segment of the token endpoint (`https://host/{tenant}/...`). */
function realmOf(event: TokenResponseEvent): string {
  if (event.realm !== undefined) return event.realm;
  if (event.tokenEndpoint === undefined) throw new TypeError('event.realm or event.tokenEndpoint is required');
  // Taken from the text, not from `new URL()`, which would percent-encode the segment; MSAL Python keeps it as given.
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\/([^/?#]*)/i.exec(event.tokenEndpoint);
  const tenant = match?.[1];
  if (tenant === undefined || tenant === '') {
    throw new TypeError('event.tokenEndpoint must be an absolute URL with a tenant path segment');
  }
  return tenant;
}

/** Checks the caller's part of the event (misuse throws TypeError naming the field). */
export function checkEvent(event: TokenResponseEvent): void {
  if (typeof event !== 'object' || event === null) throw new TypeError('event must be an object');
  if (typeof event.clientId !== 'string' || event.clientId === '') throw new TypeError('event.clientId must be a non-empty string');
  if (!Array.isArray(event.scopes) || !event.scopes.every((s) => typeof s === 'string')) {
    throw new TypeError('event.scopes must be an array of strings');
  }
  if (typeof event.environment !== 'string' || event.environment === '') {
    throw new TypeError('event.environment must be a non-empty string');
  }
  if (event.realm !== undefined && typeof event.realm !== 'string') throw new TypeError('event.realm must be a string');
  if (typeof event.response !== 'object' || event.response === null) throw new TypeError('event.response must be an object');
  for (const field of ['grantType', 'username', 'authorityType', 'localAccountId', 'keyId', 'userAssertionHash', 'extCacheKey', 'tokenEndpoint'] as const) {
    const value = event[field];
    if (value !== undefined && typeof value !== 'string') throw new TypeError(`event.${field} must be a string`);
  }
}

/** What every entry of one response shares. */
interface EntryCommon {
  event: TokenResponseEvent;
  environment: string;
  clientId: string;
  realm: string;
  target: string;
  /** The home account id, or null as MSAL Python writes it for app tokens. */
  hid: string | null;
  nowInt: number;
}

/** home_account_id: client_info's uid.utid; else the id token's sub (ADFS); else none (app tokens). */
function homeAccountIdOf(clientInfo: string | undefined, claims: Record<string, unknown>): string | undefined {
  if (clientInfo !== undefined) {
    const info = decodeJsonSegment(clientInfo, 'client_info');
    const uid = info['uid'];
    const utid = info['utid'];
    if ((typeof uid === 'string' || typeof uid === 'number') && (typeof utid === 'string' || typeof utid === 'number')) {
      return `${uid}.${utid}`;
    }
  }
  if (Object.keys(claims).length === 0) return undefined;
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub === '') throw new InvalidResponseError(SOURCE, 'the id token has no "sub" claim');
  return sub;
}

function accessTokenEntry(c: EntryCommon, accessToken: string): Record<string, unknown> {
  const { event, nowInt } = c;
  const response = event.response;
  const expiresOn = optInt(response, 'expires_on');
  const expiresIn = optInt(response, 'expires_in') ?? (expiresOn ? expiresOn - nowInt : DEFAULT_EXPIRES_IN);
  const extExpiresIn = optInt(response, 'ext_expires_in') ?? expiresIn;
  const refreshIn = optInt(response, 'refresh_in');
  const at: Record<string, unknown> = {
    credential_type: 'AccessToken',
    secret: accessToken,
    home_account_id: c.hid,
    environment: c.environment,
    client_id: c.clientId,
    target: c.target,
    realm: c.realm,
    token_type: optString(response, 'token_type') ?? 'Bearer',
    cached_at: String(nowInt),
    expires_on: String(nowInt + expiresIn),
    extended_expires_on: String(nowInt + extExpiresIn),
  };
  if (event.keyId) at['key_id'] = event.keyId;
  if (event.userAssertionHash) at['userAssertionHash'] = event.userAssertionHash;
  if (event.extCacheKey) at['ext_cache_key'] = event.extCacheKey;
  if (refreshIn !== undefined) at['refresh_on'] = String(nowInt + refreshIn);
  return at;
}

function accountEntry(c: EntryCommon, homeAccountId: string, claims: Record<string, unknown>): Record<string, unknown> {
  const { event, realm } = c;
  const account: Record<string, unknown> = {
    home_account_id: homeAccountId,
    environment: c.environment,
    realm,
    local_account_id: event.localAccountId ?? claimString(claims, 'oid') ?? claimString(claims, 'sub') ?? null,
    username: claimString(claims, 'preferred_username') ?? claimString(claims, 'upn') ?? (event.username || ''),
    authority_type: event.authorityType ?? (realm.toLowerCase() === 'adfs' ? 'ADFS' : 'MSSTS'),
  };
  if (event.grantType !== undefined && ACCOUNT_ESTABLISHING_GRANTS.has(event.grantType)) {
    account['account_source'] = event.grantType;
  }
  return account;
}

function refreshTokenEntry(c: EntryCommon, refreshToken: string, foci: string | undefined): Record<string, unknown> {
  const rt: Record<string, unknown> = {
    credential_type: 'RefreshToken',
    secret: refreshToken,
    home_account_id: c.hid,
    environment: c.environment,
    client_id: c.clientId,
    target: c.target,
    last_modification_time: String(c.nowInt),
  };
  if (foci !== undefined) rt['family_id'] = foci;
  if (c.event.userAssertionHash) rt['userAssertionHash'] = c.event.userAssertionHash;
  return rt;
}

/** Derives every entry of one response. `now` is in epoch seconds. */
export function entriesFromEvent(event: TokenResponseEvent, now: number): ResponseEntries {
  checkEvent(event);
  const { environment, clientId, response } = event;
  const realm = realmOf(event);
  const accessToken = optString(response, 'access_token');
  const refreshToken = optString(response, 'refresh_token');
  const idToken = optString(response, 'id_token');
  const foci = optString(response, 'foci');
  const claims = event.idTokenClaims ?? (idToken ? decodeIdTokenClaims(idToken) : {});
  const homeAccountId = homeAccountIdOf(optString(response, 'client_info'), claims);
  const c: EntryCommon = {
    event,
    environment,
    clientId,
    realm,
    target: [...event.scopes].sort().join(' '),
    hid: homeAccountId ?? null,
    nowInt: Math.trunc(now),
  };
  const idt: RawEntry | undefined = idToken
    ? { credential_type: 'IdToken', secret: idToken, home_account_id: c.hid, environment, realm, client_id: clientId }
    : undefined;
  const appMetadata: Record<string, unknown> = { client_id: clientId, environment };
  if (foci !== undefined) appMetadata['family_id'] = foci;
  return {
    accessToken: accessToken ? accessTokenEntry(c, accessToken) : undefined,
    account: homeAccountId !== undefined && event.skipAccountCreation !== true ? accountEntry(c, homeAccountId, claims) : undefined,
    idToken: idt,
    refreshToken: refreshToken ? refreshTokenEntry(c, refreshToken, foci) : undefined,
    appMetadata,
  };
}
