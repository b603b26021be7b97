/**
 * {@link AuthorityMetadataCache}: in-memory memo of authority metadata for one application, so discovery runs once per
 * authority per process and concurrent first calls share one request.
 */
import { RequestAbortedError } from '../errors.js';
import { untilAborted } from '../util/in-flight.js';
import type { Authority } from './authority.js';
import { resolveAuthorityMetadata } from './discovery.js';
import type { AuthorityMetadata, ResolveAuthorityOptions } from './discovery.js';

/** Default number of authorities remembered (a multi-tenant daemon has one per customer tenant). */
export const DEFAULT_AUTHORITY_METADATA_ENTRIES = 1024;

/**
 * Remembers {@link AuthorityMetadata} per authority for the life of the object, as MSAL Python keeps it on its
 * `Authority` for the life of the app. Failures are not remembered: the next call tries again.
 *
 * The shared request runs without any caller's `signal`, so one caller giving up does not fail the others; each
 * caller's own `signal` still ends its wait with `RequestAbortedError`.
 *
 * @example
 * ```ts
 * const metadataCache = new AuthorityMetadataCache();
 * const meta = await metadataCache.resolve(authority, { http, httpCache });
 * ```
 */
export class AuthorityMetadataCache {
  readonly #entries = new Map<string, Promise<AuthorityMetadata>>();
  readonly #maxEntries: number;

  /**
   * @param options - `maxEntries`: most authorities remembered, the oldest forgotten first; default
   *   {@link DEFAULT_AUTHORITY_METADATA_ENTRIES}.
   * @throws RangeError when `maxEntries` is not a positive integer.
   */
  constructor(options: { maxEntries?: number | undefined } = {}) {
    const max = options.maxEntries ?? DEFAULT_AUTHORITY_METADATA_ENTRIES;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('options.maxEntries must be a positive integer');
    this.#maxEntries = max;
  }

  /**
   * The metadata of `authority`, from memory or from {@link resolveAuthorityMetadata}.
   *
   * @param authority - from `parseAuthority`.
   * @param options - as for {@link resolveAuthorityMetadata}; the first caller's `correlationId` and `headers` go on
   *   the shared request.
   * @throws whatever {@link resolveAuthorityMetadata} throws; RequestAbortedError when this caller's `signal` aborts.
   */
  resolve(authority: Authority, options: ResolveAuthorityOptions): Promise<AuthorityMetadata> {
    const signal = options.signal;
    if (signal?.aborted === true) {
      return Promise.reject(new RequestAbortedError('authority discovery aborted by the caller', { cause: signal.reason }));
    }
    const key = `${authority.kind} ${authority.url} ${String(options.instanceDiscovery ?? true)}`;
    let pending = this.#entries.get(key);
    if (pending === undefined) {
      const started = resolveAuthorityMetadata(authority, { ...options, signal: undefined });
      pending = started;
      this.#entries.set(key, started);
      started.catch(() => {
        if (this.#entries.get(key) === started) this.#entries.delete(key);
      });
      for (const oldest of this.#entries.keys()) {
        if (this.#entries.size <= this.#maxEntries) break;
        this.#entries.delete(oldest);
      }
    }
    return untilAborted(pending, signal, 'authority discovery aborted by the caller');
  }

  /** Forgets everything (e.g. after a tenant was re-homed). */
  clear(): void {
    this.#entries.clear();
  }
}
