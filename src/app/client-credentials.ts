/**
 * The client credentials grant (`acquireTokenForClient`): a token for the application itself, cache-first, from the
 * regional endpoint when the application asked for one, cached in the app's own partition of each tenant.
 */
import type { AuthorityMetadata } from '../authority/discovery.js';
import type { CacheAccessContext } from '../cache/cache-access.js';
import { RESERVED_SCOPES, validateScopes } from '../protocol/scopes.js';
import { buildClientCredentialsRequest } from '../protocol/token-request.js';
import { shareInFlight } from '../util/in-flight.js';
import { checkOptionKeys, optionShape } from '../util/options.js';
import type { AppCore, CacheLocation, RequestContext, Target } from './app-core.js';
import type { AuthenticationResult } from './authentication-result.js';
import { checkData, type ExtraData, type TokenRequestData } from './extra-data.js';
import type { RegionalRouting } from './regional-routing.js';
import { API_IDS } from './telemetry.js';

const RESERVED = new Set(RESERVED_SCOPES);

/** Options of {@link ConfidentialClientApplication.acquireTokenForClient}. */
export interface AcquireTokenForClientOptions {
  /**
   * Acquire for another tenant than the configured authority's, so one application object serves a multi-tenant
   * daemon's many tenants from one cache. A tenant id or domain.
   */
  tenant?: string | undefined;
  /** Acquire from another authority URL than the configured one (same rules as the `authority` option). */
  authority?: string | undefined;
  /** A claims challenge from a resource (JSON). Skips the cache and is sent to the identity provider. */
  claimsChallenge?: string | undefined;
  /** Skip the cache lookup and ask the identity provider (the new token replaces the cached one). */
  forceRefresh?: boolean | undefined;
  /** `client-request-id` to send; a random UUID by default. */
  correlationId?: string | undefined;
  /** Aborts the network part of the call. */
  signal?: AbortSignal | undefined;
  /**
   * Extra token request fields (MSAL Python's `data`). An SSH certificate for the app:
   * `{ token_type: 'ssh-cert', req_cnf: JSON.stringify(publicJwk), key_id: publicJwk.kid }`; it is cached under its
   * `key_id` and served from the cache only to requests with the same `key_id` and `token_type`.
   */
  data?: TokenRequestData | undefined;
}

const FOR_CLIENT_OPTIONS = optionShape<AcquireTokenForClientOptions>('acquireTokenForClient options', {
  tenant: true,
  authority: true,
  claimsChallenge: true,
  forceRefresh: true,
  correlationId: true,
  signal: true,
  data: true,
});

/** What the client credentials grant needs of its confidential client, built once with it. */
export interface ClientCredentialsApp {
  readonly core: AppCore;
  readonly regions: RegionalRouting;
  /** Concurrent identical requests share one token request. */
  readonly inFlight: Map<string, Promise<AuthenticationResult>>;
}

/** `acquireTokenForClient`; see {@link ConfidentialClientApplication.acquireTokenForClient}. */
export async function acquireTokenForClient(
  app: ClientCredentialsApp,
  scopes: readonly string[],
  options: AcquireTokenForClientOptions = {},
): Promise<AuthenticationResult> {
  checkOptionKeys(options, FOR_CLIENT_OPTIONS);
  const wanted = validateScopes(scopes);
  const extra = checkData(options.data);
  const reserved = wanted.find((s) => RESERVED.has(s.toLowerCase()));
  if (reserved !== undefined) {
    throw new RangeError(
      `scopes: "${reserved}" is for user sign-in and has no meaning in an app token; ask for "<resource>/.default"`,
    );
  }
  const target = app.core.targetFor(options);
  const authority = target.authority;
  if (authority.isTenantless) {
    throw new RangeError(
      `acquireTokenForClient needs a tenant: the authority ${authority.url} is multi-tenant; ` +
        'configure a tenant-specific authority or pass options.tenant',
    );
  }
  const bypassCache = options.forceRefresh === true || options.claimsChallenge !== undefined;
  let fallback: AuthenticationResult | undefined;
  if (!bypassCache) {
    const location = app.core.knownCacheLocation(target);
    if (location !== undefined) {
      const loading = app.core.tokenCache.beforeRead(appContext(app.core, location, options.correlationId));
      if (loading !== undefined) await loading;
      const hit = app.core.lookupAccessToken(location, undefined, wanted, extra);
      if (hit !== undefined && !hit.aging) return hit.result;
      fallback = hit?.result;
    }
  }
  const key = `${authority.url}\n${wanted.join(' ')}\n${options.claimsChallenge ?? ''}\n${bypassCache}\n${extra.identity}`;
  return shareNetworkRequest(app, key, scopes, options, target, wanted, extra, bypassCache, fallback);
}

// Apart from acquireTokenForClient so that its closures do not make every cache hit allocate a context.
function shareNetworkRequest(
  app: ClientCredentialsApp,
  key: string,
  scopes: readonly string[],
  options: AcquireTokenForClientOptions,
  target: Target,
  wanted: string[],
  extra: ExtraData,
  bypassCache: boolean,
  fallback: AuthenticationResult | undefined,
): Promise<AuthenticationResult> {
  return shareInFlight(
    app.inFlight,
    key,
    options.signal,
    () => acquireFromNetwork(app, target, wanted, options, extra, bypassCache, fallback),
    () => acquireTokenForClient(app, scopes, options),
  );
}

/** The cache access context of the app's own tokens in a location. */
export function appContext(core: AppCore, location: CacheLocation, correlationId: string | undefined): CacheAccessContext {
  const environment = location.environments[0] ?? core.authority.host;
  return {
    clientId: core.clientId,
    partition: { kind: 'app', clientId: core.clientId, environment, realm: location.realm },
    correlationId,
  };
}

async function acquireFromNetwork(
  app: ClientCredentialsApp,
  target: Target,
  scopes: string[],
  options: AcquireTokenForClientOptions,
  extra: ExtraData,
  bypassCache: boolean,
  knownFallback: AuthenticationResult | undefined,
): Promise<AuthenticationResult> {
  const core = app.core;
  const ctx = core.context(options, {
    apiId: API_IDS.acquireTokenForClient,
    refreshReason: bypassCache ? 1 : knownFallback !== undefined ? 4 : 2,
  });
  const metadata = await core.metadataFor(target.authority, ctx);
  const location = core.cacheLocation(target, metadata);
  let fallback = knownFallback;
  if (!bypassCache && fallback === undefined) {
    await core.tokenCache.beforeRead(appContext(core, location, ctx.correlationId));
    const hit = core.lookupAccessToken(location, undefined, scopes, extra);
    if (hit !== undefined && !hit.aging) return hit.result;
    fallback = hit?.result;
  }
  try {
    const endpoint = app.regions.enabled
      ? await app.regions.tokenEndpoint(target.authority, metadata.token_endpoint, ctx.signal)
      : metadata.token_endpoint;
    return await redeem(app, endpoint, metadata, location, scopes, options, extra, ctx);
  } catch (err) {
    // An aging token is still valid: serve it when the proactive refresh fails, as MSAL Python does.
    if (fallback !== undefined) return fallback;
    throw err;
  }
}

async function redeem(
  app: ClientCredentialsApp,
  tokenEndpoint: string,
  metadata: AuthorityMetadata,
  location: CacheLocation,
  scopes: string[],
  options: AcquireTokenForClientOptions,
  extra: ExtraData,
  ctx: RequestContext,
): Promise<AuthenticationResult> {
  const core = app.core;
  const body = buildClientCredentialsRequest({
    clientId: core.clientId,
    scopes,
    claims: core.claims(options.claimsChallenge),
    // The assertion's audience stays the global token endpoint, also for a regional request, as MSAL Python signs it.
    clientAuthentication: await core.clientAuthentication(metadata.token_endpoint),
    data: extra.fields,
  });
  const sentTo = tokenEndpoint === metadata.token_endpoint ? metadata : { ...metadata, token_endpoint: tokenEndpoint };
  const response = await core.requestToken(sentTo, body, ctx);
  const event = {
    clientId: core.clientId,
    scopes,
    // The global host, also for a regional token: lookups (ours and other MSALs') find it there.
    environment: location.environments[0] ?? metadata.environment,
    realm: location.realm,
    tokenEndpoint: metadata.token_endpoint,
    grantType: 'client_credentials',
    response,
    keyId: extra.keyId,
  };
  const now = core.now() / 1000;
  await core.tokenCache.write(appContext(core, location, ctx.correlationId), () => core.tokenCache.add(event, now));
  return core.resultFromResponse(response);
}
