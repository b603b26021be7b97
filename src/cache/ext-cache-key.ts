/**
 * The extended cache key of an access token (`ext_cache_key`): a hash of the request fields that make a token
 * different from another one for the same client, tenant and scopes, such as a federated managed identity path
 * (`fmi_path`). Entries carrying one are keyed `...-atext-...-<hash>` and are served only to requests with the same
 * hash, as MSAL Python, .NET, Go and Node do. Same inputs, same hash in all of them.
 *
 * The hash: the components sorted by name (code point order, which is UTF-8 byte order), each appended as
 * `<UTF-8 byte length of name>:<name><UTF-8 byte length of value>:<value>`, SHA-256 of that, base64url without
 * padding, lower-cased. Empty values are left out; no component at all gives no key.
 *
 * MSAL Python 1.36 and 1.37 (and the other MSALs before the same fix) joined `<name><value>` without lengths, which can
 * make two different component sets collide; {@link legacyExtCacheKey} computes that older form so that entries they
 * wrote are still found. msal-ts writes only the current form.
 */
import { createHash } from 'node:crypto';

/** Components of an extended cache key, e.g. `{ fmi_path: 'agent/one' }`. */
export type ExtCacheKeyComponents = Readonly<Record<string, string>>;

function sortedNonEmpty(components: ExtCacheKeyComponents): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(components)) {
    if (typeof value !== 'string') throw new TypeError(`ext cache key component ${name} must be a string`);
    if (value !== '') pairs.push([name, value]);
  }
  // Code point order: JavaScript's default sort compares UTF-16 units, which differs for astral characters.
  return pairs.sort(([a], [b]) => compareCodePoints(a, b));
}

function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const cx = x[i]?.codePointAt(0) ?? 0;
    const cy = y[i]?.codePointAt(0) ?? 0;
    if (cx !== cy) return cx - cy;
  }
  return x.length - y.length;
}

function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url').toLowerCase();
}

/**
 * The extended cache key of a set of components, or `undefined` when there is none (no component, or only empty ones).
 *
 * @throws TypeError when a component value is not a string.
 */
export function extCacheKey(components: ExtCacheKeyComponents): string | undefined {
  const pairs = sortedNonEmpty(components);
  if (pairs.length === 0) return undefined;
  let text = '';
  for (const [name, value] of pairs) {
    text += `${Buffer.byteLength(name, 'utf8')}:${name}${Buffer.byteLength(value, 'utf8')}:${value}`;
  }
  return digest(text);
}

/**
 * The older, length-less form of {@link extCacheKey} (`<name><value>...`), for reading entries that MSAL Python 1.36
 * and 1.37 wrote. Never written.
 */
export function legacyExtCacheKey(components: ExtCacheKeyComponents): string | undefined {
  const pairs = sortedNonEmpty(components);
  if (pairs.length === 0) return undefined;
  return digest(pairs.map(([name, value]) => name + value).join(''));
}
