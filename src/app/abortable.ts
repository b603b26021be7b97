/**
 * Abort handling for work a call shares with other calls: a region detection, or an identical token request already in
 * flight. Each caller's signal must end that caller's wait (and only that caller's), so a shared promise is raced
 * against the signal of each waiter instead of being aborted by one of them.
 */
import { RequestAbortedError } from '../errors.js';

/**
 * `promise`, or a RequestAbortedError as soon as `signal` aborts (the promise itself carries on).
 *
 * @param what - What was being waited for, for the error message.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, what = 'a shared request'): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new RequestAbortedError('aborted by the caller', { cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new RequestAbortedError(`aborted by the caller while waiting for ${what}`, { cause: signal.reason }));
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
 * Waits for an identical request another call started. Resolves `undefined` when that call was aborted by its own
 * caller (not by this one): the waiter then starts its own request instead of failing for someone else's abort.
 *
 * @throws RequestAbortedError when this caller's signal aborts; whatever else the shared request threw.
 */
export async function joinInFlight<T>(pending: Promise<T>, signal: AbortSignal | undefined): Promise<{ value: T } | undefined> {
  try {
    return { value: await untilAborted(pending, signal) };
  } catch (err) {
    if (err instanceof RequestAbortedError && signal?.aborted !== true) return undefined;
    throw err;
  }
}
