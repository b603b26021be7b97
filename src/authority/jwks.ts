/**
 * The issuer's signing keys (JWKS, RFC 7517) from the discovery document's `jwks_uri`, fetched through the
 * HttpClient, kept per URI, and fetched again on a schedule (so a key the issuer withdrew stops being trusted) and once
 * when a token names a key id the cached set lacks (key rollover).
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { InvalidResponseError } from '../errors.js';
import type { HttpClient } from '../http/http-client.js';
import { isRecord } from '../util/checks.js';

/** The least time between two fetches of one JWKS caused by unknown key ids, so forged `kid`s cannot flood the issuer. */
export const JWKS_MIN_REFRESH_INTERVAL_MS = 60_000;

/**
 * The longest a fetched JWKS is trusted before it is fetched again: 24 hours, or the response's `Cache-Control: max-age`
 * when shorter (but never shorter than {@link JWKS_MIN_REFRESH_INTERVAL_MS}, so `max-age=0` cannot mean a fetch per token).
 */
export const JWKS_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Options of {@link JwksCache}. */
export interface JwksCacheOptions {
  http: HttpClient;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: (() => number) | undefined;
  /** See {@link JWKS_MIN_REFRESH_INTERVAL_MS}. */
  minRefreshIntervalMs?: number | undefined;
}

/** Per-request details of a fetch. */
export interface JwksRequestContext {
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
}

interface JwkEntry {
  readonly kid: string | undefined;
  readonly key: KeyObject;
}

interface KeySet {
  readonly keys: readonly JwkEntry[];
  readonly fetchedAt: number;
  /** When the set must be fetched again before it is used. */
  readonly expiresAt: number;
}

const SOURCE = 'JWKS document';
const MAX_URIS = 1024;

/**
 * Parses a JWKS document into public keys. Keys meant for encryption, and keys node:crypto cannot import, are skipped:
 * one odd key must not make the others unusable.
 *
 * @param body - The response body.
 * @param status - The HTTP status, for errors.
 * @throws InvalidResponseError when the body is not a JSON object with a `keys` array.
 */
export function parseJwks(body: string, status: number): Array<{ kid: string | undefined; key: KeyObject }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InvalidResponseError(SOURCE, `HTTP ${status}: the body is not JSON`, { status });
  }
  if (!isRecord(parsed) || !Array.isArray(parsed['keys'])) {
    throw new InvalidResponseError(SOURCE, `HTTP ${status}: no "keys" array`, { status });
  }
  const out: Array<{ kid: string | undefined; key: KeyObject }> = [];
  for (const jwk of parsed['keys'] as unknown[]) {
    if (!isRecord(jwk) || typeof jwk['kty'] !== 'string' || jwk['use'] === 'enc') continue;
    // A private member must never turn this into a private key import.
    const { d: _private, ...publicPart } = jwk;
    void _private;
    try {
      const key = createPublicKey({ key: publicPart as JsonWebKey, format: 'jwk' });
      out.push({ kid: typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined, key });
    } catch {
      continue;
    }
  }
  return out;
}

/** A per-application cache of issuers' signing keys. */
export class JwksCache {
  readonly #http: HttpClient;
  readonly #now: () => number;
  readonly #minRefresh: number;
  readonly #sets = new Map<string, KeySet>();
  readonly #pending = new Map<string, Promise<KeySet>>();

  /** @throws TypeError when `options.http` is not an HttpClient. */
  constructor(options: JwksCacheOptions) {
    if (typeof options?.http?.send !== 'function') throw new TypeError('options.http must be an HttpClient');
    this.#http = options.http;
    this.#now = options.now ?? Date.now;
    this.#minRefresh = options.minRefreshIntervalMs ?? JWKS_MIN_REFRESH_INTERVAL_MS;
  }

  /**
   * The keys that may have signed a token: those with its `kid` (fetching the set again, once per refresh interval,
   * when none has it), or every key when the token has no `kid`. A set older than its lifetime ({@link JWKS_MAX_AGE_MS})
   * is fetched again first; if that fetch fails, the error is thrown rather than the old keys trusted.
   *
   * @param jwksUri - The discovery document's `jwks_uri`.
   * @param kid - The token header's `kid`.
   * @param ctx - Correlation id, abort signal and headers of the request.
   * @returns The candidate keys; empty when the issuer publishes none with that `kid`.
   * @throws InvalidResponseError for a non-2xx or malformed JWKS; NetworkError, RequestTimeoutError,
   *   RequestAbortedError from the transport.
   */
  async keys(jwksUri: string, kid: string | undefined, ctx: JwksRequestContext = {}): Promise<KeyObject[]> {
    const cached = this.#sets.get(jwksUri);
    let set = cached !== undefined && this.#now() < cached.expiresAt ? cached : await this.#fetch(jwksUri, ctx);
    let found = select(set, kid);
    if (found.length === 0 && kid !== undefined && this.#now() - set.fetchedAt >= this.#minRefresh) {
      set = await this.#fetch(jwksUri, ctx);
      found = select(set, kid);
    }
    return found;
  }

  #fetch(jwksUri: string, ctx: JwksRequestContext): Promise<KeySet> {
    const pending = this.#pending.get(jwksUri);
    if (pending !== undefined) return pending;
    const started = this.#load(jwksUri, ctx).finally(() => this.#pending.delete(jwksUri));
    this.#pending.set(jwksUri, started);
    return started;
  }

  async #load(jwksUri: string, ctx: JwksRequestContext): Promise<KeySet> {
    const headers: Record<string, string> = { ...(ctx.headers ?? {}), accept: 'application/json' };
    if (ctx.correlationId !== undefined) headers['client-request-id'] = ctx.correlationId;
    const response = await this.#http.send({ method: 'GET', url: jwksUri, headers, signal: ctx.signal });
    if (response.status < 200 || response.status > 299) {
      throw new InvalidResponseError(SOURCE, `HTTP ${response.status} from the jwks_uri`, { status: response.status, correlationId: ctx.correlationId });
    }
    const fetchedAt = this.#now();
    const lifetime = Math.max(this.#minRefresh, Math.min(JWKS_MAX_AGE_MS, maxAgeMs(response.headers['cache-control'])));
    const set: KeySet = { keys: parseJwks(response.body, response.status), fetchedAt, expiresAt: fetchedAt + lifetime };
    if (this.#sets.size >= MAX_URIS) this.#sets.clear();
    this.#sets.set(jwksUri, set);
    return set;
  }
}

/** `max-age` of a Cache-Control header in milliseconds; Infinity when absent or malformed. Other directives are ignored. */
function maxAgeMs(cacheControl: string | undefined): number {
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(?:,|$)/i.exec(cacheControl ?? '');
  return match?.[1] === undefined ? Number.POSITIVE_INFINITY : Number(match[1]) * 1000;
}

function select(set: KeySet, kid: string | undefined): KeyObject[] {
  if (kid === undefined) return set.keys.map((k) => k.key);
  return set.keys.filter((k) => k.kid === kid).map((k) => k.key);
}
