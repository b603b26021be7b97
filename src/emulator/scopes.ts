/**
 * Scope parsing with Entra's rules: user flows take `<resource>/<permission>` scopes of one resource plus the OIDC
 * scopes (a bare permission means Microsoft Graph); client credentials take exactly one `<resource>/.default`.
 */
import { AADSTS } from './aad-errors.js';
import type { EmulatorApp } from './config.js';
import type { Directory, ResolvedResource } from './directory.js';

/** The OIDC scopes Entra treats specially; they name no resource. */
export const OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'offline_access', 'address', 'phone'];

/** The outcome of parsing a user flow's scopes. */
export interface UserScopes {
  /** The OIDC scopes requested, lower-cased. */
  oidc: string[];
  resource: ResolvedResource;
  /** Permission names for `scp` (`.default` expanded). */
  permissions: string[];
  /** What the response echoes in `scope`: the resource scopes as requested, then the OIDC ones. */
  echo: string;
}

function split(scope: string): string[] {
  return scope.split(/\s+/).filter((s) => s.length > 0);
}

function resourceAndName(scope: string): { resource: string; name: string } | undefined {
  const at = scope.lastIndexOf('/');
  if (at < 0) return { resource: 'https://graph.microsoft.com', name: scope };
  const resource = scope.slice(0, at);
  const name = scope.slice(at + 1);
  if (name === '' || /^[a-z][a-z0-9+.-]*:\/?$/i.test(resource)) return undefined;
  return { resource, name };
}

/** Parses and checks a user flow's `scope` parameter. Throws an AadFailure with Entra's code when it is not valid. */
export function parseUserScopes(directory: Directory, app: EmulatorApp, scopeParam: string, tenantName: string): UserScopes {
  const scopes = split(scopeParam);
  if (scopes.length === 0) throw AADSTS.invalidRequest("The request body must contain the following parameter: 'scope'.");
  const oidc: string[] = [];
  const resourceScopes: string[] = [];
  let resource: ResolvedResource | undefined;
  const names: string[] = [];
  for (const s of scopes) {
    if (OIDC_SCOPES.includes(s.toLowerCase())) {
      if (!oidc.includes(s.toLowerCase())) oidc.push(s.toLowerCase());
      continue;
    }
    const parts = resourceAndName(s);
    if (parts === undefined) throw AADSTS.invalidScope(s);
    const r = directory.resolveResource(parts.resource);
    if (r === undefined) throw AADSTS.unknownResource(parts.resource, tenantName);
    if (resource !== undefined && resource.appId !== r.appId) throw AADSTS.multipleResources(scopeParam);
    resource ??= r;
    resourceScopes.push(s);
    names.push(parts.name);
  }
  if (resource === undefined) {
    // Only OIDC scopes: Entra issues a Microsoft Graph token for them.
    const graph = directory.resolveResource('https://graph.microsoft.com');
    if (graph === undefined) throw AADSTS.invalidScope(scopeParam);
    return {
      oidc,
      resource: graph,
      permissions: [...graph.api.defaultScopes],
      echo: [...graph.api.defaultScopes.map((p) => `https://graph.microsoft.com/${p}`), ...oidc].join(' '),
    };
  }
  const permissions: string[] = [];
  for (const name of names) {
    if (name === '.default') {
      for (const p of resource.api.defaultScopes) if (!permissions.includes(p)) permissions.push(p);
      continue;
    }
    const known = resource.api.scopes.includes('*') || resource.api.scopes.some((p) => p.toLowerCase() === name.toLowerCase());
    if (!known) throw AADSTS.scopeNotExposed(app.displayName, name, resource.displayName);
    if (!permissions.includes(name)) permissions.push(name);
  }
  return { oidc, resource, permissions, echo: [...resourceScopes, ...oidc].join(' ') };
}

/** Parses a client credentials `scope`: one `<resource>/.default`. Throws an AadFailure otherwise. */
export function parseClientCredentialScope(directory: Directory, scopeParam: string, tenantName: string): ResolvedResource {
  const scopes = split(scopeParam);
  if (scopes.length === 0) throw AADSTS.invalidRequest("The request body must contain the following parameter: 'scope'.");
  const [only] = scopes;
  if (scopes.length !== 1 || only === undefined || !only.endsWith('/.default')) throw AADSTS.clientCredentialScope(scopeParam);
  const resource = only.slice(0, -'/.default'.length);
  const r = directory.resolveResource(resource);
  if (r === undefined) throw AADSTS.unknownResource(resource, tenantName);
  return r;
}
