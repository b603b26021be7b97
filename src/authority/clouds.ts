/**
 * The Microsoft clouds msal-ts knows without asking: their hosts and host aliases. Hard-coded so that apps on these
 * clouds need no instance-discovery request (the list changes rarely; instance discovery covers the rest).
 */

/** Host of the Azure public cloud. */
export const AZURE_PUBLIC = 'login.microsoftonline.com';
/** Host of Azure operated by 21Vianet (China). */
export const AZURE_CHINA = 'login.chinacloudapi.cn';
/** Host of Azure US Government. */
export const AZURE_US_GOVERNMENT = 'login.microsoftonline.us';

/** One Microsoft cloud as instance discovery describes it. */
export interface KnownCloud {
  /** Short name for humans. */
  readonly name: string;
  /** Host msal-ts sends requests to. */
  readonly preferred_network: string;
  /** Host other MSALs write into their caches as `environment`. */
  readonly preferred_cache: string;
  /** Every host that names this cloud; tokens from one alias are valid for all. */
  readonly aliases: readonly string[];
}

/** The Microsoft clouds known without instance discovery. */
export const KNOWN_CLOUDS: readonly KnownCloud[] = Object.freeze(
  [
    {
      name: 'public',
      preferred_network: 'login.microsoftonline.com',
      preferred_cache: 'login.windows.net',
      aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'],
    },
    {
      name: 'china',
      preferred_network: 'login.partner.microsoftonline.cn',
      preferred_cache: 'login.partner.microsoftonline.cn',
      aliases: ['login.partner.microsoftonline.cn', 'login.chinacloudapi.cn'],
    },
    {
      name: 'us-government',
      preferred_network: 'login.microsoftonline.us',
      preferred_cache: 'login.microsoftonline.us',
      aliases: ['login.microsoftonline.us', 'login.usgovcloudapi.net'],
    },
    {
      name: 'us-government-legacy',
      preferred_network: 'login-us.microsoftonline.com',
      preferred_cache: 'login-us.microsoftonline.com',
      aliases: ['login-us.microsoftonline.com'],
    },
  ].map((c) => Object.freeze({ ...c, aliases: Object.freeze(c.aliases) })),
);

/** Domains whose subdomains are Azure AD B2C instances (`contoso.b2clogin.com`). */
export const B2C_HOST_SUFFIXES: readonly string[] = Object.freeze(['b2clogin.com', 'b2clogin.cn', 'b2clogin.us', 'b2clogin.de']);

/** Domain whose subdomains are Entra External ID (CIAM) instances (`contoso.ciamlogin.com`). */
export const CIAM_HOST_SUFFIX = 'ciamlogin.com';

const CLOUD_BY_HOST: ReadonlyMap<string, KnownCloud> = new Map(KNOWN_CLOUDS.flatMap((c) => c.aliases.map((a) => [a, c])));

/**
 * The known cloud a host belongs to, or `undefined`.
 *
 * @param host - lower-case hostname without port.
 */
export function knownCloudOf(host: string): KnownCloud | undefined {
  return CLOUD_BY_HOST.get(host);
}

/**
 * The aliases of `host`, `host` first, from the hard-coded table; `[host]` for a host not in it.
 *
 * @param host - lower-case hostname without port.
 */
export function knownAliasesOf(host: string): string[] {
  const cloud = CLOUD_BY_HOST.get(host);
  return cloud === undefined ? [host] : [host, ...cloud.aliases.filter((a) => a !== host)];
}

/** Whether `host` is a B2C instance host (`*.b2clogin.{com,cn,us,de}`). */
export function isB2cHost(host: string): boolean {
  return B2C_HOST_SUFFIXES.some((suffix) => host.endsWith(`.${suffix}`));
}

/** Whether `host` is a CIAM instance host (`*.ciamlogin.com`). */
export function isCiamHost(host: string): boolean {
  return host.endsWith(`.${CIAM_HOST_SUFFIX}`);
}
