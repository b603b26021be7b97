/**
 * IMDS's retry policy, as msal-node's ImdsRetryPolicy: IMDS documents 404 (identity not yet assigned), 410 (the
 * endpoint is being updated), 429 and 5xx as transient. Up to 3 retries with exponential backoff (1 s, 2 s, 4 s), or,
 * when the first failure is a 410, up to 7 retries 10 s apart. A `Retry-After` of at most 60 s replaces the computed
 * delay (msal-node ignores it); a longer one ends the retries so a call never hangs for minutes.
 */

const RETRY_STATUSES: ReadonlySet<number> = new Set([404, 408, 410, 429]);
const MAX_RETRIES = 3;
const MAX_RETRIES_GONE = 7;
const GONE_DELAY_MS = 10_000;
const MIN_BACKOFF_MS = 1000;
const DELTA_BACKOFF_MS = 2000;
const MAX_BACKOFF_MS = 4000;
const MAX_RETRY_AFTER_SECONDS = 60;

/** Whether IMDS's answer is one worth retrying. */
export function isRetriableImdsStatus(status: number): boolean {
  return RETRY_STATUSES.has(status) || (status >= 500 && status <= 599);
}

/**
 * The delay before retry number `retry` (0-based), or `undefined` for no more retries.
 *
 * @param firstStatus - Status of the first failed response (decides the budget).
 * @param status - Status of the latest response.
 * @param retry - How many retries were already made.
 * @param retryAfter - The latest response's `Retry-After`, in seconds, when it had one.
 */
export function imdsRetryDelay(firstStatus: number, status: number, retry: number, retryAfter: number | undefined): number | undefined {
  if (!isRetriableImdsStatus(status)) return undefined;
  if (retry >= (firstStatus === 410 ? MAX_RETRIES_GONE : MAX_RETRIES)) return undefined;
  if (retryAfter !== undefined) return retryAfter <= MAX_RETRY_AFTER_SECONDS ? retryAfter * 1000 : undefined;
  if (status === 410) return GONE_DELAY_MS;
  return retry === 0 ? MIN_BACKOFF_MS : Math.min(2 ** (retry - 1) * DELTA_BACKOFF_MS, MAX_BACKOFF_MS);
}
