/**
 * Test-only seams of {@link ManagedIdentityClient}, deliberately not part of its options nor exported from the
 * package: the Azure Arc key directory is fixed because it is the security property of the Arc challenge, so only
 * in-repository tests may move it (to a temporary folder the emulator writes into), together with the platform and
 * the himds location that detection checks.
 */
import type { HimdsPaths } from './source-detection.js';

/** What a test may replace. */
export interface ManagedIdentityTestSeams {
  platform?: NodeJS.Platform;
  /** The directory key files are read from, for every platform. */
  arcKeyDirectory?: string;
  himdsPaths?: HimdsPaths;
}

const seams = new WeakMap<object, ManagedIdentityTestSeams>();

/** Installs seams on a client; call before its first request or `getManagedIdentitySource()`. */
export function setManagedIdentityTestSeams(client: object, value: ManagedIdentityTestSeams): void {
  seams.set(client, { ...value });
}

/** The seams of a client, if a test installed any. */
export function testSeamsOf(client: object): ManagedIdentityTestSeams | undefined {
  return seams.get(client);
}
