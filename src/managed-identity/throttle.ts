/**
 * MSAL Python's managed identity throttle: after an endpoint answers 429, 5xx or with `Retry-After`, the same request
 * is not sent again until `Retry-After` (default 5 s) has passed; the caller gets the same error at once. A success
 * is never remembered. Entries live in the user's `httpCache` when given (plain JSON, no secrets), else in memory.
 */
import { ServerError } from '../errors.js';
import { readExpiring, writeExpiring, type HttpCacheStore } from '../http/http-cache.js';
import { storeReady } from '../http/store-ready.js';

const DEFAULT_SECONDS = 5;

interface Remembered {
  status: number;
  error: string;
  error_description: string | undefined;
  retryAfter: number | undefined;
}

function isRemembered(value: unknown): value is Remembered {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.status === 'number' && typeof v.error === 'string';
}

/** Remembers throttling answers per request key. */
export class ManagedIdentityThrottle {
  readonly #store: HttpCacheStore;
  readonly #now: () => number;

  constructor(store: HttpCacheStore, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /** Awaits the store's `ready()`, when it has one (before each request). */
  ready(): Promise<void> {
    return storeReady(this.#store);
  }

  /** The remembered error for this request, when it is still in its quiet period. */
  check(key: string, correlationId: string): ServerError | undefined {
    const value = readExpiring(this.#store, key, { now: this.#now });
    if (!isRemembered(value)) return undefined;
    return new ServerError(value.status, { error: value.error, error_description: value.error_description }, { correlationId, retryAfter: value.retryAfter });
  }

  /** Remembers `err` when it asks the client to back off. */
  record(key: string, err: ServerError): void {
    if (err.status !== 429 && err.status < 500 && err.retryAfter === undefined) return;
    const value: Remembered = { status: err.status, error: err.error, error_description: err.error_description, retryAfter: err.retryAfter };
    writeExpiring(this.#store, key, value, this.#now() + (err.retryAfter ?? DEFAULT_SECONDS) * 1000, { now: this.#now });
  }
}
