/**
 * Azure regions for confidential clients (ESTS-R): which region to use, how to detect the one this machine runs in,
 * and the regional host a token request then goes to. Regional endpoints keep a service's token traffic inside its
 * region; Entra serves them to app-only (client credentials) requests of allow-listed apps.
 *
 * Detection reads `REGION_NAME` (App Service and Functions set it, e.g. "East US 2"), else asks the VM's instance
 * metadata service (IMDS) for its location, with a short timeout because off Azure that address does not answer.
 */
import type { HttpClient } from '../http/http-client.js';
import type { LogSink } from '../logger.js';

/** The `azureRegion` value that asks msal-ts to detect the region (MSAL Python's `ATTEMPT_REGION_DISCOVERY`). */
export const AZURE_REGION_AUTO_DETECT = 'auto';
/** The `azureRegion` value that turns regions off, even when `MSAL_FORCE_REGION` is set (as `false`). */
export const AZURE_REGION_DISABLED = 'disabled';

/** IMDS's location route, as MSAL Python asks it: plain text, e.g. `westus2`. */
export const IMDS_REGION_URL = 'http://169.254.169.254/metadata/instance/compute/location?format=text&api-version=2021-01-01';
/** How long detection waits for IMDS before giving up (then the global endpoint is used). */
export const IMDS_REGION_TIMEOUT_MS = 2000;

/** Hosts of the public cloud whose regional form is `{region}.login.microsoft.com`. */
const PUBLIC_CLOUD_HOSTS: ReadonlySet<string> = new Set(['login.microsoftonline.com', 'login.microsoft.com', 'login.windows.net', 'sts.windows.net']);

/** A region name is one DNS label: it becomes the first label of a host name. */
const REGION = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** What the region of an application resolves to, before detection. */
export type RegionChoice =
  | { readonly kind: 'off' }
  | { readonly kind: 'fixed'; readonly region: string; readonly source: 'option' | 'MSAL_FORCE_REGION' }
  | { readonly kind: 'detect'; readonly source: 'option' | 'MSAL_FORCE_REGION' };

/** Environment variables, as `process.env`. */
export type RegionEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * `region` when it is a usable region name (one lower-case DNS label), else `undefined`.
 *
 * @param region - A candidate name, e.g. `westus2`.
 */
export function normalizeRegion(region: string): string | undefined {
  const name = region.replaceAll(' ', '').toLowerCase();
  return REGION.test(name) ? name : undefined;
}

/**
 * The regional host of an authority host: `{region}.login.microsoft.com` for the public cloud's hosts, else
 * `{region}.{host}` (a port is kept). Pure.
 *
 * @param hostWithPort - The authority's host, with `:port` when not 443, e.g. `login.microsoftonline.com`.
 * @param region - A region name, e.g. `westus2`.
 * @returns The regional host, or `undefined` when the host cannot have one (an IP address: `westus2.10.0.0.1` is not
 *   a host name).
 * @throws TypeError when `region` is not a region name.
 * @example
 * ```ts
 * regionalHost('login.microsoftonline.com', 'westus2'); // 'westus2.login.microsoft.com'
 * regionalHost('login.chinacloudapi.cn', 'chinaeast2'); // 'chinaeast2.login.chinacloudapi.cn'
 * ```
 */
export function regionalHost(hostWithPort: string, region: string): string | undefined {
  if (typeof region !== 'string' || !REGION.test(region)) throw new TypeError('region must be a region name such as "westus2"');
  const lower = hostWithPort.toLowerCase();
  if (PUBLIC_CLOUD_HOSTS.has(lower)) return `${region}.login.microsoft.com`;
  const host = lower.startsWith('[') ? lower.slice(0, lower.indexOf(']') + 1) : lower.replace(/:\d+$/, '');
  if (host.startsWith('[') || IPV4.test(host)) return undefined;
  return `${region}.${lower}`;
}

/**
 * The regional form of a token endpoint: the path of the discovered (global) endpoint on the regional host of the
 * configured authority, or `undefined` when that host has no regional form.
 */
export function regionalTokenEndpoint(tokenEndpoint: string, authorityHostWithPort: string, region: string): string | undefined {
  const host = regionalHost(authorityHostWithPort, region);
  if (host === undefined) return undefined;
  const url = new URL(tokenEndpoint);
  return `https://${host}${url.pathname}${url.search}`;
}

/**
 * Resolves an application's `azureRegion` option against `MSAL_FORCE_REGION`: the option wins; `false` or
 * `'disabled'` turns regions off whatever the environment says; without the option, `MSAL_FORCE_REGION` decides.
 *
 * @throws TypeError naming `azureRegion` when it is neither a region name, `'auto'`, `'disabled'`, nor `false`.
 */
export function resolveRegionChoice(option: unknown, environment: RegionEnvironment, log: LogSink): RegionChoice {
  if (option === false || option === AZURE_REGION_DISABLED) return { kind: 'off' };
  if (option !== undefined) {
    if (typeof option !== 'string') throw new TypeError('azureRegion must be a region name, "auto", "disabled" or false');
    if (isAutoDetect(option)) return { kind: 'detect', source: 'option' };
    const region = normalizeRegion(option);
    if (region === undefined) throw new TypeError('azureRegion must be a region name such as "westus2", "auto", "disabled" or false');
    return { kind: 'fixed', region, source: 'option' };
  }
  const forced = environment['MSAL_FORCE_REGION'];
  if (forced === undefined || forced.trim() === '') return { kind: 'off' };
  if (isAutoDetect(forced)) return { kind: 'detect', source: 'MSAL_FORCE_REGION' };
  const region = normalizeRegion(forced);
  if (region === undefined) {
    // An environment variable is untrusted input: a malformed one must not break the app, only lose the region.
    log.warning('MSAL_FORCE_REGION is not a region name; using the global endpoint', {});
    return { kind: 'off' };
  }
  return { kind: 'fixed', region, source: 'MSAL_FORCE_REGION' };
}

function isAutoDetect(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === AZURE_REGION_AUTO_DETECT || v === 'tryautodetect';
}

/** Options of {@link detectRegion}. */
export interface DetectRegionOptions {
  readonly environment: RegionEnvironment;
  /** Sends the IMDS request; it is never retried nor throttled, and it must not go through a proxy. */
  readonly http: HttpClient;
  readonly log: LogSink;
  /** Default {@link IMDS_REGION_URL}. */
  readonly imdsUrl?: string | undefined;
  /** Default {@link IMDS_REGION_TIMEOUT_MS}. */
  readonly timeoutMs?: number | undefined;
}

/**
 * Detects the region this process runs in: `REGION_NAME` (spaces removed, lower-cased), else IMDS's location.
 *
 * @returns The region name, or `undefined` when neither says (off Azure, IMDS unreachable or slow, or an answer that
 *   is not a region name). Never throws.
 */
export async function detectRegion(options: DetectRegionOptions): Promise<string | undefined> {
  const { log } = options;
  const fromEnv = options.environment['REGION_NAME'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const region = normalizeRegion(fromEnv);
    if (region !== undefined) return region;
    log.warning('REGION_NAME is not a region name; asking IMDS instead', {});
  }
  const url = options.imdsUrl ?? IMDS_REGION_URL;
  try {
    const response = await options.http.send({
      method: 'GET',
      url,
      headers: { metadata: 'true' },
      signal: AbortSignal.timeout(options.timeoutMs ?? IMDS_REGION_TIMEOUT_MS),
    });
    if (response.status !== 200) {
      log.info('IMDS did not give a region; using the global endpoint', { status: response.status });
      return undefined;
    }
    const region = normalizeRegion(response.body.trim());
    if (region === undefined) log.warning('IMDS answered a location that is not a region name; using the global endpoint', {});
    return region;
  } catch (err) {
    log.info('IMDS is not reachable (not on an Azure VM?); using the global endpoint', {
      code: err instanceof Error && 'code' in err ? String(err.code) : 'unexpected',
    });
    return undefined;
  }
}
