// Shared setup of the managed identity tests: an emulator with its managed identity endpoints on, a shared clock for
// the emulator and the clients, and a client factory that points a ManagedIdentityClient at one source in-process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator, type EmulatorManagedIdentitySource, type EmulatorOptions } from '../../src/emulator/index.js';
import { ManagedIdentityClient, type ManagedIdentity, type ManagedIdentityClientOptions } from '../../src/index.js';
import { setManagedIdentityTestSeams, type ManagedIdentityTestSeams } from '../../src/managed-identity/internal-seams.js';

export interface MiTestBed {
  emulator: Emulator;
  arcDir: string;
  /** Seconds since the epoch, shared by the emulator and every client made here. */
  clock: { now: number };
  /** Delays IMDS asked to wait, in milliseconds (no real waiting). */
  sleeps: number[];
  client(
    source: EmulatorManagedIdentitySource,
    identity: ManagedIdentity,
    options?: ManagedIdentityClientOptions,
    seams?: ManagedIdentityTestSeams,
  ): ManagedIdentityClient;
  total(): number;
  close(): Promise<void>;
}

export const VAULT = 'https://vault.azure.net';
export const ARM = 'https://management.azure.com/';

export async function startMiTestBed(options: EmulatorOptions = {}): Promise<MiTestBed> {
  const stateDir = mkdtempSync(join(tmpdir(), 'msal-ts-mi-state-'));
  const arcDir = mkdtempSync(join(tmpdir(), 'msal-ts-mi-arc-'));
  const clock = { now: 1_800_000_000 };
  const emulator = await startEmulator({ stateDir, clock: () => clock.now, managedIdentity: { arcKeyDirectory: arcDir }, ...options });
  const sleeps: number[] = [];
  return {
    emulator,
    arcDir,
    clock,
    sleeps,
    client(source, identity, extra = {}, seams = {}) {
      const client = new ManagedIdentityClient(identity, {
        environment: emulator.managedIdentityEnvironment(source),
        now: () => clock.now * 1000,
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
        ...extra,
      });
      setManagedIdentityTestSeams(client, {
        // The real platform's rules (Windows paths under node.exe), except macOS, which Arc does not support.
        platform: process.platform === 'win32' ? 'win32' : 'linux',
        arcKeyDirectory: arcDir,
        himdsPaths: { linux: join(arcDir, 'no-himds-here'), win32: join(arcDir, 'no-himds-here.exe') },
        ...seams,
      });
      return client;
    },
    total() {
      return Object.entries(emulator.counters())
        .filter(([k]) => k.startsWith('mi-'))
        .reduce((sum, [, v]) => sum + v, 0);
    },
    async close() {
      await emulator.close();
      rmSync(stateDir, { recursive: true, force: true });
      rmSync(arcDir, { recursive: true, force: true });
    },
  };
}

/** The payload of a JWT, unverified (the emulator signed it). */
export function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}
