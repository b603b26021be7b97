/** The `tokenCache` option of applications and the managed identity client, checked at construction. */
import { TokenCache } from './token-cache.js';

/**
 * `value` as a token cache, or `undefined` when absent. Checked at construction so that a wrong object fails there,
 * not at the first token request (a persistence or a plain object has none of the methods a request needs).
 *
 * @throws TypeError naming `tokenCache` when `value` is not a {@link TokenCache} (a SerializableTokenCache,
 *   PersistedTokenCache or DistributedTokenCache all are).
 */
export function checkTokenCache(value: unknown): TokenCache | undefined {
  if (value === undefined || value instanceof TokenCache) return value;
  const expected = 'tokenCache must be a TokenCache (SerializableTokenCache, PersistedTokenCache, DistributedTokenCache)';
  if (typeof value === 'object' && value !== null) {
    const maybe = value as { load?: unknown; save?: unknown };
    if (typeof maybe.load === 'function' && typeof maybe.save === 'function') {
      throw new TypeError(`${expected}; this is a persistence: pass new PersistedTokenCache(persistence)`);
    }
  }
  throw new TypeError(`${expected}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'a plain object';
}
