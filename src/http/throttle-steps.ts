/**
 * The steps of {@link createThrottledHttpClient}'s `send`: the throttle keys of a request, replaying a remembered
 * failure, the bounded retry, and remembering a new failure. Loaded with the client's first request.
 */
import { createHash } from 'node:crypto';
import { NetworkError, RequestAbortedError } from '../errors.js';
import { parseRetryAfter } from './retry-after.js';
import type { Sleep } from '../util/sleep.js';
import { readExpiring, writeExpiring } from './http-cache.js';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';
import { THROTTLED_LOCALLY_HEADER, type ThrottleSettings } from './throttled-http-client.js';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const MAX_THROTTLE_SECONDS = 3600;
// Fields of an OAuth2 error body worth replaying; anything else (HTML, echoes of the request) is not stored.
const ERROR_FIELDS = ['error', 'error_description', 'error_codes', 'suberror', 'claims', 'timestamp', 'trace_id', 'correlation_id', 'error_uri'];

interface Remembered {
  status: number;
  body: string;
  expiresAt: number;
}

/** The remembered failure of an identical request, answered again without sending anything; or `undefined`. */
export function replayThrottled(t: ThrottleSettings, keys: ThrottleKeys, correlationId: string | undefined): HttpResponse | undefined {
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
export async function sendWithRetry(t: ThrottleSettings, inner: HttpClient, request: HttpRequest): Promise<HttpResponse> {
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
export function remember(t: ThrottleSettings, response: HttpResponse, keys: ThrottleKeys): void {
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

export interface ThrottleKeys {
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
