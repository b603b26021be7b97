/**
 * The few ASN.1 DER pieces the emulator's certificates are made of (X.690): writing tag-length-value items, and
 * reading back the items of a structure this module or openssl wrote. Not a general ASN.1 library: no indefinite
 * lengths, no multi-byte tags, no string types beyond the ones X.509 names and SANs use here.
 */

/** The encoded length of `n` content bytes: short form below 128, long form above. */
function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One DER item: `tag`, then the length of `content`, then `content`. */
export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(0x30, ...items);
export const set = (...items: Buffer[]): Buffer => tlv(0x31, ...items);
export const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);
export const booleanTrue = (): Buffer => tlv(0x01, Buffer.from([0xff]));
export const nullValue = (): Buffer => tlv(0x05);
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
/** [n] EXPLICIT: a constructed context-specific wrapper around complete items. */
export const explicit = (n: number, ...items: Buffer[]): Buffer => tlv(0xa0 | n, ...items);

/** A BIT STRING of whole bytes (no unused bits), as keys and signatures are. */
export const bitString = (bytes: Buffer): Buffer => tlv(0x03, Buffer.from([0]), bytes);

/** A non-negative INTEGER from its big-endian magnitude, in the minimal two's-complement form DER requires. */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const bytes = magnitude.subarray(start);
  const first = bytes[0] ?? 0;
  return tlv(0x02, ...(first >= 0x80 || bytes.length === 0 ? [Buffer.from([0])] : []), bytes);
}

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) throw new Error(`oid: ${dotted} is not a dotted object identifier`);
    return Number(arc);
  });
  const [first = 0, second = 0, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128: number[] = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) base128.unshift(0x80 | (v % 128));
    out.push(...base128);
  }
  return tlv(0x06, Buffer.from(out));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, in UTC. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  const year = date.getUTCFullYear();
  if (year < 1950) throw new RangeError('time: certificate dates before 1950 are not encoded');
  return year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}

/** One item read from DER: its tag, its whole encoding, and its content. */
export interface DerItem {
  tag: number;
  der: Buffer;
  content: Buffer;
}

/** Reads the item that starts at `offset` of `buf`. @throws Error when the bytes are not DER this module reads. */
export function readItem(buf: Buffer, offset = 0): DerItem {
  const tag = buf[offset];
  const first = buf[offset + 1];
  if (tag === undefined || first === undefined || (tag & 0x1f) === 0x1f) throw new Error('der: truncated or unsupported tag');
  let length = first;
  let header = 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || offset + 2 + count > buf.length) throw new Error('der: unsupported length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[offset + 2 + i] ?? 0);
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new Error('der: item runs past the end');
  return { tag, der: buf.subarray(offset, end), content: buf.subarray(offset + header, end) };
}

/** The items inside a constructed item (a SEQUENCE, a SET, an explicit tag). */
export function children(item: DerItem): DerItem[] {
  const out: DerItem[] = [];
  for (let offset = 0; offset < item.content.length; offset += out[out.length - 1]?.der.length ?? 0) {
    out.push(readItem(item.content, offset));
  }
  return out;
}
