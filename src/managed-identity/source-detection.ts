/**
 * Which managed identity source the process runs on, read from the environment in MSAL Python's order: Service
 * Fabric, App Service, Azure Machine Learning, Azure Arc, Cloud Shell, and otherwise the VM's IMDS.
 */
import { existsSync } from 'node:fs';

/**
 * The detected source, with MSAL Python's names (`msal.managed_identity.SERVICE_FABRIC`, ...), so a Python user
 * finds them. `DEFAULT_TO_VM` means nothing else was detected: IMDS is tried, which exists only on Azure VMs, scale
 * sets, AKS and the like.
 */
export type ManagedIdentitySource = 'SERVICE_FABRIC' | 'APP_SERVICE' | 'MACHINE_LEARNING' | 'AZURE_ARC' | 'CLOUD_SHELL' | 'DEFAULT_TO_VM';

/** The environment variables managed identity reads, as `process.env` holds them. */
export type ManagedIdentityEnvironment = Readonly<Record<string, string | undefined>>;

/** Where the Azure Connected Machine agent's himds binary lives when the Arc variables are not set. */
export interface HimdsPaths {
  readonly linux: string;
  readonly win32: string;
}

/** What detection needs besides the variables: the platform and a file check (seams for tests). */
export interface DetectionHost {
  readonly platform: NodeJS.Platform;
  readonly fileExists: (path: string) => boolean;
  readonly himds: HimdsPaths;
}

/** The Azure Arc agent's local endpoint, used when himds is found by file rather than by variables. */
export const ARC_DEFAULT_ENDPOINT = 'http://localhost:40342/metadata/identity/oauth2/token';

/** The fixed himds locations (MSAL Python 1.31.1+; earlier versions looked in /var/opt by mistake). */
export function defaultHimdsPaths(environment: ManagedIdentityEnvironment): HimdsPaths {
  const programFiles = value(environment, 'ProgramFiles') ?? 'C:\\Program Files';
  return { linux: '/opt/azcmagent/bin/himds', win32: `${programFiles}\\AzureConnectedMachineAgent\\himds.exe` };
}

/** The host as it is: `process.platform` and `fs.existsSync`. */
export function defaultDetectionHost(environment: ManagedIdentityEnvironment): DetectionHost {
  return { platform: process.platform, fileExists: existsSync, himds: defaultHimdsPaths(environment) };
}

/** A variable's value; empty counts as unset. */
export function value(environment: ManagedIdentityEnvironment, name: string): string | undefined {
  const v = environment[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The Arc endpoint: `IDENTITY_ENDPOINT` when `IMDS_ENDPOINT` is also set, else the default one if himds exists. */
export function arcEndpoint(environment: ManagedIdentityEnvironment, host: DetectionHost): string | undefined {
  const identityEndpoint = value(environment, 'IDENTITY_ENDPOINT');
  if (identityEndpoint !== undefined && value(environment, 'IMDS_ENDPOINT') !== undefined) return identityEndpoint;
  const himds = host.platform === 'linux' ? host.himds.linux : host.platform === 'win32' ? host.himds.win32 : undefined;
  if (himds !== undefined && host.fileExists(himds)) return ARC_DEFAULT_ENDPOINT;
  return undefined;
}

/**
 * Detects the source. Reads only the variables (and, for Azure Arc without variables, whether the himds file exists).
 *
 * @param environment - Default `process.env`.
 * @param host - Platform and file check; default the real ones.
 */
export function detectManagedIdentitySource(
  environment: ManagedIdentityEnvironment = process.env,
  host: DetectionHost = defaultDetectionHost(environment),
): ManagedIdentitySource {
  const has = (name: string): boolean => value(environment, name) !== undefined;
  if (has('IDENTITY_ENDPOINT') && has('IDENTITY_HEADER')) {
    return has('IDENTITY_SERVER_THUMBPRINT') ? 'SERVICE_FABRIC' : 'APP_SERVICE';
  }
  if (has('MSI_ENDPOINT') && has('MSI_SECRET')) return 'MACHINE_LEARNING';
  if (arcEndpoint(environment, host) !== undefined) return 'AZURE_ARC';
  // MSAL Python checks AZUREPS_HOST_ENVIRONMENT; msal-node (and Azure Identity) MSI_ENDPOINT without MSI_SECRET.
  if ((value(environment, 'AZUREPS_HOST_ENVIRONMENT') ?? '').startsWith('cloud-shell') || has('MSI_ENDPOINT')) {
    return 'CLOUD_SHELL';
  }
  return 'DEFAULT_TO_VM';
}

/**
 * MSAL Python's `get_managed_identity_source()`: the source this environment names. `CLOUD_SHELL` tokens are the
 * signed-in user's; `DEFAULT_TO_VM` means nothing else was found and IMDS would be tried.
 *
 * @param environment - Default `process.env`.
 * @example
 * ```ts
 * if (getManagedIdentitySource() === 'APP_SERVICE') console.log('running on App Service');
 * ```
 */
export function getManagedIdentitySource(environment: ManagedIdentityEnvironment = process.env): ManagedIdentitySource {
  return detectManagedIdentitySource(environment);
}
