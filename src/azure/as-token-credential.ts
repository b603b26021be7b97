/**
 * `asTokenCredential`: an msal-ts application or managed identity client as an Azure SDK `TokenCredential`, so that
 * Key Vault, Storage, Service Bus or ARM clients get their tokens (and their CAE claims challenges answered) from it.
 */
import { ConfidentialClientApplication } from '../app/confidential-client-application.js';
import type { AuthenticationResult } from '../app/authentication-result.js';
import type { DeviceFlow } from '../app/device-flow.js';
import type { AcquireTokenInteractiveOptions } from '../app/interactive.js';
import { PublicClientApplication } from '../app/public-client-application.js';
import type { Account } from '../cache/cache-types.js';
import { CredentialUnavailableError, ManagedIdentityError, NetworkError, RequestTimeoutError } from '../errors.js';
import { ManagedIdentityClient, type ManagedIdentityResult } from '../managed-identity/managed-identity-client.js';
import { checkOptionKeys, optionShape } from '../util/options.js';
import { publicClientToken, type PublicClientState } from './public-client-token.js';
import type { AbortSignalLike, AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';

/** How a public client signs the user in when the cache cannot serve a request. */
export type SignInFallback = 'interactive' | 'device-code';

/** Options of {@link asTokenCredential}. */
export interface AsTokenCredentialOptions {
  /**
   * Public client only: the account to get tokens for, from `getAccounts()`. By default the one account in the cache
   * (or the one the fallback signed in); with none or several, `getToken` throws CredentialUnavailableError.
   */
  account?: Account | undefined;
  /**
   * Public client only: sign the user in when silent acquisition cannot serve a request (no account, refresh refused,
   * claims challenge the refresh token cannot meet). `interactive`: the system browser; `device-code`: a code shown by
   * {@link AsTokenCredentialOptions.onDeviceCode}. By default there is no fallback: `getToken` throws
   * CredentialUnavailableError, which a `ChainedTokenCredential` skips.
   */
  fallback?: SignInFallback | undefined;
  /** Public client, `fallback: 'interactive'`: options of `acquireTokenInteractive` (port, timeout, prompt, ...). */
  interactiveOptions?: Omit<AcquireTokenInteractiveOptions, 'claimsChallenge' | 'signal'> | undefined;
  /** Public client, `fallback: 'device-code'`: shows the code to the user. Default: writes `flow.message` to stderr. */
  onDeviceCode?: ((flow: DeviceFlow) => void | Promise<void>) | undefined;
  /**
   * Applications only: tenants other than the configured one that a request's `tenantId` (e.g. from a resource's
   * challenge) may name; `['*']` allows any. By default only the configured tenant, so a resource cannot steer the
   * application into another tenant.
   */
  additionallyAllowedTenants?: readonly string[] | undefined;
}

type Source = ConfidentialClientApplication | PublicClientApplication | ManagedIdentityClient;

const RESOURCE_SUFFIX = '/.default';

const AS_TOKEN_CREDENTIAL_OPTIONS = optionShape<AsTokenCredentialOptions>('asTokenCredential options', {
  account: true,
  fallback: true,
  interactiveOptions: true,
  onDeviceCode: true,
  additionallyAllowedTenants: true,
});

/**
 * Adapts an msal-ts application or managed identity client to the Azure SDK's `TokenCredential` contract (from
 * `@azure/core-auth`, which msal-ts does not depend on: the returned object is type-compatible with it).
 *
 * `getToken(scopes, { claims, tenantId, abortSignal })` serves from the msal-ts cache, skips it and sends `claims`
 * when a resource sent a claims challenge (Continuous Access Evaluation), and gets the token from `tenantId` when the
 * SDK names one that `additionallyAllowedTenants` allows.
 *
 * - `ConfidentialClientApplication`: `acquireTokenForClient` (app-only tokens).
 * - `PublicClientApplication`: `acquireTokenSilent` for the account, then the `fallback` sign-in if configured.
 * - `ManagedIdentityClient`: `acquireTokenForClient` with the scope's resource (`<resource>/.default` minus
 *   `/.default`); one scope per request; `tenantId` is ignored (a managed identity has one tenant).
 *
 * @param source - The application or managed identity client that gets the tokens (and keeps its cache).
 * @param options - Account and sign-in fallback for a public client; allowed tenants.
 * @returns A `TokenCredential` for any Azure SDK client.
 * @throws TypeError when `source` is none of the three, or an option is malformed or does not apply to `source`.
 *   Its `getToken` throws TypeError/RangeError for malformed scopes or options (before any I/O);
 *   CredentialUnavailableError (`name` as Azure SDK's) when no user is signed in and there is no fallback, the
 *   refresh needs the user, the tenant is not allowed, or the managed identity endpoint is unreachable; otherwise
 *   the source's own errors (ServerError, NetworkError, RequestAbortedError, ...).
 * @example
 * ```ts
 * import { SecretClient } from '@azure/keyvault-secrets';
 * import { ManagedIdentityClient, SystemAssignedManagedIdentity } from 'msal-ts';
 * import { asTokenCredential } from 'msal-ts/azure';
 *
 * const credential = asTokenCredential(new ManagedIdentityClient(new SystemAssignedManagedIdentity()));
 * const secrets = new SecretClient('https://my-vault.vault.azure.net', credential);
 * ```
 */
export function asTokenCredential(source: Source, options: AsTokenCredentialOptions = {}): TokenCredential {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  checkOptionKeys(options, AS_TOKEN_CREDENTIAL_OPTIONS);
  const isPublic = source instanceof PublicClientApplication;
  if (!isPublic) {
    for (const name of ['account', 'fallback', 'interactiveOptions', 'onDeviceCode'] as const) {
      if (options[name] !== undefined) throw new TypeError(`options.${name} applies only to a PublicClientApplication`);
    }
  }
  if (options.fallback !== undefined && options.fallback !== 'interactive' && options.fallback !== 'device-code') {
    throw new TypeError(`options.fallback must be 'interactive' or 'device-code', got ${JSON.stringify(options.fallback)}`);
  }
  if (options.onDeviceCode !== undefined && typeof options.onDeviceCode !== 'function') {
    throw new TypeError('options.onDeviceCode must be a function');
  }
  if (options.interactiveOptions !== undefined && (typeof options.interactiveOptions !== 'object' || options.interactiveOptions === null)) {
    throw new TypeError('options.interactiveOptions must be an object');
  }
  if (
    options.account !== undefined &&
    (typeof options.account !== 'object' || options.account === null || typeof options.account.home_account_id !== 'string')
  ) {
    throw new TypeError('options.account must be an account from getAccounts()');
  }
  const allowed = checkAllowedTenants(options.additionallyAllowedTenants);
  if (source instanceof ManagedIdentityClient) {
    if (options.additionallyAllowedTenants !== undefined) {
      throw new TypeError('options.additionallyAllowedTenants does not apply to a ManagedIdentityClient (its identity has one tenant)');
    }
    return { getToken: (scopes, getTokenOptions) => managedIdentityToken(source, scopes, getTokenOptions) };
  }
  if (source instanceof ConfidentialClientApplication) {
    return {
      getToken: async (scopes, getTokenOptions) => {
        const { wanted, opts } = checkGetToken(scopes, getTokenOptions);
        const tenant = tenantOverride(opts.tenantId, source.authority.tenant, allowed);
        return withSignal(opts.abortSignal, async (signal) =>
          toAccessToken(await source.acquireTokenForClient(wanted, { tenant, claimsChallenge: opts.claims, signal })),
        );
      },
    };
  }
  if (isPublic) {
    const state: PublicClientState = { homeAccountId: undefined, interaction: undefined };
    return {
      getToken: async (scopes, getTokenOptions) => {
        const { wanted, opts } = checkGetToken(scopes, getTokenOptions);
        const tenant = tenantOverride(opts.tenantId, source.authority.tenant, allowed);
        return withSignal(opts.abortSignal, async (signal) =>
          toAccessToken(await publicClientToken(source, wanted, { ...options, tenant, claims: opts.claims, signal }, state)),
        );
      },
    };
  }
  throw new TypeError('source must be a ConfidentialClientApplication, PublicClientApplication or ManagedIdentityClient from msal-ts');
}

async function managedIdentityToken(
  client: ManagedIdentityClient,
  scopes: string | string[],
  getTokenOptions: GetTokenOptions | undefined,
): Promise<AccessToken> {
  const { wanted, opts } = checkGetToken(scopes, getTokenOptions);
  const [scope] = wanted;
  if (wanted.length !== 1 || scope === undefined) {
    throw new RangeError(`scopes: a managed identity token is for one resource, got ${wanted.length} scopes`);
  }
  const resource = scope.endsWith(RESOURCE_SUFFIX) ? scope.slice(0, -RESOURCE_SUFFIX.length) : scope;
  return withSignal(opts.abortSignal, async (signal) => {
    let result: ManagedIdentityResult;
    try {
      result = await client.acquireTokenForClient({ resource, claimsChallenge: opts.claims, signal });
    } catch (err) {
      // What a chain of credentials should move past: this host has no usable managed identity endpoint.
      if (err instanceof NetworkError || err instanceof RequestTimeoutError || err instanceof ManagedIdentityError) {
        throw new CredentialUnavailableError('managed_identity_unavailable', `managed identity unavailable: ${err.message}`, {
          cause: err,
          correlationId: err.correlationId,
        });
      }
      throw err;
    }
    return toAccessToken(result);
  });
}

function checkGetToken(scopes: unknown, options: unknown): { wanted: string[]; opts: GetTokenOptions } {
  const list = typeof scopes === 'string' ? [scopes] : scopes;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s): s is string => typeof s === 'string' && s.trim() !== '')) {
    throw new TypeError('scopes must be a non-empty string or a non-empty array of non-empty strings');
  }
  if (options === undefined || options === null) return { wanted: list, opts: {} };
  if (typeof options !== 'object') throw new TypeError('options must be an object');
  const opts = options as GetTokenOptions;
  if (opts.claims !== undefined && typeof opts.claims !== 'string') throw new TypeError('options.claims must be a string');
  if (opts.tenantId !== undefined && (typeof opts.tenantId !== 'string' || opts.tenantId === '')) {
    throw new TypeError('options.tenantId must be a non-empty string');
  }
  const signal = opts.abortSignal;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function')) {
    throw new TypeError('options.abortSignal must be an AbortSignal');
  }
  // An empty claims string is what some callers send for "no challenge".
  return { wanted: list, opts: opts.claims === '' ? { ...opts, claims: undefined } : opts };
}

function checkAllowedTenants(value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((t): t is string => typeof t === 'string' && t !== '')) {
    throw new TypeError("options.additionallyAllowedTenants must be an array of tenant ids or domains (or ['*'])");
  }
  return value.map((t) => t.toLowerCase());
}

/** The tenant override a request's `tenantId` asks for: none when it is the configured tenant. */
function tenantOverride(requested: string | undefined, configured: string | undefined, allowed: readonly string[]): string | undefined {
  if (requested === undefined) return undefined;
  const wanted = requested.toLowerCase();
  if (wanted === configured?.toLowerCase()) return undefined;
  if (allowed.includes('*') || allowed.includes(wanted)) return requested;
  throw new CredentialUnavailableError(
    'tenant_not_allowed',
    `the request asked for a token from tenant ${requested}, which this credential is not allowed to use: ` +
      "add it to options.additionallyAllowedTenants (or ['*'] for any tenant)",
  );
}

/** Runs `fn` with a platform AbortSignal following the SDK's signal (which may be a look-alike). */
async function withSignal<T>(like: AbortSignalLike | undefined, fn: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  if (like === undefined || like instanceof AbortSignal) return fn(like);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  if (like.aborted) controller.abort();
  else like.addEventListener('abort', onAbort);
  try {
    return await fn(controller.signal);
  } finally {
    like.removeEventListener('abort', onAbort);
  }
}

function toAccessToken(result: AuthenticationResult | ManagedIdentityResult): AccessToken {
  const now = Date.now();
  const token: AccessToken = {
    token: result.access_token,
    expiresOnTimestamp: now + result.expires_in * 1000,
    tokenType: result.token_type.toLowerCase() === 'pop' ? 'pop' : 'Bearer',
  };
  if (result.refresh_on !== undefined) token.refreshAfterTimestamp = result.refresh_on * 1000;
  return token;
}
