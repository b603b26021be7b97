/**
 * MSAL Python's `SerializableTokenCache`: a {@link TokenCache} that can be written to and read from a string in the
 * unified MSAL cache format, to persist it wherever the app likes.
 */
import type { TokenCacheOptions } from './cache-types.js';
import { TOKEN_CACHE_OPTION_KEYS, TokenCache } from './token-cache.js';
import { checkOptionKeys, optionShape } from '../util/options.js';

const OPTIONS = optionShape<TokenCacheOptions>('SerializableTokenCache options', TOKEN_CACHE_OPTION_KEYS);

/**
 * A token cache with `serialize()` / `deserialize()`.
 *
 * - `serialize()` writes exactly what MSAL Python writes (keys, fields, numbers as strings, 4-space JSON) and keeps
 *   every unknown top-level section and unknown field it read; entries read under another MSAL's key keep that key
 *   until they are modified.
 * - `deserialize()` reads what MSAL Python, MSAL Node and MSAL .NET write. It parses the whole text before touching
 *   anything, so on a {@link CacheFormatError} the cache keeps its previous state.
 * - {@link TokenCache.hasStateChanged} is reset by both, and set by every change in between: persist only when it is
 *   true.
 *
 * @example
 * ```ts
 * const cache = new SerializableTokenCache();
 * if (existsSync(path)) cache.deserialize(readFileSync(path, 'utf8'));
 * // ... use the cache with an application ...
 * if (cache.hasStateChanged) writeFileSync(path, cache.serialize(), { mode: 0o600 });
 * ```
 */
export class SerializableTokenCache extends TokenCache {
  /**
   * @param options - an injectable clock, and whether lookups purge expired access tokens.
   * @throws TypeError for an unknown option or when `options.clock` has no `now` function.
   */
  constructor(options: TokenCacheOptions = {}) {
    // A subclass's options add keys of its own: it checks them itself.
    if (isExactly(new.target)) checkOptionKeys(options, OPTIONS);
    super(options);
  }

  /** The whole cache as JSON text. Resets {@link TokenCache.hasStateChanged}. */
  serialize(): string {
    const text = this.store.dump();
    this.hasStateChanged = false;
    return text;
  }

  /**
   * Replaces the whole cache with a serialized one (`""` means empty, as in MSAL Python). Resets
   * {@link TokenCache.hasStateChanged}.
   *
   * @throws TypeError when `text` is not a string.
   * @throws CacheFormatError when `text` is not JSON, not an object, has a known section that is not an object, or an
   *   entry that is not an object or holds a wrongly typed known field. The cache is then unchanged.
   */
  deserialize(text: string): void {
    if (typeof text !== 'string') throw new TypeError('text must be a string');
    this.store.load(text);
    this.hasStateChanged = false;
  }
}

/** Whether `target` is SerializableTokenCache itself (named outside the class body: see token-cache.ts's isExactly). */
function isExactly(target: unknown): boolean {
  return target === SerializableTokenCache;
}
