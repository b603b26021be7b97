/**
 * Correlation ids: the random UUID (version 4) each request carries, so a call can be found in the logs of both sides.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A new version 4 UUID drawn from `Math.random`.
 *
 * A correlation id only has to be unique, never unguessable: it is a log key sent in the clear. `Math.random` (seeded
 * from the operating system's entropy in every process) gives that without loading node:crypto, which would cost a
 * short-lived process that serves one token from its cache more than the rest of the call.
 */
export function newCorrelationId(): string {
  const b: number[] = [];
  for (let i = 0; i < 16; i += 4) {
    const r = (Math.random() * 0x1_0000_0000) >>> 0;
    b.push(r & 0xff, (r >>> 8) & 0xff, (r >>> 16) & 0xff, r >>> 24);
  }
  const h = (i: number, v = b[i] ?? 0): string => HEX[v] ?? '00';
  return (
    h(0) + h(1) + h(2) + h(3) + '-' + h(4) + h(5) + '-' + h(6, ((b[6] ?? 0) & 0x0f) | 0x40) + h(7) + '-' +
    h(8, ((b[8] ?? 0) & 0x3f) | 0x80) + h(9) + '-' + h(10) + h(11) + h(12) + h(13) + h(14) + h(15)
  );
}
