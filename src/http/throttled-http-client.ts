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
import { createHash } from 'node:crypto';
import { NetworkError, RequestAbortedError } from '../errors.js';
import { SILENT_LOG, type LogSink } from '../logger.js';
import { parseRetryAfter } from './retry-after.js';
import { defaultSleep, type Sleep } from '../util/sleep.js';
import { readExpiring, writeExpiring, type HttpCacheStore } from './http-cache.js';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';

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

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const MAX_THROTTLE_SECONDS = 3600;
// Fields of an OAuth2 error body worth replaying; anything else (HTML, echoes of the request) is not stored.
const ERROR_FIELDS = ['error', 'error_description', 'error_codes', 'suberror', 'claims', 'timestamp', 'trace_id', 'correlation_id', 'error_uri'];

interface Remembered {
  status: number;
  body: string;
  expiresAt: number;
}

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
      const keys = request.method === 'POST' ? throttleKeys(request) : undefined;
      const replayed = keys === undefined ? undefined : replayThrottled(t, keys, request.headers['client-request-id']);
      if (replayed !== undefined) return replayed;
      const response = await sendWithRetry(t, inner, request);
      if (keys !== undefined) remember(t, response, keys);
      return response;
    },
  };
}

/** The options, checked, with their defaults. */
interface ThrottleSettings {
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

/** The remembered failure of an identical request, answered again without sending anything; or `undefined`. */
function replayThrottled(t: ThrottleSettings, keys: ThrottleKeys, correlationId: string | undefined): HttpResponse | undefined {
  const { now } = t;
  for (const key of [keys.transient, keys.uiRequired]) {
    const hit = toRemembered(readExpiring(t.store, key, { now }));
    if (hit === undefined) continue;
    const wait = Math.max(1, Math.ceil((hit.expiresAt - now()) / 1000));
    t.log.warning('request throttled locally: the previous identical request failed; nothing sent', {
      correlationId,
      status: hit.status,
      retryAfterSeconds: wait,
    });
    return {
      status: hit.status,
      headers: { 'content-type': 'application/json', 'retry-after': String(wait), [THROTTLED_LOCALLY_HEADER]: '1' },
      body: hit.body,
    };
  }
  return undefined;
}

/** Sends, retrying a network failure or a transient status within the retry count and the deadline. */
async function sendWithRetry(t: ThrottleSettings, inner: HttpClient, request: HttpRequest): Promise<HttpResponse> {
  const { now, retryDelayMs, maxRetries, deadlineMs } = t;
  const correlationId = request.headers['client-request-id'];
  const started = now();
  let retries = 0;
  for (;;) {
    let response: HttpResponse;
    try {
      response = await inner.send(request);
    } catch (err) {
      // Only a failure without any answer is transient; timeouts may still be running server-side, aborts are final.
      if (!(err instanceof NetworkError) || retries >= maxRetries || now() + retryDelayMs - started > deadlineMs) throw err;
      retries += 1;
      t.log.info('network failure; retrying once', { correlationId, code: err.code, attempt: retries });
      await pause(t.sleep, retryDelayMs, request.signal, correlationId);
      continue;
    }
    const transient = response.status === 429 || response.status >= 500;
    if (transient && retries < maxRetries) {
      const retryAfter = parseRetryAfter(response.headers['retry-after'], now());
      const delay = retryAfter === undefined ? retryDelayMs : retryAfter * 1000;
      const withinBudget = now() + delay - started <= deadlineMs;
      if ((retryAfter === undefined || retryAfter <= t.maxRetryAfter) && withinBudget) {
        retries += 1;
        t.log.info('transient HTTP status; retrying', { correlationId, status: response.status, delayMs: delay, attempt: retries });
        await pause(t.sleep, delay, request.signal, correlationId);
        continue;
      }
    }
    return response;
  }
}

/** Remembers a failure so that an identical request is answered locally until its throttle expires. */
function remember(t: ThrottleSettings, response: HttpResponse, keys: ThrottleKeys): void {
  const { now } = t;
  const retryAfterHeader = response.headers['retry-after'];
  let key: string;
  let seconds: number;
  // A success is never replayed (it would hold tokens), even with Retry-After.
  if (response.status < 400) return;
  if (response.status === 429 || response.status >= 500 || retryAfterHeader !== undefined) {
    key = keys.transient;
    seconds = Math.min(MAX_THROTTLE_SECONDS, parseRetryAfter(retryAfterHeader, now()) ?? t.defaultSeconds);
  } else if (response.status === 400 && !keys.deviceCode) {
    key = keys.uiRequired;
    seconds = t.uiRequiredSeconds;
  } else {
    return;
  }
  if (seconds <= 0) return;
  const expiresAt = now() + seconds * 1000;
  const value: Remembered = { status: response.status, body: errorBodyOf(response.body), expiresAt };
  try {
    writeExpiring(t.store, key, value, expiresAt, { now });
  } catch (err) {
    // A user store that refuses writes costs the throttle, not the request.
    t.log.warning('http cache refused the throttle entry', { reason: err instanceof Error ? err.name : 'unknown' });
  }
}

interface ThrottleKeys {
  transient: string;
  uiRequired: string;
  deviceCode: boolean;
}

/** MSAL Python's two throttle keys for a form-encoded POST. Secrets enter only as SHA-256 digests. */
export function throttleKeys(request: Pick<HttpRequest, 'url' | 'body'>): ThrottleKeys {
  const form = new URLSearchParams(request.body ?? '');
  const account = form.get('refresh_token') ?? form.get('code') ?? form.get('username') ?? '';
  const transient =
    `POST ${request.url} client_id=${form.get('client_id') ?? ''} scope=${form.get('scope') ?? ''} ` + `hash=${sha256(account)} 429/5xx/Retry-After`;
  // A fresh client assertion (new jti, iat) per attempt must not make the same request look new.
  form.delete('client_assertion');
  form.sort();
  const uiRequired = `POST ${request.url} hash=${sha256(form.toString())} 400`;
  return { transient, uiRequired, deviceCode: form.get('grant_type') === DEVICE_CODE_GRANT };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Keeps only the OAuth2 error fields of a body (no HTML, nothing else the server echoed); `''` when there are none. */
function errorBodyOf(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return '';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return '';
  const source = parsed as Record<string, unknown>;
  if (typeof source['error'] !== 'string') return '';
  const kept: Record<string, unknown> = {};
  for (const field of ERROR_FIELDS) if (source[field] !== undefined) kept[field] = source[field];
  return JSON.stringify(kept);
}

function toRemembered(value: unknown): Remembered | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['status'] !== 'number' || typeof v['body'] !== 'string' || typeof v['expiresAt'] !== 'number') return undefined;
  return { status: v['status'], body: v['body'], expiresAt: v['expiresAt'] };
}

async function pause(sleep: Sleep, ms: number, signal: AbortSignal | undefined, correlationId: string | undefined): Promise<void> {
  if (signal?.aborted === true) throw new RequestAbortedError('aborted by the caller before a retry', { cause: signal.reason, correlationId });
  try {
    await sleep(ms, signal);
  } catch (err) {
    if (err instanceof RequestAbortedError) throw err;
    throw new RequestAbortedError('aborted by the caller while waiting to retry', { cause: err, correlationId });
  }
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`options.${name} must be a non-negative finite number`);
  }
  return value;
}
