/**
 * Discovery: OpenID configuration (v2 and v1), instance discovery, JWKS, user realm, and OIDC userinfo, shaped as
 * Entra answers them.
 */
import { AADSTS } from '../aad-errors.js';
import type { EmulatorContext } from '../context.js';
import type { TenantRef } from '../directory.js';
import { CONSUMERS_TENANT_ID } from '../default-config.js';
import { requireTenant } from '../grants/session.js';
import { jsonResponse, type EmulatorResponse } from '../http.js';
import { decodeJwt, numberClaim, stringClaim, verifyJwtSignature } from '../jwt.js';
import { param, type Route } from '../router.js';

const CLAIMS_SUPPORTED = [
  'sub',
  'iss',
  'cloud_instance_name',
  'cloud_instance_host_name',
  'cloud_graph_host_name',
  'msgraph_host',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'acr',
  'nonce',
  'preferred_username',
  'name',
  'tid',
  'ver',
  'at_hash',
  'c_hash',
  'email',
];

/** The path segment endpoints use (the tenant id for a tenant) and the issuer tenant (`{tenantid}` for common). */
function tenantParts(tenant: TenantRef): { pathTenant: string; issuerTenant: string } {
  if (tenant.kind === 'tenant') return { pathTenant: tenant.tenant.id, issuerTenant: tenant.tenant.id };
  if (tenant.kind === 'consumers') return { pathTenant: 'consumers', issuerTenant: CONSUMERS_TENANT_ID };
  return { pathTenant: tenant.kind, issuerTenant: '{tenantid}' };
}

function openIdConfiguration(ctx: EmulatorContext, tenant: TenantRef, version: 1 | 2): Record<string, unknown> {
  const { pathTenant, issuerTenant } = tenantParts(tenant);
  const base = `${ctx.baseUrl}/${pathTenant}`;
  const host = new URL(ctx.baseUrl).host;
  const shared = {
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${ctx.baseUrl}/oidc/userinfo`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: tenant.kind === 'tenant' ? 'NA' : null,
    cloud_instance_name: host,
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
  if (version === 1) {
    return {
      token_endpoint: `${base}/oauth2/token`,
      jwks_uri: `${ctx.baseUrl}/${pathTenant}/discovery/keys`,
      issuer: `${ctx.baseUrl}/${issuerTenant}/`,
      authorization_endpoint: `${base}/oauth2/authorize`,
      device_authorization_endpoint: `${base}/oauth2/devicecode`,
      end_session_endpoint: `${base}/oauth2/logout`,
      check_session_iframe: `${base}/oauth2/checksession`,
      scopes_supported: ['openid'],
      claims_supported: CLAIMS_SUPPORTED.filter((c) => c !== 'preferred_username'),
      microsoft_multi_refresh_token: true,
      ...shared,
    };
  }
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    issuer: `${ctx.baseUrl}/${issuerTenant}/v2.0`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    claims_supported: CLAIMS_SUPPORTED,
    ...shared,
  };
}

function instanceDiscovery(ctx: EmulatorContext, url: URL): Record<string, unknown> {
  const host = new URL(ctx.baseUrl).host;
  const port = new URL(ctx.baseUrl).port;
  const aliases = [host, `localhost:${port}`];
  const authorize = url.searchParams.get('authorization_endpoint');
  let tenant = '{tenant}';
  if (authorize !== null) {
    let parsed: URL;
    try {
      parsed = new URL(authorize);
    } catch {
      throw AADSTS.invalidRequest(`The authorization_endpoint '${authorize}' is not a valid URL.`);
    }
    if (parsed.protocol !== 'https:' || !aliases.includes(parsed.host.toLowerCase())) {
      throw AADSTS.invalidInstance();
    }
    tenant = parsed.pathname.split('/')[1] ?? '{tenant}';
  }
  return {
    tenant_discovery_endpoint: `${ctx.baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases }],
  };
}

function jwks(ctx: EmulatorContext, tenant: TenantRef): Record<string, unknown> {
  const jwk = ctx.signingKey.publicKey.export({ format: 'jwk' });
  return {
    keys: [
      {
        kty: 'RSA',
        use: 'sig',
        kid: ctx.signingKey.kid,
        x5t: ctx.signingKey.x5t,
        n: jwk.n,
        e: jwk.e,
        x5c: [ctx.signingKey.certificateBase64],
        issuer: `${ctx.baseUrl}/${tenantParts(tenant).issuerTenant}/v2.0`,
      },
    ],
  };
}

function userRealm(ctx: EmulatorContext, username: string): Record<string, unknown> {
  const domain = (username.split('@')[1] ?? '').toLowerCase();
  const known = ctx.directory.config.tenants.some((t) => t.domains.includes(domain));
  return {
    ver: '1.0',
    account_type: known ? 'Managed' : 'Unknown',
    domain_name: domain,
    cloud_instance_name: new URL(ctx.baseUrl).host,
    cloud_audience_urn: 'urn:federation:MicrosoftOnline',
  };
}

function userInfo(ctx: EmulatorContext, authorization: string | undefined): EmulatorResponse {
  const unauthorized = jsonResponse(401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
  const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const jwt = token === undefined ? undefined : decodeJwt(token);
  if (jwt === undefined || !verifyJwtSignature(jwt, 'RS256', ctx.signingKey.publicKey)) return unauthorized;
  const exp = numberClaim(jwt.payload, 'exp');
  const oid = stringClaim(jwt.payload, 'oid');
  const tid = stringClaim(jwt.payload, 'tid');
  if (exp === undefined || exp <= ctx.now() || oid === undefined || tid === undefined) return unauthorized;
  const user = ctx.directory.userByObjectId(tid, oid);
  if (user === undefined) return unauthorized;
  return jsonResponse(200, {
    sub: stringClaim(jwt.payload, 'sub'),
    name: user.displayName,
    family_name: user.surname,
    given_name: user.givenName,
    email: user.username,
  });
}

const TENANT = '(?<tenant>[^/]+)';

/** The discovery routes. */
/**
 * A dSTS look-alike's OpenID configuration (`/dstsv2/<tenant>/.well-known/openid-configuration`): the tenant's v2
 * document with the token endpoint under `/dstsv2/<tenant>`, which the token route also answers. The other endpoints
 * stay the tenant's usual ones (the emulator does not model dSTS beyond its URL shape).
 */
function dstsConfiguration(ctx: EmulatorContext, tenant: TenantRef): Record<string, unknown> {
  const { pathTenant } = tenantParts(tenant);
  return { ...openIdConfiguration(ctx, tenant, 2), token_endpoint: `${ctx.baseUrl}/dstsv2/${pathTenant}/oauth2/v2.0/token` };
}

export const discoveryRoutes: Route[] = [
  {
    methods: ['GET'],
    pattern: new RegExp(`^/${TENANT}/v2\\.0/\\.well-known/openid-configuration$`),
    endpoint: 'openid-configuration',
    handle: (ctx, _req, p) => jsonResponse(200, openIdConfiguration(ctx, requireTenant(ctx, param(p, 'tenant'), 'invalid_tenant'), 2)),
  },
  {
    methods: ['GET'],
    pattern: new RegExp(`^/${TENANT}/\\.well-known/openid-configuration$`),
    endpoint: 'openid-configuration',
    handle: (ctx, _req, p) => jsonResponse(200, openIdConfiguration(ctx, requireTenant(ctx, param(p, 'tenant'), 'invalid_tenant'), 1)),
  },
  {
    methods: ['GET'],
    pattern: new RegExp(`^/dstsv2/${TENANT}/\\.well-known/openid-configuration$`),
    endpoint: 'openid-configuration',
    handle: (ctx, _req, p) => jsonResponse(200, dstsConfiguration(ctx, requireTenant(ctx, param(p, 'tenant'), 'invalid_tenant'))),
  },
  {
    methods: ['GET'],
    pattern: new RegExp(`^/${TENANT}/discovery/instance$`),
    endpoint: 'instance-discovery',
    handle: (ctx, req) => jsonResponse(200, instanceDiscovery(ctx, req.url)),
  },
  {
    methods: ['GET'],
    pattern: new RegExp(`^/${TENANT}/discovery/(?:v2\\.0/)?keys$`),
    endpoint: 'jwks',
    handle: (ctx, _req, p) => jsonResponse(200, jwks(ctx, requireTenant(ctx, param(p, 'tenant'), 'invalid_tenant'))),
  },
  {
    methods: ['GET'],
    pattern: new RegExp(`^/${TENANT}/userrealm/(?<username>[^/]+)$`),
    endpoint: 'userrealm',
    handle: (ctx, _req, p) => jsonResponse(200, userRealm(ctx, param(p, 'username'))),
  },
  {
    methods: ['GET', 'POST'],
    pattern: /^\/oidc\/userinfo$/,
    endpoint: 'userinfo',
    handle: (ctx, req) => userInfo(ctx, req.headers.authorization),
  },
];
