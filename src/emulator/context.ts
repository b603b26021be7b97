/**
 * The state every endpoint handler works with: the directory, the signing key, the stores of issued grants, the
 * lifetimes and the clock. One per running emulator.
 */
import type { Directory } from './directory.js';
import type { SigningKey } from './jwt.js';
import type { SignInState } from './sign-in-state.js';
import type { SshCertificateAuthority } from './ssh-certificate.js';
import type { GrantStores } from './stores.js';

/** Lifetimes in seconds of what the emulator issues. */
export interface EmulatorLifetimes {
  accessToken: number;
  idToken: number;
  refreshToken: number;
  authorizationCode: number;
  deviceCode: number;
  deviceCodeInterval: number;
  /** Lifetimes from which `refresh_in` is sent; 0 for never. */
  refreshInMinLifetime: number;
}

/** What handlers share. `now()` is the emulator clock in seconds (injectable for tests). */
export interface EmulatorContext {
  readonly directory: Directory;
  readonly signingKey: SigningKey;
  /** Signs the SSH certificates of `token_type=ssh-cert` requests. */
  readonly sshCa: SshCertificateAuthority;
  readonly stores: GrantStores;
  /** Browser sessions, sign-ins in progress and consents of the interactive pages. */
  readonly signIn: SignInState;
  readonly lifetimes: EmulatorLifetimes;
  /** `https://127.0.0.1:PORT`, no trailing slash. */
  readonly baseUrl: string;
  now(): number;
}
