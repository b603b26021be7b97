/**
 * MSAL Python's `PopAuthScheme`: asks for a proof-of-possession access token bound to one HTTP request (method, URL
 * host and path, and the resource's nonce) in place of a Bearer token. Only a broker issues these, so it is accepted
 * by `PublicClientApplication` only while a broker is in use; elsewhere it is a `BrokerUnavailableError`.
 */

const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The request a proof-of-possession token is bound to.
 *
 * @example
 * ```ts
 * const authScheme = new PopAuthScheme(PopAuthScheme.HTTP_GET, 'https://graph.microsoft.com/v1.0/me', nonceFromResource);
 * const result = await app.acquireTokenInteractive(['User.Read'], { authScheme });
 * // result.token_type === 'pop'; send it as `Authorization: pop <access_token>`
 * ```
 */
export class PopAuthScheme {
  static readonly HTTP_GET = 'GET';
  static readonly HTTP_POST = 'POST';
  static readonly HTTP_PUT = 'PUT';
  static readonly HTTP_PATCH = 'PATCH';
  static readonly HTTP_DELETE = 'DELETE';

  /** Upper case, one of the `HTTP_*` constants. */
  readonly httpMethod: string;
  /** The resource URL; a broker binds the token to its host and path. */
  readonly url: URL;
  /** The nonce the resource handed out (in its `WWW-Authenticate` challenge). */
  readonly nonce: string;

  /**
   * @param httpMethod - The request's method, e.g. {@link PopAuthScheme.HTTP_GET}.
   * @param url - The request's absolute `https:` (or `http:`) URL.
   * @param nonce - The resource's nonce.
   * @throws TypeError naming the argument that is missing or malformed.
   */
  constructor(httpMethod: string, url: string | URL, nonce: string) {
    if (typeof httpMethod !== 'string' || !METHODS.has(httpMethod.toUpperCase())) {
      throw new TypeError(`httpMethod must be one of ${[...METHODS].join(', ')}`);
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError('url must be an absolute URL');
    }
    if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.host === '') {
      throw new TypeError('url must be an absolute http(s) URL with a host');
    }
    if (typeof nonce !== 'string' || nonce === '') throw new TypeError('nonce must be a non-empty string');
    this.httpMethod = httpMethod.toUpperCase();
    this.url = parsed;
    this.nonce = nonce;
  }
}
