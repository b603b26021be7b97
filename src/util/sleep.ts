/**
 * Waiting, made injectable so polling flows (device code) and retries can be tested without waiting in real time.
 * The one timer of src/: the applications' and managed identity's `sleep` option, http/'s retries, the lock's backoff.
 */
import { RequestAbortedError } from '../errors.js';

/** Waits `ms` milliseconds; rejects with a RequestAbortedError when `signal` aborts first. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real clock's sleep, abortable. */
export const defaultSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new RequestAbortedError('aborted by the caller', { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new RequestAbortedError('aborted by the caller', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
