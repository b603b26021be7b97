/**
 * Correlation ids: the UUID-shaped id each request carries, so a call can be found in the logs of both sides.
 */

let hex: readonly string[] = [];
let head = '';
let high = 0;
let low = 0;

/**
 * A new version 4 UUID: 74 random bits drawn once per process, then a 48-bit field that starts at a random value and
 * counts up, so every id is unique within the process and, through those random bits, across processes.
 *
 * A correlation id only has to be unique, never unguessable: it is a log key sent in the clear. Made this way it needs
 * no node:crypto, whose loading would cost a short-lived process that serves one token from its cache more than the
 * rest of the call, and it costs a fraction of crypto.randomUUID per call (a table lookup per byte).
 */
export function newCorrelationId(): string {
  if (head === '') {
    hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
    const byte = (): string => hex[Math.floor(Math.random() * 256)] ?? '00';
    const digit = (): string => byte().charAt(1);
    // xxxxxxxx-xxxx-4xxx-Vxxx-: version 4, variant 10xx.
    const variant = '89ab'.charAt(Math.floor(Math.random() * 4));
    head = `${byte()}${byte()}${byte()}${byte()}-${byte()}${byte()}-4${digit()}${byte()}-${variant}${digit()}${byte()}-`;
    high = Math.floor(Math.random() * 0x100_0000);
    low = Math.floor(Math.random() * 0x100_0000);
  }
  low = (low + 1) & 0xff_ffff;
  if (low === 0) high = (high + 1) & 0xff_ffff;
  const h = (v: number): string => hex[v] ?? '00';
  return head + h(high >>> 16) + h((high >>> 8) & 0xff) + h(high & 0xff) + h(low >>> 16) + h((low >>> 8) & 0xff) + h(low & 0xff);
}
