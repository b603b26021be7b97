/**
 * Issuing tokens: access tokens (v1 or v2 claims, per resource), id tokens, client_info, refresh tokens, and the
 * token response bodies Entra sends for user flows and app-only flows.
 */
import type { EmulatorApp, EmulatorUser } from './config.js';
import type { EmulatorContext } from './context.js';
import type { ResolvedResource, TenantMembership } from './directory.js';
import { base64url, deterministicGuid, pairwiseSubject, randomToken } from './ids.js';
import { signJwt } from './jwt.js';
import type { UserScopes } from './scopes.js';

/** How the client authenticated: Entra's `appidacr`/`azpacr` (0 public, 1 secret, 2 certificate). */
export type ClientAuthLevel = '0' | '1' | '2';

/** The issuer of v2 tokens for a tenant. */
export function issuerV2(ctx: EmulatorContext, tenantId: string): string {
  return `${ctx.baseUrl}/${tenantId}/v2.0`;
}

function lifetimeFor(ctx: EmulatorContext, app: EmulatorApp): number {
  return app.accessTokenLifetimeSeconds ?? ctx.lifetimes.accessToken;
}

/** `refresh_in` for a token of `expiresIn` seconds: half of it for long-lived tokens, as Entra does; else none. */
export function refreshInFor(ctx: EmulatorContext, expiresIn: number): { refresh_in?: number } {
  const min = ctx.lifetimes.refreshInMinLifetime;
  return min > 0 && expiresIn >= min ? { refresh_in: Math.floor(expiresIn / 2) } : {};
}

function baseAccessClaims(ctx: EmulatorContext, resource: ResolvedResource, tenantId: string, app: EmulatorApp, acr: ClientAuthLevel): Record<string, unknown> {
  const now = Math.floor(ctx.now());
  const exp = now + lifetimeFor(ctx, app);
  const common = { iat: now, nbf: now, exp, tid: tenantId, uti: randomToken(16) };
  if (resource.api.accessTokenVersion === 1) {
    const iss = `${ctx.baseUrl}/${tenantId}/`;
    return { aud: resource.requested, iss, ...common, appid: app.clientId, appidacr: acr, idp: iss, ver: '1.0' };
  }
  return { aud: resource.appId, iss: issuerV2(ctx, tenantId), ...common, azp: app.clientId, azpacr: acr, ver: '2.0' };
}

/**
 * An app-only access token (client credentials): `roles` holds the app permissions granted on the resource. With an
 * `fmiPath` (federated managed identity), the subject is the path under the app, `/eid1/c/pub/t/<tenant>/a/<app>/<path>`,
 * the shape Entra gives such tokens (the emulator writes the ids as plain GUIDs). `requested` claims (from the request's
 * `claims`) are added, never over the token's own.
 */
export function appAccessToken(
  ctx: EmulatorContext,
  app: EmulatorApp,
  tenantId: string,
  resource: ResolvedResource,
  how: { readonly acr: ClientAuthLevel; readonly fmiPath?: string | undefined; readonly requested?: Readonly<Record<string, unknown>> | undefined },
): { token: string; expiresIn: number } {
  const { acr, fmiPath } = how;
  const claims = { ...how.requested, ...baseAccessClaims(ctx, resource, tenantId, app, acr) };
  const servicePrincipal = deterministicGuid('service-principal', app.clientId, tenantId);
  claims.oid = servicePrincipal;
  claims.sub = fmiPath === undefined ? servicePrincipal : `/eid1/c/pub/t/${tenantId}/a/${app.clientId}/${fmiPath}`;
  claims.idtyp = 'app';
  const roles = ctx.directory.grantedRoles(app, resource);
  if (roles.length > 0) claims.roles = roles;
  return { token: signJwt(claims, ctx.signingKey), expiresIn: lifetimeFor(ctx, app) };
}

/** Who a user token is for: the user, and where they signed in. */
export interface UserSession {
  user: EmulatorUser;
  membership: TenantMembership;
  authTime: number | undefined;
  /** Authentication methods for `amr`, e.g. ['pwd']. */
  amr: string[];
}

function userAccessToken(ctx: EmulatorContext, app: EmulatorApp, session: UserSession, scopes: UserScopes, acr: ClientAuthLevel): string {
  const { user, membership } = session;
  const claims = baseAccessClaims(ctx, scopes.resource, membership.tenantId, app, acr);
  Object.assign(claims, {
    acr: '1',
    amr: session.amr,
    family_name: user.surname,
    given_name: user.givenName,
    name: user.displayName,
    oid: membership.objectId,
    scp: [...scopes.permissions, ...scopes.oidc.filter((s) => s !== 'offline_access')].join(' '),
    sub: pairwiseSubject(membership.objectId, scopes.resource.appId),
    idtyp: 'user',
  });
  if (scopes.resource.api.accessTokenVersion === 1) {
    claims.upn = user.username;
    claims.unique_name = user.username;
  } else {
    claims.preferred_username = user.username;
  }
  if (membership.isGuest) claims.idp = issuerV2(ctx, user.homeTenantId);
  return signJwt(claims, ctx.signingKey);
}

/** An id token for `app` about the session's user. */
export function idToken(ctx: EmulatorContext, app: EmulatorApp, session: UserSession, nonce: string | undefined, withEmail: boolean): string {
  const now = Math.floor(ctx.now());
  const { user, membership } = session;
  const claims: Record<string, unknown> = {
    aud: app.clientId,
    iss: issuerV2(ctx, membership.tenantId),
    iat: now,
    nbf: now,
    exp: now + ctx.lifetimes.idToken,
    name: user.displayName,
    oid: membership.objectId,
    preferred_username: user.username,
    sub: pairwiseSubject(membership.objectId, app.clientId),
    tid: membership.tenantId,
    uti: randomToken(16),
    ver: '2.0',
  };
  if (nonce !== undefined) claims.nonce = nonce;
  if (session.authTime !== undefined) claims.auth_time = Math.floor(session.authTime);
  if (withEmail) claims.email = user.username;
  if (membership.isGuest) claims.idp = issuerV2(ctx, user.homeTenantId);
  return signJwt(claims, ctx.signingKey);
}

/** `client_info`: base64url JSON of the home account's object id and tenant id. */
export function clientInfo(user: EmulatorUser): string {
  return base64url(JSON.stringify({ uid: user.objectId, utid: user.homeTenantId }));
}

/** What a user-flow token response needs beyond the session. */
export interface UserTokenRequest {
  app: EmulatorApp;
  session: UserSession;
  scopes: UserScopes;
  acr: ClientAuthLevel;
  nonce: string | undefined;
  /** The request had `client_info=1`. */
  wantsClientInfo: boolean;
}

/** The full token response of a user flow; stores a new refresh token when offline_access was requested. */
export function userTokenResponse(ctx: EmulatorContext, req: UserTokenRequest): Record<string, unknown> {
  const { app, session, scopes } = req;
  const expiresIn = lifetimeFor(ctx, app);
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: scopes.echo,
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    ...refreshInFor(ctx, expiresIn),
    access_token: userAccessToken(ctx, app, session, scopes, req.acr),
  };
  if (scopes.oidc.includes('offline_access')) {
    const now = ctx.now();
    body.refresh_token = ctx.stores.addRefreshToken(
      {
        clientId: app.clientId,
        familyId: app.familyId,
        username: session.user.username,
        tenantId: session.membership.tenantId,
        authTime: session.authTime,
        issuedAt: now,
        lastUsedAt: now,
        expiresAt: now + ctx.lifetimes.refreshToken,
        revoked: false,
      },
      now,
    );
    if (app.familyId !== undefined) body.foci = app.familyId;
  }
  if (scopes.oidc.includes('openid')) body.id_token = idToken(ctx, app, session, req.nonce, scopes.oidc.includes('email'));
  if (req.wantsClientInfo) body.client_info = clientInfo(session.user);
  return body;
}
