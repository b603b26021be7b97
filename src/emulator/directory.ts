/**
 * Look-ups over the resolved config: which tenant an authority segment names, which app, user or resource a request
 * names, and whether a user or app may be used in a tenant.
 */
import type { EmulatorApi, EmulatorApp, EmulatorConfig, EmulatorTenant, EmulatorUser } from './config.js';
import { CONSUMERS_TENANT_ID } from './default-config.js';

/** What the `{tenant}` path segment of a request names. */
export type TenantRef = { kind: 'tenant'; tenant: EmulatorTenant; segment: string } | { kind: 'common' | 'organizations' | 'consumers'; segment: string };

/** A resource a scope names: a Microsoft resource or an app that exposes an API. */
export interface ResolvedResource {
  appId: string;
  displayName: string;
  api: EmulatorApi;
  /** The resource as the request spelled it (v1 tokens use it as `aud`). */
  requested: string;
}

/** A user's presence in one tenant. */
export interface TenantMembership {
  tenantId: string;
  objectId: string;
  isGuest: boolean;
}

function normalizeUri(value: string): string {
  return value.replace(/\/+$/, '').toLowerCase();
}

/** Read-only look-ups over an {@link EmulatorConfig}. */
export class Directory {
  constructor(readonly config: EmulatorConfig) {}

  /** Resolves a tenant path segment: a tenant id, one of its domains, or `common`/`organizations`/`consumers`. */
  resolveTenant(segment: string): TenantRef | undefined {
    const s = segment.toLowerCase();
    if (s === 'common' || s === 'organizations' || s === 'consumers') return { kind: s, segment };
    if (s === CONSUMERS_TENANT_ID) return { kind: 'consumers', segment };
    const tenant = this.config.tenants.find((t) => t.id === s || t.domains.includes(s));
    return tenant === undefined ? undefined : { kind: 'tenant', tenant, segment };
  }

  tenantById(id: string): EmulatorTenant | undefined {
    return this.config.tenants.find((t) => t.id === id.toLowerCase());
  }

  app(clientId: string): EmulatorApp | undefined {
    const id = clientId.toLowerCase();
    return this.config.apps.find((a) => a.clientId === id);
  }

  user(username: string): EmulatorUser | undefined {
    const name = username.toLowerCase();
    return this.config.users.find((u) => u.username.toLowerCase() === name);
  }

  /** Finds the user who has `objectId` in `tenantId` (as a member or a guest). */
  userByObjectId(tenantId: string, objectId: string): EmulatorUser | undefined {
    const oid = objectId.toLowerCase();
    return this.config.users.find((u) => this.membership(u, tenantId)?.objectId.toLowerCase() === oid);
  }

  /** The user's object id in `tenantId`, or undefined when the user is not in that tenant. */
  membership(user: EmulatorUser, tenantId: string): TenantMembership | undefined {
    if (user.homeTenantId === tenantId) return { tenantId, objectId: user.objectId, isGuest: false };
    const guest = user.guestOf.find((g) => g.tenantId === tenantId);
    return guest === undefined ? undefined : { tenantId, objectId: guest.objectId, isGuest: true };
  }

  /** Whether `app` can be used in `tenantId` (its home tenant, or any tenant when it is multi-tenant). */
  appUsableIn(app: EmulatorApp, tenantId: string): boolean {
    return app.homeTenantId === tenantId || (app.signInAudience === 'AzureADMultipleOrgs' && this.tenantById(tenantId) !== undefined);
  }

  /** Resolves a resource identifier: an identifier URI, an app id GUID, or `api://<app id>`. */
  resolveResource(identifier: string): ResolvedResource | undefined {
    const wanted = normalizeUri(identifier);
    for (const r of this.config.resources) {
      if (r.appId === wanted || r.identifierUris.some((u) => normalizeUri(u) === wanted)) {
        return { appId: r.appId, displayName: r.displayName, api: r, requested: identifier };
      }
    }
    for (const a of this.config.apps) {
      if (a.api === undefined) continue;
      if (a.clientId === wanted || `api://${a.clientId}` === wanted || a.api.identifierUris.some((u) => normalizeUri(u) === wanted)) {
        return { appId: a.clientId, displayName: a.displayName, api: a.api, requested: identifier };
      }
    }
    return undefined;
  }

  /** App roles granted to `app` on `resource`, whichever identifier the grant was written with. */
  grantedRoles(app: EmulatorApp, resource: ResolvedResource): string[] {
    const roles = new Set<string>();
    for (const [key, granted] of Object.entries(app.appPermissions)) {
      if (this.resolveResource(key)?.appId === resource.appId) for (const r of granted) roles.add(r);
    }
    return [...roles].filter((r) => resource.api.appRoles.includes(r));
  }
}
