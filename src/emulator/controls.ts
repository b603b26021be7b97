/**
 * The emulator's controls (faults, counters, device code approval, revocation), written once: the admin API serves
 * them over HTTP and the `Emulator` object exposes them in process.
 */
import type { EmulatorContext } from './context.js';
import { approveDeviceCode, denyDeviceCode } from './device-approval.js';
import type { AdminControls } from './endpoints/admin.js';
import { parseFault, type Counters, type FaultQueue } from './faults.js';

/** The controls both the admin API and the in-process `Emulator` offer. */
export type EmulatorControls = Omit<AdminControls, 'config' | 'adminToken'>;

/** The controls of one running emulator. */
export function emulatorControls(context: EmulatorContext, faults: FaultQueue, counters: Counters): EmulatorControls {
  return {
    injectFault: (fault) => faults.add(parseFault(fault)),
    pendingFaults: () => faults.list(),
    clearFaults: () => faults.clear(),
    counters: () => counters.snapshot(),
    resetCounters: () => counters.reset(),
    approveDeviceCode: (userCode, username) => approveDeviceCode(context, userCode, username),
    denyDeviceCode: (userCode) => denyDeviceCode(context, userCode),
    revokeRefreshTokens: (username) => context.stores.revokeUser(username),
  };
}
