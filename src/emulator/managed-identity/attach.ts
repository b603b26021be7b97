/**
 * How `startEmulator` turns the `managedIdentity` option into running endpoints, and the methods the Emulator object
 * gets for them, so that server.ts needs only a few lines.
 */
import { join, resolve } from 'node:path';
import type { EmulatorContext } from '../context.js';
import type { Counters, FaultQueue } from '../faults.js';
import type { KeyAndCertificate } from '../pki.js';
import { startManagedIdentityEndpoints, type ManagedIdentityEndpoints } from './listener.js';
import type { EmulatorManagedIdentityEndpoint, EmulatorManagedIdentityOptions, EmulatorManagedIdentitySource, EmulatorRecordedRequest } from './types.js';

/** The managed identity methods of the Emulator object. */
export interface EmulatorManagedIdentityApi {
  managedIdentityEnvironment(source: EmulatorManagedIdentitySource): Record<string, string>;
  lastManagedIdentityRequest(endpoint: EmulatorManagedIdentityEndpoint): EmulatorRecordedRequest | undefined;
  setArcChallengeRealm(realm: string | undefined): void;
}

/** Checks the option before any I/O; returns the Arc key directory, or undefined when the endpoints are off. */
export function checkManagedIdentityOption(option: unknown, stateDir: string): string | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return join(stateDir, 'arc-tokens');
  if (typeof option !== 'object' || option === null) throw new TypeError('options.managedIdentity must be a boolean or an object');
  const dir = (option as EmulatorManagedIdentityOptions).arcKeyDirectory;
  if (dir !== undefined && (typeof dir !== 'string' || dir === '')) {
    throw new TypeError('options.managedIdentity.arcKeyDirectory must be a non-empty string');
  }
  return dir === undefined ? join(stateDir, 'arc-tokens') : resolve(dir);
}

/** Starts the endpoints when the option asks for them. */
export async function startManagedIdentityOption(
  arcKeyDirectory: string | undefined,
  shared: { ctx: EmulatorContext; faults: FaultQueue; counters: Counters; ca: KeyAndCertificate },
): Promise<ManagedIdentityEndpoints | undefined> {
  if (arcKeyDirectory === undefined) return undefined;
  return startManagedIdentityEndpoints({ ...shared, arcKeyDirectory });
}

/** The Emulator methods; they throw when the endpoints were not started. */
export function managedIdentityApi(endpoints: ManagedIdentityEndpoints | undefined): EmulatorManagedIdentityApi {
  const need = (): ManagedIdentityEndpoints => {
    if (endpoints === undefined) throw new TypeError('start the emulator with { managedIdentity: true } to use its managed identity endpoints');
    return endpoints;
  };
  return {
    managedIdentityEnvironment: (source) => need().environment(source),
    lastManagedIdentityRequest: (endpoint) => need().lastRequest(endpoint),
    setArcChallengeRealm: (realm) => need().setArcRealmOverride(realm),
  };
}
