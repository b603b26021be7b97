/**
 * Lazy access to koffi (the FFI module) and the native libraries the persistences and the lock call. Nothing here runs
 * at import time: the core package and an app that never touches an encrypted store or flock load no native code.
 */
import { createRequire } from 'node:module';
import { PersistenceUnavailableError } from '../errors.js';

/** A native function bound through koffi. Arguments and results are checked by the callers. */
export type NativeFunction = (...args: unknown[]) => unknown;

/** The part of koffi's API this package uses, typed without `any`. */
export interface Koffi {
  load(path: string): { func(definition: string): NativeFunction };
  struct(name: string, members: Record<string, unknown>): unknown;
  array(type: unknown, length: number): unknown;
  pointer(type: unknown): unknown;
  opaque(name: string): unknown;
  out(type: unknown): unknown;
  alloc(type: unknown, length: number): unknown;
  decode(value: unknown, type: string, length?: number): unknown;
  address(value: unknown): bigint;
  view(pointer: unknown, length: number): ArrayBuffer;
  errno(): number;
}

let cached: Koffi | undefined;

/**
 * Loads koffi once.
 *
 * @throws PersistenceUnavailableError (reason `native_library`) when koffi cannot be loaded on this platform.
 */
export function loadKoffi(): Koffi {
  if (cached !== undefined) return cached;
  try {
    // koffi is CommonJS; createRequire keeps this synchronous and out of the import graph of the core entry point.
    cached = createRequire(import.meta.url)('koffi') as Koffi;
  } catch (err) {
    throw new PersistenceUnavailableError(
      'native_library',
      'the koffi FFI module could not be loaded, so no native store or flock is available: reinstall msal-ts ' +
        'dependencies for this platform, or use FilePersistence',
      { cause: err },
    );
  }
  return cached;
}

/** Whether koffi has been loaded by this process (for tests that prove the core stays free of native code). */
export function isKoffiLoaded(): boolean {
  return cached !== undefined;
}

/**
 * Loads the first native library of `candidates` that opens.
 *
 * @throws PersistenceUnavailableError (reason `native_library`) naming `what` when none opens.
 */
export function loadLibrary(candidates: readonly string[], what: string): ReturnType<Koffi['load']> {
  const koffi = loadKoffi();
  let last: unknown;
  for (const name of candidates) {
    try {
      return koffi.load(name);
    } catch (err) {
      last = err;
    }
  }
  throw new PersistenceUnavailableError('native_library', `${what} could not be loaded (tried ${candidates.join(', ')})`, {
    cause: last,
  });
}
