/**
 * Work that concurrent calls share: an authority discovery, a region detection, or an identical token request already
 * in flight. Each caller's signal must end that caller's wait (and only that caller's), so a shared promise is raced
 * against the signal of each waiter instead of being aborted by one of them. Here, not in app/, because authority/
 * shares its discovery the same way and must not import from app/.
 */
import { RequestAbortedError } from '../errors.js';

/**
 * `promise`, or a RequestAbortedError as soon as `signal` aborts (the promise itself carries on).
 *
 * @param whileWaiting - The message of the error when `signal` aborts during the wait.
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  whileWaiting = 'aborted by the caller while waiting for a shared request',
): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new RequestAbortedError('aborted by the caller', { cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new RequestAbortedError(whileWaiting, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Runs `start` once for concurrent calls with the same `key` in `inFlight`. A call that finds an identical request in
 * flight waits for it instead; its own `signal` ends only its own wait, and when that request was aborted by its own
 * caller (not by this one) the call runs `retry` rather than failing for someone else's abort.
 *
 * @param retry - Starts the call over (the cache may now hold what the aborted request was after).
 * @throws RequestAbortedError when this caller's signal aborts while it waits; whatever `start` or `retry` throws.
 */
export async function shareInFlight<T>(
  inFlight: Map<string, Promise<T>>,
  key: string,
  signal: AbortSignal | undefined,
  start: () => Promise<T>,
  retry: () => Promise<T>,
): Promise<T> {
  const pending = inFlight.get(key);
  if (pending !== undefined) {
    let value: T;
    try {
      value = await untilAborted(pending, signal);
    } catch (err) {
      if (err instanceof RequestAbortedError && signal?.aborted !== true) return retry();
      throw err;
    }
    return value;
  }
  const started = start();
  inFlight.set(key, started);
  try {
    return await started;
  } finally {
    // Only our own entry: a caller that retried after our abort may have registered a newer request under the key.
    if (inFlight.get(key) === started) inFlight.delete(key);
  }
}
