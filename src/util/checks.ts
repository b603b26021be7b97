/**
 * The small checks that narrow untrusted or caller-supplied `unknown` values, shared by every folder so each check
 * means the same everywhere. Coded errors stay with the callers: a check that can fail takes the error to throw.
 */

/** A JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A caller's argument that must be a non-empty string.
 *
 * @throws TypeError naming `name` when it is anything else.
 */
export function requireNonEmptyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

/**
 * An optional string field: absent (`undefined` or `null`) reads as `undefined`, any other non-string is refused.
 *
 * @param wrongType - Builds the error to throw for a present value that is not a string.
 */
export function optionalString(value: unknown, wrongType: () => Error): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType();
  return value;
}

/** The empty string read as unset. */
export function nonEmptyOrUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The first segment of a URL's path (a tenant, for an authority URL), or `undefined` when the path is `/`. */
export function firstPathSegment(url: string): string | undefined {
  const segment = new URL(url).pathname.split('/')[1];
  return segment === undefined || segment === '' ? undefined : segment;
}
