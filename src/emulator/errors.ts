/**
 * The emulator's own error. It extends the MsalError of the copy of errors.ts bundled into the msal-ts-emulator
 * package, not msal-ts's: match it by `code`, as msal-ts's CLI does.
 */
import { MsalError } from '../errors.js';

/**
 * The emulator's state folder (or a key in it) cannot be trusted: a symbolic link, another user's, or writable by
 * others. It holds the CA users trust, so the emulator refuses to start rather than load it.
 */
export class EmulatorStateError extends MsalError {
  readonly code = 'emulator_state' as const;
  /** The folder that failed the check. */
  readonly path: string;

  constructor(path: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.path = path;
  }
}
