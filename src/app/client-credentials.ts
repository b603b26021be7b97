/**
 * The client credentials grant (`acquireTokenForClient`): a token for the application itself, cache-first, from the
 * regional endpoint when the application asked for one, cached in the app's own partition of each tenant.
 */
import type { AuthorityMetadata } from '../authority/discovery.js';
import type { CacheAccessContext } from '../cache/cache-access.js';
import { isReservedScope, validateScopes } from '../protocol/scopes.js';
import { buildClientCredentialsRequest } from '../protocol/token-request.js';
import { checkOptionKeys, optionShape } from '../util/options.js';
import type { AppCore, CacheLocation, RequestContext, Target } from './app-core.js';
import type { AuthenticationResult } from './authentication-result.js';
import { cacheFirst, lookAfterDiscovery, rejection, type CacheFirstCall, type CacheFirstFlow } from './cache-first.js';
import { checkData, type ExtraData, type TokenRequestData } from './extra-data.js';
import { withFmiPath } from './federated-managed-identity.js';
import { withForwardedClientClaims } from './forwarded-client-claims.js';
import type { RegionalRouting } from './regional-routing.js';
import { API_IDS } from './telemetry.js';

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
  /**
   * A federated managed identity path (MSAL Python's `fmi_path`): sent as `fmi_path`, and the token is cached apart
   * for that path (an extended cache key, as every MSAL keys it). A `clientAssertion` callback receives it as
   * `context.fmiPath`.
   */
  fmiPath?: string | undefined;
  /**
   * Client-originated claims to forward (MSAL Python's `forwarded_client_claims`), a JSON object string such as
   * `'{"access_token":{"xms_az_nwperimid":{"value":"<perimeter id>"}}}'`: merged into the `claims` sent, and, unlike
   * `claimsChallenge`, cached: the token is kept under a key of this exact string, so pass the same string on every
   * call that should share it (and stable values only: each distinct string is its own cache entry).
   */
  forwardedClientClaims?: string | undefined;
}

const FOR_CLIENT_OPTIONS = optionShape<AcquireTokenForClientOptions>('acquireTokenForClient options', {
  tenant: true,
  authority: true,
  claimsChallenge: true,
  forceRefresh: true,
  correlationId: true,
  signal: true,
  data: true,
  fmiPath: true,
  forwardedClientClaims: true,
});

/** What the client credentials grant needs of its confidential client, built once with it. */
export interface ClientCredentialsApp {
  readonly core: AppCore;
  readonly regions: RegionalRouting;
  /** Concurrent identical requests share one token request. */
  readonly inFlight: Map<string, Promise<AuthenticationResult>>;
}

/** One `acquireTokenForClient` call, down the cache-first path. */
interface ClientCredentialsCall extends CacheFirstCall<AuthenticationResult> {
  readonly app: ClientCredentialsApp;
  /** The caller's scopes and options, to start over with. */
  readonly scopes: readonly string[];
  readonly options: AcquireTokenForClientOptions;
  readonly target: Target;
  readonly wanted: string[];
  readonly extra: ExtraData;
  /** Where the tokens are, when known (before discovery for a tenant id; after it otherwise). */
  location: CacheLocation | undefined;
}

const CLIENT_CREDENTIALS: CacheFirstFlow<AuthenticationResult, ClientCredentialsCall> = {
  lookup: (call) => (call.location === undefined ? undefined : call.app.core.lookupAccessToken(call.location, undefined, call.wanted, call.extra)),
  key: (call) => `${call.target.authority.url}\n${call.wanted.join(' ')}\n${call.options.claimsChallenge ?? ''}\n${call.bypass}\n${call.extra.dedupKey}`,
  fetch: acquireFromNetwork,
  retry: (call) => acquireTokenForClient(call.app, call.scopes, call.options),
};

/** `acquireTokenForClient`; see {@link ConfidentialClientApplication.acquireTokenForClient}. */
export function acquireTokenForClient(
  app: ClientCredentialsApp,
  scopes: readonly string[],
  options: AcquireTokenForClientOptions = {},
): Promise<AuthenticationResult> {
  try {
    return cacheFirst(CLIENT_CREDENTIALS, checkedCall(app, scopes, options));
  } catch (err) {
    return rejection(err);
  }
}

function checkedCall(app: ClientCredentialsApp, scopes: readonly string[], options: AcquireTokenForClientOptions): ClientCredentialsCall {
  checkOptionKeys(options, FOR_CLIENT_OPTIONS);
  const wanted = validateScopes(scopes);
  const extra = withForwardedClientClaims(withFmiPath(checkData(options.data), options.fmiPath), options.forwardedClientClaims, options.claimsChallenge);
  const reserved = wanted.find(isReservedScope);
  if (reserved !== undefined) {
    throw new RangeError(`scopes: "${reserved}" is for user sign-in and has no meaning in an app token; ask for "<resource>/.default"`);
  }
  const core = app.core;
  const target = core.targetFor(options);
  const authority = target.authority;
  if (authority.isTenantless) {
    throw new RangeError(
      `acquireTokenForClient needs a tenant: the authority ${authority.url} is multi-tenant; ` + 'configure a tenant-specific authority or pass options.tenant',
    );
  }
  const bypass = options.forceRefresh === true || options.claimsChallenge !== undefined;
  const location = bypass ? undefined : core.knownCacheLocation(target);
  return {
    tokenCache: core.tokenCache,
    access: location === undefined ? undefined : appContext(core, location, options.correlationId),
    inFlight: app.inFlight,
    signal: options.signal,
    looked: false,
    fallback: undefined,
    app,
    scopes,
    options,
    target,
    wanted,
    extra,
    bypass,
    location,
  };
}

/** The cache access context of the app's own tokens in a location. */
function appContext(core: AppCore, location: CacheLocation, correlationId: string | undefined): CacheAccessContext {
  const environment = location.environments[0] ?? core.authority.host;
  return {
    clientId: core.clientId,
    partition: { kind: 'app', clientId: core.clientId, environment, realm: location.realm },
    correlationId,
  };
}

async function acquireFromNetwork(call: ClientCredentialsCall): Promise<AuthenticationResult> {
  const { app, target, bypass } = call;
  const core = app.core;
  const ctx = core.context(call.options, {
    apiId: API_IDS.acquireTokenForClient,
    refreshReason: bypass ? 1 : call.fallback !== undefined ? 4 : 2,
  });
  const metadata = await core.metadataFor(target.authority, ctx);
  const location = core.cacheLocation(target, metadata);
  call.location = location;
  const fresh = await lookAfterDiscovery(CLIENT_CREDENTIALS, call, appContext(core, location, ctx.correlationId));
  if (fresh !== undefined) return fresh;
  const endpoint = app.regions.enabled ? await app.regions.tokenEndpoint(target.authority, metadata.token_endpoint, ctx.signal) : metadata.token_endpoint;
  return requestAppToken(call, { endpoint, metadata, location, ctx });
}

/** Where a client credentials request goes, known once the authority is discovered. */
interface Destination {
  /** The token endpoint the request is sent to: the regional one when enabled. */
  readonly endpoint: string;
  readonly metadata: AuthorityMetadata;
  readonly location: CacheLocation;
  readonly ctx: RequestContext;
}

/** Sends the client credentials grant and caches the app token (one cache write). */
async function requestAppToken(call: ClientCredentialsCall, to: Destination): Promise<AuthenticationResult> {
  const { app, wanted: scopes, extra } = call;
  const { metadata, location, ctx } = to;
  const core = app.core;
  const body = buildClientCredentialsRequest({
    clientId: core.clientId,
    scopes,
    claims: core.claims(call.options.claimsChallenge, extra),
    // The assertion's audience stays the global token endpoint, also for a regional request, as MSAL Python signs it.
    clientAuthentication: await core.clientAuthentication(metadata.token_endpoint, { fmiPath: extra.fmiPath }),
    data: extra.fields,
  });
  const sentTo = to.endpoint === metadata.token_endpoint ? metadata : { ...metadata, token_endpoint: to.endpoint };
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
    extCacheKey: extra.extCacheKeys?.[0],
  };
  const now = core.now() / 1000;
  await core.tokenCache.write(appContext(core, location, ctx.correlationId), () => core.tokenCache.add(event, now));
  return core.resultFromResponse(response);
}
