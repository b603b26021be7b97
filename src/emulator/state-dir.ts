/**
 * Where the emulator keeps its state (keys, CA, config) unless told otherwise. Its own small module so the CLI can
 * find the same folder without loading the emulator.
 */
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** The default state folder: one per local user under the temp folder. */
export function defaultStateDir(): string {
  let who: string;
  try {
    who = typeof process.getuid === 'function' ? String(process.getuid()) : userInfo().username;
  } catch {
    who = 'user';
  }
  return join(tmpdir(), `msal-ts-emulator-${who}`);
}
