/** The public option and handle types of the emulator. */
import type { EmulatorConfig, EmulatorConfigInput } from './config.js';
import type { EmulatorFault } from './faults.js';
import type { EmulatorManagedIdentityApi } from './managed-identity/attach.js';
import type { EmulatorManagedIdentityOptions } from './managed-identity/types.js';

/** Options of {@link startEmulator}. Every field is optional: `startEmulator()` alone gives a working tenant. */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; default 0 (the OS picks a free one). The host is always 127.0.0.1. */
  port?: number;
  /**
   * Where the CA, token signing key and the certificate app's credential are kept, so a user trusts the CA once.
   * Default: a per-user folder, `$XDG_STATE_HOME/msal-ts/emulator` (`~/.local/state/msal-ts/emulator`) on Linux (see
   * docs/emulator.md). Created 0700; refused (EmulatorStateError) when it is a link, another user's or writable by others.
   */
  stateDir?: string;
  /** Tenants, apps, users and resources merged over the defaults. */
  config?: EmulatorConfigInput;
  /** Access token lifetime in seconds; default 3600. Apps may override it (`accessTokenLifetimeSeconds`). */
  accessTokenLifetimeSeconds?: number;
  /** Id token lifetime in seconds; default 3600. */
  idTokenLifetimeSeconds?: number;
  /** Refresh token lifetime in seconds; default 90 days. */
  refreshTokenLifetimeSeconds?: number;
  /** Authorization code lifetime in seconds; default 600. */
  authorizationCodeLifetimeSeconds?: number;
  /** Device code lifetime in seconds; default 900. */
  deviceCodeLifetimeSeconds?: number;
  /** Device code polling interval in seconds; default 5. */
  deviceCodeIntervalSeconds?: number;
  /**
   * Access tokens at least this long-lived (seconds) come with `refresh_in` = half their lifetime, as Entra sends for
   * long-lived tokens; default 7200. 0 never sends `refresh_in`.
   */
  refreshInMinLifetimeSeconds?: number;
  /** The emulator's clock in seconds since the epoch (fractions allowed); default the system clock. */
  clock?: () => number;
  /**
   * Also serve the managed identity sources (IMDS, App Service, Azure ML, Azure Arc, Cloud Shell over http, Service
   * Fabric over https) on their own 127.0.0.1 listeners; see `managedIdentityEnvironment`. Default off.
   */
  managedIdentity?: boolean | EmulatorManagedIdentityOptions;
}

/**
 * A running emulator. The managed identity methods (`managedIdentityEnvironment(source)`: the variables that point a
 * client at one source; `lastManagedIdentityRequest(endpoint)`: what that endpoint last received;
 * `setArcChallengeRealm(realm)`: make Azure Arc challenges name `realm`, for tests of refused challenges) throw a
 * TypeError unless the emulator was started with `managedIdentity`.
 */
export interface Emulator extends EmulatorManagedIdentityApi {
  /** `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** The default tenant's authority: `url + '/' + tenant id`. */
  readonly authority: string;
  readonly port: number;
  /**
   * The admin API's secret, fresh on every start: send it as `Authorization: Bearer <adminToken>` to `/_emulator/…`.
   * The in-process methods below need none.
   */
  readonly adminToken: string;
  /** The PEM file of the emulator's CA; point NODE_EXTRA_CA_CERTS or REQUESTS_CA_BUNDLE at it. */
  readonly caPath: string;
  readonly caPem: string;
  /**
   * The public key of the CA that signs `token_type=ssh-cert` certificates, as an OpenSSH line (for sshd's
   * `TrustedUserCAKeys`). Kept in `<stateDir>/ssh-ca/`.
   */
  readonly sshCaPublicKey: string;
  readonly stateDir: string;
  /** The resolved directory (with secrets: this is in-process). */
  readonly config: EmulatorConfig;
  /** The authority for a tenant id, domain name, `common`, `organizations` or `consumers`. */
  authorityFor(tenant: string): string;
  /** Request counts per endpoint and per `token:<grant type>` since start or the last reset. */
  counters(): Record<string, number>;
  resetCounters(): void;
  /** Queues a fault for the next matching responses. Throws TypeError/RangeError on a bad description. */
  injectFault(fault: EmulatorFault): void;
  clearFaults(): void;
  /** Approves a pending device code as `username`. Throws RangeError when the code or user does not fit. */
  approveDeviceCode(userCode: string, username: string): void;
  /** Declines a pending device code; the client's next poll gets access_denied. */
  denyDeviceCode(userCode: string): void;
  /** Revokes every refresh token of a user (as a password reset would); returns how many. */
  revokeRefreshTokens(username: string): number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}
