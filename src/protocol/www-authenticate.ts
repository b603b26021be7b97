/**
 * A resource's `WWW-Authenticate` challenge (RFC 9110 section 11.6.1), for the claims challenges of continuous access
 * evaluation: `Bearer realm="", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsi..."`. The `claims`
 * parameter is base64 (standard or url-safe) JSON, handed to `claimsChallenge` as is after decoding.
 *
 * The header is untrusted: anything unparseable yields no challenge rather than an exception.
 */
import { InvalidResponseError } from '../errors.js';

/** One challenge: its scheme and its parameters (names lower-cased, quoted values unescaped). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

const MAX_HEADER_LENGTH = 16 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * Parses a `WWW-Authenticate` header value into its challenges. Token68 forms (`Basic abc==`) keep no parameters.
 *
 * @param header - The header value; several challenges may be comma-separated.
 * @returns The challenges in order; `[]` for an empty, oversized or unparseable header.
 */
export function parseWwwAuthenticate(header: unknown): AuthChallenge[] {
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return [];
  const out: AuthChallenge[] = [];
  let rest = header;
  let current: AuthChallenge | undefined;
  for (;;) {
    rest = rest.replace(/^[\s,]+/, '');
    if (rest === '') return out;
    const name = TOKEN.exec(rest)?.[0];
    if (name === undefined) return out;
    rest = rest.slice(name.length);
    const afterSpaces = rest.replace(/^[ \t]+/, '');
    if (!afterSpaces.startsWith('=')) {
      // A new scheme.
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
      rest = afterSpaces;
      const token68 = /^[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/.exec(rest);
      if (token68 !== null && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\s*=[^=]/.test(rest)) rest = rest.slice(token68[0].length);
      continue;
    }
    rest = afterSpaces.slice(1).replace(/^[ \t]+/, '');
    let value: string;
    if (rest.startsWith('"')) {
      const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
      if (quoted === null) return out;
      value = (quoted[1] ?? '').replace(/\\(.)/g, '$1');
      rest = rest.slice(quoted[0].length);
    } else {
      value = TOKEN.exec(rest)?.[0] ?? '';
      rest = rest.slice(value.length);
    }
    if (current === undefined) return out;
    current.params[name.toLowerCase()] = value;
  }
}

/**
 * The claims challenge of a `WWW-Authenticate` header: the decoded `claims` parameter of its Bearer challenge.
 *
 * @param header - The resource's `WWW-Authenticate` header value.
 * @returns The claims JSON text to pass as `claimsChallenge`, or `undefined` when the header carries none.
 * @throws InvalidResponseError when a `claims` parameter is present but is not base64 of a JSON object.
 * @example
 * ```ts
 * const claims = claimsChallengeFrom(res.headers['www-authenticate']);
 * if (claims) await app.acquireTokenSilent(scopes, { account, claimsChallenge: claims });
 * ```
 */
export function claimsChallengeFrom(header: unknown): string | undefined {
  const bearer = parseWwwAuthenticate(header).find((c) => c.scheme === 'bearer' && c.params['claims'] !== undefined);
  const encoded = bearer?.params['claims'];
  if (encoded === undefined) return undefined;
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(encoded)) throw new InvalidResponseError('WWW-Authenticate claims', 'not base64');
  const text = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidResponseError('WWW-Authenticate claims', 'not base64 of JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidResponseError('WWW-Authenticate claims', 'not a JSON object');
  }
  return text;
}
