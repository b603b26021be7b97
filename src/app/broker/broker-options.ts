/**
 * Whether a `PublicClientApplication` uses its broker, decided at construction as MSAL Python decides it: a flag counts
 * only on its own platform (`enableBrokerOnLinux` also covers WSL, `enableBrokerOnWsl` only WSL), and never for ADFS,
 * B2C or generic OIDC authorities. A flag that applies with no broker to use is an error that says how to proceed (MSAL
 * Python's "pip install msal[broker]"); a flag for another platform is ignored. No I/O: reading the OS release to
 * recognise WSL is synchronous and happens only when a Linux or WSL flag is set.
 */
import { release } from 'node:os';
import type { Authority } from '../../authority/authority.js';
import { BrokerUnavailableError, type BrokerOption } from '../../errors.js';
import type { OptionKeys } from '../../util/options.js';
import type { Broker } from './broker.js';

/** The platforms MSAL Python's broker flags name; `other` for the rest (FreeBSD, ...). */
export type BrokerPlatform = 'windows' | 'mac' | 'linux' | 'wsl' | 'other';

/** The broker options of `PublicClientApplication`. */
export interface BrokerOptions {
  /** Sign in through WAM when running on Windows (MSAL Python's `enable_broker_on_windows`). */
  enableBrokerOnWindows?: boolean | undefined;
  /** Sign in through the macOS broker when running on macOS. */
  enableBrokerOnMac?: boolean | undefined;
  /** Sign in through Microsoft's identity broker when running on Linux, WSL included. */
  enableBrokerOnLinux?: boolean | undefined;
  /** Sign in through the broker when running on WSL only (WAM on the Windows host, reached from WSL). */
  enableBrokerOnWsl?: boolean | undefined;
  /**
   * The broker implementation the flags refer to: msal-ts ships none (see docs/design.md, "Broker seam"). Used only
   * when a flag applies to the running platform.
   */
  broker?: Broker | undefined;
  /** The platform the flags are read against; default the running one. For tests. */
  brokerPlatform?: BrokerPlatform | undefined;
}

/** Every key of {@link BrokerOptions}, for the constructor's option-key check. */
export const BROKER_OPTION_KEYS: OptionKeys<BrokerOptions> = {
  enableBrokerOnWindows: true,
  enableBrokerOnMac: true,
  enableBrokerOnLinux: true,
  enableBrokerOnWsl: true,
  broker: true,
  brokerPlatform: true,
};

const PLATFORMS: ReadonlySet<string> = new Set(['windows', 'mac', 'linux', 'wsl', 'other']);
const BROKER_METHODS = ['signInInteractively', 'signInSilently', 'acquireTokenSilently', 'signOutSilently'] as const;

/** The running platform, WSL told apart from Linux by the kernel release (`...-microsoft-standard-WSL2`). */
export function currentBrokerPlatform(): BrokerPlatform {
  switch (process.platform) {
    case 'win32':
      return 'windows';
    case 'darwin':
      return 'mac';
    case 'linux':
      return /microsoft|wsl/i.test(release()) ? 'wsl' : 'linux';
    default:
      return 'other';
  }
}

/** The flag that enables the broker on `platform`, if the caller set one. */
function flagFor(options: BrokerOptions, platform: () => BrokerPlatform): BrokerOption | undefined {
  const { enableBrokerOnWindows: win, enableBrokerOnMac: mac, enableBrokerOnLinux: linux, enableBrokerOnWsl: wsl } = options;
  if (win !== true && mac !== true && linux !== true && wsl !== true) return undefined;
  const p = platform();
  if (win === true && p === 'windows') return 'enableBrokerOnWindows';
  if (mac === true && p === 'mac') return 'enableBrokerOnMac';
  if (linux === true && (p === 'linux' || p === 'wsl')) return 'enableBrokerOnLinux';
  if (wsl === true && p === 'wsl') return 'enableBrokerOnWsl';
  return undefined;
}

const PLATFORM_NAMES: Readonly<Record<BrokerPlatform, string>> = {
  windows: 'Windows',
  mac: 'macOS',
  linux: 'Linux',
  wsl: 'WSL',
  other: 'this platform',
};

function checkTypes(options: BrokerOptions): void {
  for (const key of ['enableBrokerOnWindows', 'enableBrokerOnMac', 'enableBrokerOnLinux', 'enableBrokerOnWsl'] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`options.${key} must be a boolean`);
  }
  if (options.brokerPlatform !== undefined && !PLATFORMS.has(options.brokerPlatform)) {
    throw new TypeError(`options.brokerPlatform must be one of ${[...PLATFORMS].join(', ')}`);
  }
  const broker: unknown = options.broker;
  if (broker === undefined) return;
  if (typeof broker !== 'object' || broker === null) throw new TypeError('options.broker must be a Broker object');
  const b = broker as Record<string, unknown>;
  for (const m of BROKER_METHODS) {
    if (typeof b[m] !== 'function') throw new TypeError(`options.broker.${m} must be a function (see the Broker interface)`);
  }
  if (b['initialize'] !== undefined && typeof b['initialize'] !== 'function') {
    throw new TypeError('options.broker.initialize must be a function when given');
  }
}

/**
 * The broker the app uses, or `undefined` when it signs in without one.
 *
 * @throws TypeError for a malformed flag, platform or broker; BrokerUnavailableError when a flag applies to this
 *   platform and authority but no `broker` was given.
 */
export function decideBroker(options: BrokerOptions, authority: Authority): Broker | undefined {
  checkTypes(options);
  const platform = (): BrokerPlatform => options.brokerPlatform ?? currentBrokerPlatform();
  const flag = flagFor(options, platform);
  // MSAL Python never uses a broker for these: the flag is ignored rather than refused.
  if (flag === undefined || authority.kind === 'adfs' || authority.kind === 'b2c' || authority.kind === 'oidc') return undefined;
  if (options.broker === undefined) {
    throw new BrokerUnavailableError(
      flag,
      `${flag} is set and this process runs on ${PLATFORM_NAMES[platform()]}, but no broker was given and msal-ts ships ` +
        'none. Pass a Broker implementation as the "broker" option (docs/design.md, "Broker seam"), or leave ' +
        `${flag} unset to sign in through the system browser or device code.`,
    );
  }
  return options.broker;
}
