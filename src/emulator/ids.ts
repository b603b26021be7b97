/**
 * Identifiers the emulator mints: random opaque values for codes and tokens, and deterministic GUIDs and pairwise
 * subjects so that the same app, user and tenant always get the same ids across restarts (caches stay valid).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Base64url without padding, as JWTs and client_info use. */
export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A random opaque value of `bytes` random bytes, base64url encoded. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A random GUID, for trace ids and correlation ids. */
export function randomGuid(): string {
  return randomUUID();
}

/** A GUID derived from `parts`, shaped like a version 4 GUID so that clients that check the shape accept it. */
export function deterministicGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x40;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Entra's `sub` is pairwise: the same user has a different subject for each app. */
export function pairwiseSubject(objectId: string, clientId: string): string {
  return createHash('sha256').update(`${objectId.toLowerCase()}|${clientId.toLowerCase()}`).digest('base64url').slice(0, 43);
}

/** A user code as Entra shows it: nine upper-case letters and digits, without look-alike characters. */
export function userCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(9);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length] ?? 'A';
  return out;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a GUID in its usual 8-4-4-4-12 form. */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}
