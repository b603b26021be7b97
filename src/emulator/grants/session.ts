/**
 * Shared steps of the user grants: which tenant a user signs in to for a given authority, and the checks Entra
 * makes on the app for that tenant.
 */
import { AADSTS } from '../aad-errors.js';
import { tenantDisplayName } from '../client-auth.js';
import type { EmulatorApp, EmulatorUser } from '../config.js';
import type { EmulatorContext } from '../context.js';
import type { TenantRef } from '../directory.js';
import type { UserSession } from '../tokens.js';

/** Resolves the `{tenant}` path segment, or throws Entra's AADSTS90002 (`error` is invalid_tenant for discovery). */
export function requireTenant(ctx: EmulatorContext, segment: string, error = 'invalid_request'): TenantRef {
  const tenant = ctx.directory.resolveTenant(segment);
  if (tenant === undefined) throw AADSTS.unknownTenant(segment, error);
  return tenant;
}

/** Single-tenant apps cannot use `common`/`organizations`/`consumers` for user flows (AADSTS50194). */
export function checkAppForAuthority(app: EmulatorApp, tenant: TenantRef): void {
  if (tenant.kind !== 'tenant' && app.signInAudience === 'AzureADMyOrg') throw AADSTS.notMultiTenant(app.clientId, app.displayName);
}

/**
 * The session of `user` signing in to `app` through `tenant`: the named tenant, or for common/organizations the
 * user's home tenant. `preferredTenantId` (from an earlier grant) wins for common.
 */
export function userSession(
  ctx: EmulatorContext,
  app: EmulatorApp,
  user: EmulatorUser,
  tenant: TenantRef,
  details: { authTime: number | undefined; amr: string[]; preferredTenantId?: string | undefined },
): UserSession {
  if (tenant.kind === 'consumers') throw AADSTS.userNotFound(tenantDisplayName(tenant));
  const tenantId = tenant.kind === 'tenant' ? tenant.tenant.id : (details.preferredTenantId ?? user.homeTenantId);
  const membership = ctx.directory.membership(user, tenantId);
  if (membership === undefined) {
    const t = ctx.directory.tenantById(tenantId);
    throw AADSTS.userNotFound(t?.displayName ?? tenantId);
  }
  if (!ctx.directory.appUsableIn(app, tenantId)) {
    throw AADSTS.unknownClient(app.clientId, ctx.directory.tenantById(tenantId)?.displayName ?? tenantId);
  }
  return { user, membership, authTime: details.authTime, amr: details.amr };
}

/** The `scope` parameter, required by every v2 grant. */
export function requiredParam(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (value === null || value === '') throw AADSTS.missingParameter(name);
  return value;
}
