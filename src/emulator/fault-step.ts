/**
 * The one way both listeners (the Entra endpoints and the managed identity endpoints) act on a fault taken from the
 * queue: reset the connection, wait out a delay, mark the response for truncation, or answer with the fault's own
 * response, which each listener renders in its own error dialect.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorFaultKind } from './faults.js';
import type { FaultDelays } from './fault-delays.js';
import type { EmulatorResponse } from './http.js';

/** What is left to do after a fault: nothing (the connection is gone), send this instead, or go on (maybe truncating). */
export type FaultStep = { kind: 'stop' } | { kind: 'send'; response: EmulatorResponse } | { kind: 'continue'; truncate: boolean };

/**
 * Applies `fault` (when one was taken) to the exchange.
 *
 * @param render - The listener's response for a fault that replaces the answer (`undefined` for the others).
 */
export async function applyFault(
  fault: EmulatorFaultKind | undefined,
  exchange: { req: IncomingMessage; res: ServerResponse },
  delays: FaultDelays,
  render: (fault: EmulatorFaultKind) => EmulatorResponse | undefined,
): Promise<FaultStep> {
  if (fault === undefined) return { kind: 'continue', truncate: false };
  if (fault.kind === 'reset') {
    exchange.req.socket.destroy();
    return { kind: 'stop' };
  }
  if (fault.kind === 'delay') {
    await delays.wait(fault.ms);
    if (exchange.res.destroyed) return { kind: 'stop' };
  }
  const response = render(fault);
  if (response !== undefined) return { kind: 'send', response };
  return { kind: 'continue', truncate: fault.kind === 'truncated' };
}
