/**
 * Throttling and a bounded retry around any {@link HttpClient}, as MSAL Python's `ThrottledHttpClient` plus the one
 * retry its default session makes.
 *
 * Throttling (POST only, state in the user's http cache, plain JSON):
 * - A 429, a 5xx, or any response with `Retry-After` is remembered under
 *   `POST {url} client_id={} scope={} hash={sha256(refresh_token|code|username)} 429/5xx/Retry-After` for
 *   `Retry-After` seconds (default 60 s for public clients, 5 s for confidential ones, at most 3600 s).
 * - An exact 400 without `Retry-After` ("UI required": `invalid_grant`, `interaction_required`...) is remembered under
 *   `POST {url} hash={sha256(the form minus client_assertion)} 400` for 60 s, except device code polling, whose 400s
 *   (`authorization_pending`) are the protocol.
 * - While an entry lives, the same request is answered locally with the remembered error and nothing is sent.
 *
 * Retry: a request whose answer is a 429 or 5xx, or that failed without any response (`NetworkError`: reset, refused,
 * truncated body), is sent again, at most `maxRetries` times (default 1), after `Retry-After` or `retryDelayMs`.
 * A `Retry-After` longer than `maxRetryAfterSeconds` (default 10) or a delay past the overall deadline ends the
 * retries. Timeouts and aborts are never retried. Token requests are safe to resend: the body is an immutable string
 * (rebuilt identically), and a code or refresh token redeemed twice at worst answers `invalid_grant`.
 */
import { SILENT_LOG, type LogSink } from '../logger.js';
import { defaultSleep, type Sleep } from '../util/sleep.js';
import type { HttpCacheStore } from './http-cache.js';
import { storeReady } from './store-ready.js';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';
import type * as ThrottleStepsModule from './throttle-steps.js';

type ThrottleSteps = typeof ThrottleStepsModule;

/** Options of {@link createThrottledHttpClient}. */
export interface ThrottleOptions {
  /** Where throttle state lives: the user's http cache. Default: a private in-memory Map. */
  store?: HttpCacheStore | undefined;
  /** Quiet period after a 429/5xx without `Retry-After`, in seconds. Default 60 (MSAL's public client value). */
  defaultThrottleSeconds?: number | undefined;
  /** Quiet period after a "UI required" 400, in seconds. Default 60. */
  uiRequiredSeconds?: number | undefined;
  /** Resends after a 429, 5xx or network failure. Default 1; 0 turns retrying off. */
  maxRetries?: number | undefined;
  /** Delay before a resend when the server gave no `Retry-After`, in milliseconds. Default 1000. */
  retryDelayMs?: number | undefined;
  /** The longest `Retry-After` worth waiting for in-process, in seconds. Default 10. */
  maxRetryAfterSeconds?: number | undefined;
  /** Overall deadline of one `send` including its retries, in milliseconds. Default 60000. */
  deadlineMs?: number | undefined;
  /** Clock, milliseconds since the epoch. Default `Date.now`. */
  now?: (() => number) | undefined;
  /** How a retry waits; must reject when the signal aborts. Default a real timer. */
  sleep?: Sleep | undefined;
  /** Where retries and local throttling are reported. */
  log?: LogSink | undefined;
}

/** Header set on a response replayed from the throttle state (it never came from the server). */
export const THROTTLED_LOCALLY_HEADER = 'x-msal-ts-throttled';

/**
 * Wraps `inner` with throttling and a bounded retry.
 *
 * @param inner - the transport (the user's or the default undici client).
 * @param options - store, durations, clock, sleep, logger.
 * @returns a client with the same contract as `inner`; throttled answers carry the {@link THROTTLED_LOCALLY_HEADER}.
 * @throws RangeError / TypeError when an option is malformed.
 * @example
 * ```ts
 * const http = createThrottledHttpClient(createHttpClient(), { store: httpCache, defaultThrottleSeconds: 5 });
 * ```
 */
export function createThrottledHttpClient(inner: HttpClient, options: ThrottleOptions = {}): HttpClient {
  if (typeof inner !== 'object' || inner === null || typeof inner.send !== 'function') {
    throw new TypeError('inner must be an HttpClient (an object with send(request))');
  }
  const t = throttleSettings(options);
  return {
    send: async (request: HttpRequest): Promise<HttpResponse> => {
      await storeReady(t.store);
      const { throttleKeys, replayThrottled, sendWithRetry, remember } = await throttling();
      const keys = request.method === 'POST' ? throttleKeys(request) : undefined;
      const replayed = keys === undefined ? undefined : replayThrottled(t, keys, request.headers['client-request-id']);
      if (replayed !== undefined) return replayed;
      const response = await sendWithRetry(t, inner, request);
      if (keys !== undefined) remember(t, response, keys);
      return response;
    },
  };
}

/** The throttle and retry steps, loaded with the first request (a process that never sends one never loads them). */
function throttling(): Promise<ThrottleSteps> {
  return import('./throttle-steps.js');
}

/** The options, checked, with their defaults. */
export interface ThrottleSettings {
  store: HttpCacheStore;
  now: () => number;
  sleep: Sleep;
  log: LogSink;
  defaultSeconds: number;
  uiRequiredSeconds: number;
  maxRetries: number;
  retryDelayMs: number;
  maxRetryAfter: number;
  deadlineMs: number;
}

function throttleSettings(options: ThrottleOptions): ThrottleSettings {
  return {
    store: options.store ?? new Map<string, unknown>(),
    now: options.now ?? Date.now,
    sleep: options.sleep ?? defaultSleep,
    log: options.log ?? SILENT_LOG,
    defaultSeconds: nonNegative('defaultThrottleSeconds', options.defaultThrottleSeconds, 60),
    uiRequiredSeconds: nonNegative('uiRequiredSeconds', options.uiRequiredSeconds, 60),
    maxRetries: nonNegative('maxRetries', options.maxRetries, 1),
    retryDelayMs: nonNegative('retryDelayMs', options.retryDelayMs, 1000),
    maxRetryAfter: nonNegative('maxRetryAfterSeconds', options.maxRetryAfterSeconds, 10),
    deadlineMs: nonNegative('deadlineMs', options.deadlineMs, 60_000),
  };
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`options.${name} must be a non-negative finite number`);
  }
  return value;
}
