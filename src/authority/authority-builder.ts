/**
 * {@link AuthorityBuilder}: builds an authority URL from a cloud host and a tenant, as MSAL Python's.
 */

/**
 * Saves string concatenation when naming an authority: `new AuthorityBuilder(AZURE_CHINA, 'contoso.onmicrosoft.com')`
 * stringifies to `https://login.chinacloudapi.cn/contoso.onmicrosoft.com`. Accepted wherever an authority is.
 *
 * @example
 * ```ts
 * const app = new PublicClientApplication(clientId, { authority: new AuthorityBuilder(AZURE_PUBLIC, 'organizations') });
 * ```
 */
export class AuthorityBuilder {
  /** The host, without scheme or trailing slash, e.g. `login.microsoftonline.com`. */
  readonly instance: string;
  /** The tenant: a GUID, a domain, or `common` / `organizations` / `consumers`. */
  readonly tenant: string;

  /**
   * @param instance - the cloud host, e.g. `AZURE_PUBLIC`; a trailing `/` is ignored.
   * @param tenant - the tenant; surrounding `/` are ignored.
   * @throws TypeError when `instance` or `tenant` is empty or `instance` has a scheme.
   */
  constructor(instance: string, tenant: string) {
    if (typeof instance !== 'string') throw new TypeError('instance must be a string such as login.microsoftonline.com');
    if (typeof tenant !== 'string') throw new TypeError('tenant must be a string');
    const host = instance.replace(/\/+$/, '');
    const t = tenant.replace(/^\/+|\/+$/g, '');
    if (host === '') throw new TypeError('instance must not be empty');
    if (host.includes('://')) throw new TypeError(`instance must be a host name without a scheme, e.g. login.microsoftonline.com, not ${host}`);
    if (t === '') throw new TypeError('tenant must not be empty');
    this.instance = host;
    this.tenant = t;
  }

  /** The authority URL, `https://{instance}/{tenant}`. */
  toString(): string {
    return `https://${this.instance}/${this.tenant}`;
  }
}
