/**
 * Scope rules, as MSAL Python applies them.
 *
 * User flows send the caller's scopes plus the reserved OIDC scopes (so an id token and a refresh token come back),
 * minus the app's `excludeScopes`. Client credentials send the caller's scopes unchanged.
 *
 * A `/.default` scope combined with other scopes of the same resource is left for the server to judge, as MSAL Python
 * does: Entra answers `invalid_scope` (AADSTS70011) with its own explanation, and other issuers have other rules, so a
 * client-side check could only be wrong in one direction or the other.
 */

/** The scopes every user flow adds itself; callers must not pass them. */
export const RESERVED_SCOPES: readonly string[] = Object.freeze(['openid', 'profile', 'offline_access']);

const RESERVED = new Set(RESERVED_SCOPES);
/** Their lengths: a scope of another length is not reserved, known without lower-casing it (a copy per call). */
const RESERVED_LENGTHS = new Set(RESERVED_SCOPES.map((s) => s.length));
const WHITESPACE = /\s/;
/** Up to this many scopes, duplicates are found by scanning the result, not with a Set (a request names one or two). */
const SCAN_LIMIT = 8;

/** Whether `scope` is one of {@link RESERVED_SCOPES}, in any case. */
export function isReservedScope(scope: string): boolean {
  return RESERVED_LENGTHS.has(scope.length) && RESERVED.has(scope.toLowerCase());
}

/**
 * Checks the caller's scopes: an array or Set of non-empty strings without whitespace.
 *
 * @param scopes - The caller's value.
 * @param name - The argument name used in error messages.
 * @returns The scopes, de-duplicated, in their first-seen order.
 * @throws TypeError naming the argument when it is a string (which would iterate as characters), not an array or
 *   Set, or holds a non-string or an empty string.
 * @throws RangeError naming the argument when a scope contains whitespace (a space-joined list in one element would
 *   be sent correctly but never match the cache).
 */
export function validateScopes(scopes: unknown, name = 'scopes'): string[] {
  if (typeof scopes === 'string') {
    throw new TypeError(`${name} must be an array of strings, not a string: use [${JSON.stringify(scopes)}]`);
  }
  if (!Array.isArray(scopes) && !(scopes instanceof Set)) {
    throw new TypeError(`${name} must be an array or Set of strings`);
  }
  const out: string[] = [];
  // A Set only for long lists; a cache hit checks its scopes on every call.
  const seen = (Array.isArray(scopes) ? scopes.length : scopes.size) > SCAN_LIMIT ? new Set<string>() : undefined;
  for (const scope of scopes as Iterable<unknown>) {
    if (typeof scope !== 'string' || scope.length === 0) {
      throw new TypeError(`${name} must hold non-empty strings only`);
    }
    if (WHITESPACE.test(scope)) {
      throw new RangeError(`${name} must not contain whitespace; pass each scope as its own element`);
    }
    if (seen === undefined ? out.includes(scope) : seen.has(scope)) continue;
    seen?.add(scope);
    out.push(scope);
  }
  return out;
}

/**
 * Checks an app's `excludeScopes` option: scopes of {@link RESERVED_SCOPES} the app does not want sent.
 *
 * @param excludeScopes - The option value; `undefined` means none.
 * @returns The scopes to exclude.
 * @throws TypeError naming `excludeScopes` for a wrong shape (see {@link validateScopes}).
 * @throws RangeError when it contains `openid`, which every user flow needs.
 */
export function validateExcludeScopes(excludeScopes: unknown): string[] {
  if (excludeScopes === undefined) return [];
  const scopes = validateScopes(excludeScopes, 'excludeScopes');
  if (scopes.some((s) => s.toLowerCase() === 'openid')) {
    throw new RangeError('excludeScopes must not contain "openid": every user flow needs it');
  }
  return scopes;
}

/**
 * The scopes a user flow sends: the caller's scopes plus `openid`, `profile` and `offline_access`, minus
 * `excludeScopes`.
 *
 * @param scopes - The caller's scopes (checked with {@link validateScopes}).
 * @param excludeScopes - Scopes to leave out (the app's `excludeScopes`), compared case-insensitively.
 * @returns The decorated scopes, caller's first, de-duplicated.
 * @throws TypeError naming `scopes` for a wrong shape.
 * @throws RangeError naming `scopes` when it contains a reserved scope: they are added automatically, and asking
 *   for them explicitly usually means the caller expects something else (MSAL Python raises ValueError here too).
 * @example
 * ```ts
 * scopeToWire(decorateScopes(['User.Read'])); // "User.Read offline_access openid profile"
 * ```
 */
export function decorateScopes(scopes: unknown, excludeScopes: Iterable<string> = []): string[] {
  const input = validateScopes(scopes);
  rejectReservedScopes(input);
  const excluded = normalizeScopes(excludeScopes);
  const out = new Set<string>();
  for (const scope of [...input, ...RESERVED_SCOPES]) {
    if (!excluded.has(scope.toLowerCase())) out.add(scope);
  }
  return [...out];
}

/**
 * The check {@link decorateScopes} makes of already validated scopes, for a caller that needs it on every call (a
 * silent cache hit) but the decorated list only when it sends a request.
 *
 * @throws RangeError naming `scopes` when it contains `openid`, `profile` or `offline_access`.
 */
export function rejectReservedScopes(input: readonly string[]): void {
  for (const scope of input) {
    if (isReservedScope(scope)) throw reservedScopesError(input);
  }
}

function reservedScopesError(input: readonly string[]): RangeError {
  const reserved = input.filter(isReservedScope);
  return new RangeError(
    `scopes must not contain ${reserved.map((s) => JSON.stringify(s)).join(', ')}: ` +
      `${RESERVED_SCOPES.join(', ')} are added automatically (use the app's excludeScopes option to leave ` +
      'profile or offline_access out)',
  );
}

/**
 * Serializes scopes for the `scope` form field: sorted (so equal sets give equal requests) and space-joined.
 *
 * @param scopes - The scopes to send.
 */
export function scopeToWire(scopes: Iterable<string>): string {
  return [...new Set(scopes)].sort().join(' ');
}

/**
 * Splits a `scope` string from a server (space-delimited per RFC 6749) into scopes.
 *
 * @param scope - The server's `scope` value.
 */
export function parseScopeString(scope: string): string[] {
  return [...new Set(scope.split(/\s+/).filter((s) => s.length > 0))];
}

/**
 * Lower-cases scopes into a Set, for comparisons: Entra treats scopes case-insensitively.
 *
 * @param scopes - The scopes.
 */
export function normalizeScopes(scopes: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const scope of scopes) out.add(scope.toLowerCase());
  return out;
}

/**
 * Tells whether two scope collections hold the same scopes, ignoring case, order and duplicates.
 *
 * @param a - One collection.
 * @param b - The other.
 */
export function scopeSetsEqual(a: Iterable<string>, b: Iterable<string>): boolean {
  const left = normalizeScopes(a);
  const right = normalizeScopes(b);
  return left.size === right.size && [...left].every((s) => right.has(s));
}

/**
 * Tells whether every scope of `requested` is in `granted`, ignoring case.
 *
 * @param requested - The scopes needed.
 * @param granted - The scopes a token carries.
 */
export function isScopeSubset(requested: Iterable<string>, granted: Iterable<string>): boolean {
  const have = normalizeScopes(granted);
  for (const scope of requested) {
    if (!have.has(scope.toLowerCase())) return false;
  }
  return true;
}
