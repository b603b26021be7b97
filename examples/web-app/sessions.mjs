// Server-side sessions in Redis: the browser holds only a random id in an HttpOnly cookie; the sign-in state (the auth
// code flow, which holds the PKCE verifier) and the signed-in account live in Redis with a TTL, so every instance of
// the app sees the same sessions and Redis forgets abandoned ones by itself.
import { randomBytes } from 'node:crypto';

/** 256 random bits, base64url: what a session id looks like. Anything else is not looked up. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * @typedef {object} SessionData
 * @property {import('msal-ts').AuthCodeFlow} [flow] - between /login and /redirect
 * @property {import('msal-ts').Account} [account] - once signed in; `account.home_account_id` names the user's
 *   partition of the token cache
 */

/** Sessions as Redis strings (`<prefix>:session:<id>`, JSON) with a TTL. */
export class RedisSessionStore {
  /** @type {import('@redis/client').RedisClientType} */
  #redis;
  /** @type {string} */
  #prefix;

  /**
   * @param {import('@redis/client').RedisClientType} redis - a connected client
   * @param {string} prefix
   */
  constructor(redis, prefix) {
    this.#redis = redis;
    this.#prefix = `${prefix}:session:`;
  }

  /**
   * Stores a new session under a fresh random id. A new id on every sign-in step means a session id seen before
   * sign-in (session fixation) is worthless after it.
   *
   * @param {SessionData} data
   * @param {number} ttlSeconds
   * @returns {Promise<string>} the id
   */
  async create(data, ttlSeconds) {
    const id = randomBytes(32).toString('base64url');
    // NX: an id that already exists would mean a broken random source; refuse rather than share a session.
    const ok = await this.#redis.set(this.#prefix + id, JSON.stringify(data), { expiration: { type: 'EX', value: ttlSeconds }, condition: 'NX' });
    if (ok !== 'OK') throw new Error('session id collision');
    return id;
  }

  /**
   * @param {string | undefined} id
   * @returns {Promise<SessionData | undefined>} undefined when absent, expired or not a session id
   */
  async get(id) {
    if (id === undefined || !SESSION_ID.test(id)) return undefined;
    const text = await this.#redis.get(this.#prefix + id);
    if (typeof text !== 'string') return undefined;
    try {
      const data = JSON.parse(text);
      return typeof data === 'object' && data !== null ? data : undefined;
    } catch {
      return undefined;
    }
  }

  /** @param {string | undefined} id */
  async destroy(id) {
    if (id !== undefined && SESSION_ID.test(id)) await this.#redis.del(this.#prefix + id);
  }

  /**
   * The Redis key of a session, for operators and tests.
   *
   * @param {string} id
   */
  keyOf(id) {
    return this.#prefix + id;
  }
}

/**
 * The cookie's name: with the `__Host-` prefix over HTTPS, so a sibling subdomain cannot set or shadow it.
 *
 * @param {boolean} secure
 */
export function cookieName(secure) {
  return secure ? '__Host-web_app_session' : 'web_app_session';
}

/**
 * The value of one cookie of a request.
 *
 * @param {import('node:http').IncomingMessage} req
 * @param {string} name
 * @returns {string | undefined}
 */
export function readCookie(req, name) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * A `Set-Cookie` value for the session id: HttpOnly (no script reads it), SameSite=Lax (sent on the top-level
 * navigation back from the identity provider, not on cross-site POSTs), Secure over HTTPS.
 *
 * @param {string} name
 * @param {string} id - the session id; '' with maxAgeSeconds 0 clears the cookie
 * @param {number} maxAgeSeconds
 * @param {boolean} secure
 */
export function sessionCookie(name, id, maxAgeSeconds, secure) {
  return `${name}=${id}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
