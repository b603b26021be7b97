/**
 * Authority parsing: from what the user wrote (`https://login.microsoftonline.com/contoso.onmicrosoft.com/`) to a
 * frozen descriptor that says which kind of identity provider it is and how the cache names it. No I/O here;
 * discovery.ts asks the network.
 */
import { AuthorityBuilder } from './authority-builder.js';
import { isB2cHost, isCiamHost, knownCloudOf } from './clouds.js';

/**
 * Which protocol dialect an authority speaks:
 * - `aad`: Microsoft Entra ID (work/school and personal accounts), any cloud or custom host validated by instance
 *   discovery.
 * - `adfs`: Active Directory Federation Services (tenant segment `adfs`).
 * - `b2c`: Azure AD B2C (`*.b2clogin.*` host, or a `b2c_` policy segment).
 * - `ciam`: Entra External ID (`*.ciamlogin.com`).
 * - `oidc`: any OpenID Connect provider, given as `oidcAuthority` (an issuer URL).
 * - `dsts`: Microsoft's Distributed Security Token Service, `https://<host>/dstsv2/<tenant>` (MSAL Python 1.32): an
 *   OpenID Connect issuer at that URL (no instance discovery, no `/v2.0`), single-tenant.
 */
export type AuthorityKind = 'aad' | 'adfs' | 'b2c' | 'ciam' | 'oidc' | 'dsts';

/** A parsed authority. Frozen; build one with {@link parseAuthority}. */
export interface Authority {
  readonly kind: AuthorityKind;
  /** Canonical URL: `https://`, lower-case host, port when not 443, path without trailing slash. */
  readonly url: string;
  /** Lower-case host name without port. This is the token cache's `environment`, as in MSAL Python. */
  readonly host: string;
  /** Host with `:port` when the port is not 443; what requests go to. */
  readonly hostWithPort: string;
  /**
   * First path segment as written (a GUID, a domain, `common`, `adfs`); for a path-less CIAM authority
   * `<subdomain>.onmicrosoft.com`; for dSTS the segment after `dstsv2`; `undefined` for `oidc`.
   */
  readonly tenant: string | undefined;
  /** Path without trailing slash, `''` or starting with `/`, e.g. `/contoso.onmicrosoft.com/b2c_1_signin`. */
  readonly path: string;
  /** A host Microsoft runs and msal-ts knows without instance discovery (known clouds, B2C and CIAM hosts). */
  readonly isKnownToMicrosoft: boolean;
  /** `aad` with tenant `common`, `organizations` or `consumers`: the real tenant is only known after sign-in. */
  readonly isTenantless: boolean;
}

/** Options of {@link parseAuthority}. */
export interface ParseAuthorityOptions {
  /** Treat the input as a generic OpenID Connect issuer (MSAL Python's `oidc_authority`). Default false. */
  oidcAuthority?: boolean | undefined;
}

const TENANTLESS = new Set(['common', 'organizations', 'consumers']);
/** The first path segment of a dSTS authority. */
const DSTS_SEGMENT = 'dstsv2';

/**
 * Parses and classifies an authority. Pure: no I/O.
 *
 * @param input - an https URL string, an {@link AuthorityBuilder} or a `URL`.
 * @param options - `oidcAuthority: true` for a generic OIDC issuer.
 * @returns a frozen {@link Authority}.
 * @throws TypeError naming `authority` when the input is not an https URL, has user info, a query or a fragment, has
 *   an empty path segment, or (for Microsoft kinds other than path-less CIAM) no tenant segment.
 *
 * @example
 * ```ts
 * parseAuthority('https://login.microsoftonline.com/contoso.onmicrosoft.com/').kind; // 'aad'
 * parseAuthority('https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin').kind; // 'b2c'
 * parseAuthority('https://co2agg04-passive-dsts.dsts.core.azure-test.net/dstsv2/7a433bfc-2514-4697-b467-e0933190487f').kind; // 'dsts'
 * ```
 */
export function parseAuthority(input: string | AuthorityBuilder | URL, options: ParseAuthorityOptions = {}): Authority {
  let text: string;
  if (typeof input === 'string') text = input;
  else if (input instanceof AuthorityBuilder) text = input.toString();
  else if (input instanceof URL) text = input.href;
  else throw new TypeError('authority must be a URL string, an AuthorityBuilder or a URL');
  const oidc = options.oidcAuthority === true;

  // One parse, and no getters for the query and fragment (the text check below covers them: a URL has either only if
  // its text has a '?' or '#'): each of Node's URL functions is compiled on its first use, in every process.
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`authority must be an https URL such as https://login.microsoftonline.com/<tenant>, got ${JSON.stringify(text)}`);
  }
  // Checked before anything that echoes the input: user info may hold a password.
  if (url.username !== '' || url.password !== '') throw new TypeError('authority must not contain user credentials');
  if (url.protocol !== 'https:') {
    throw new TypeError(`authority must use https:// (identity providers are only reached over TLS), got ${url.protocol}//${url.host}`);
  }
  if (text.includes('?') || text.includes('#')) {
    throw new TypeError(`authority must not have a query or fragment: ${text}`);
  }
  const host = url.hostname.toLowerCase();
  const hostWithPort = url.host.toLowerCase();

  const segments = url.pathname.split('/').slice(1);
  while (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();
  if (segments.includes('')) throw new TypeError(`authority has an empty path segment: ${text}`);

  const ciam = isCiamHost(host);
  let kind: AuthorityKind;
  let tenant: string | undefined;
  if (oidc) {
    kind = 'oidc';
    tenant = undefined;
  } else {
    if (segments.length === 0) {
      if (!ciam) {
        throw new TypeError(
          `authority needs a tenant path segment, e.g. https://${hostWithPort}/<tenant> ` +
            `(or https://<tenant>.b2clogin.com/<tenant>.onmicrosoft.com/<policy> for B2C), got ${text}`,
        );
      }
      segments.push(`${host.split('.')[0] ?? host}.onmicrosoft.com`);
    }
    tenant = segments[0];
    const policy = segments.length === 2 ? segments[1] : undefined;
    if (tenant?.toLowerCase() === DSTS_SEGMENT) {
      if (segments.length !== 2) {
        throw new TypeError(`a dSTS authority is https://<host>/dstsv2/<tenant>, with nothing after the tenant, got ${text}`);
      }
      kind = 'dsts';
      tenant = segments[1];
    } else if (ciam) kind = 'ciam';
    else if (isB2cHost(host) || policy?.toLowerCase().startsWith('b2c_') === true) kind = 'b2c';
    else if (tenant?.toLowerCase() === 'adfs') kind = 'adfs';
    else kind = 'aad';
  }

  const path = segments.length === 0 ? '' : `/${segments.join('/')}`;
  return Object.freeze({
    kind,
    url: `https://${hostWithPort}${path}`,
    host,
    hostWithPort,
    tenant,
    path,
    isKnownToMicrosoft: knownCloudOf(host) !== undefined || isB2cHost(host) || ciam,
    isTenantless: kind === 'aad' && tenant !== undefined && TENANTLESS.has(tenant.toLowerCase()),
  });
}

/**
 * The same authority with another tenant, for a per-call tenant override (a multi-tenant daemon acquiring tokens for
 * several customer tenants with one app). Only the first path segment changes.
 *
 * @param authority - an `aad` or `ciam` authority from {@link parseAuthority}.
 * @param tenant - a tenant GUID or domain (one path segment).
 * @returns a new frozen {@link Authority}.
 * @throws TypeError naming `authority` for `adfs`, `b2c` and `oidc` authorities (their path is not a tenant), naming
 *   `tenant` when it is not a single non-empty path segment.
 */
export function withTenant(authority: Authority, tenant: string): Authority {
  if (typeof authority !== 'object' || authority === null || typeof authority.url !== 'string') {
    throw new TypeError('authority must be an Authority from parseAuthority()');
  }
  if (authority.kind !== 'aad' && authority.kind !== 'ciam') {
    throw new TypeError(`authority of kind ${authority.kind} has no tenant to override; only aad and ciam authorities do`);
  }
  if (typeof tenant !== 'string' || tenant === '' || tenant === '.' || tenant === '..' || /[\s/\\?#%@:]/.test(tenant)) {
    throw new TypeError('tenant must be a tenant GUID or domain name (a single URL path segment)');
  }
  const rest = authority.path.split('/').slice(2);
  const next = parseAuthority(`https://${authority.hostWithPort}/${[tenant, ...rest].join('/')}`);
  if (next.kind !== authority.kind) {
    throw new TypeError(`tenant ${tenant} would turn this ${authority.kind} authority into a ${next.kind} one`);
  }
  return next;
}
