/**
 * Client authentication at the token endpoint: which app is calling, and whether it proved it. Public clients
 * present nothing; confidential ones a secret (in the body, or HTTP Basic as client_secret_basic) or a certificate
 * assertion.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { AADSTS } from './aad-errors.js';
import { verifyClientAssertion } from './client-assertion.js';
import type { EmulatorApp } from './config.js';
import type { EmulatorContext } from './context.js';
import type { TenantRef } from './directory.js';
import type { EmulatorRequest } from './http.js';
import type { ClientAuthLevel } from './tokens.js';

/** The calling app and how it authenticated. */
export interface AuthenticatedClient {
  app: EmulatorApp;
  acr: ClientAuthLevel;
}

/** The display name of the tenant a request is for, as Entra puts it in messages. */
export function tenantDisplayName(tenant: TenantRef): string {
  return tenant.kind === 'tenant' ? tenant.tenant.displayName : tenant.segment;
}

function basicCredentials(req: EmulatorRequest): { id: string; secret: string } | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const at = decoded.indexOf(':');
  if (at < 0) return undefined;
  try {
    return { id: decodeURIComponent(decoded.slice(0, at)), secret: decodeURIComponent(decoded.slice(at + 1)) };
  } catch {
    return undefined;
  }
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison takes the same time whatever the lengths.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** The `aud` values Entra accepts in a client assertion sent to this tenant's token endpoint, lower-cased. */
export function assertionAudiences(ctx: EmulatorContext, tenant: TenantRef): string[] {
  const names = tenant.kind === 'tenant' ? [tenant.segment, tenant.tenant.id, ...tenant.tenant.domains] : [tenant.segment];
  const out = new Set<string>();
  for (const n of names) {
    const base = `${ctx.baseUrl}/${n}`.toLowerCase();
    out.add(`${base}/oauth2/v2.0/token`);
    out.add(`${base}/oauth2/token`);
  }
  if (tenant.kind === 'tenant') {
    out.add(`${ctx.baseUrl}/${tenant.tenant.id}/v2.0`.toLowerCase());
    out.add(`${ctx.baseUrl}/${tenant.tenant.id}`.toLowerCase());
  }
  return [...out];
}

/**
 * Identifies and authenticates the client of a token request. `confidentialOnly` grants (client credentials,
 * on-behalf-of) refuse public clients. Throws an AadFailure with Entra's code.
 */
export function authenticateClient(ctx: EmulatorContext, req: EmulatorRequest, tenant: TenantRef, confidentialOnly: boolean): AuthenticatedClient {
  const basic = basicCredentials(req);
  const bodyId = req.form.get('client_id') ?? undefined;
  const clientId = bodyId ?? basic?.id;
  if (clientId === undefined || clientId === '') throw AADSTS.missingParameter('client_id');
  if (basic !== undefined && bodyId !== undefined && basic.id.toLowerCase() !== bodyId.toLowerCase()) {
    throw AADSTS.invalidRequest("The client_id in the Authorization header does not match the 'client_id' parameter.");
  }
  const app = ctx.directory.app(clientId);
  const usable = app !== undefined && (tenant.kind !== 'tenant' || ctx.directory.appUsableIn(app, tenant.tenant.id));
  if (app === undefined || !usable) throw AADSTS.unknownClient(clientId, tenantDisplayName(tenant));

  const secret = req.form.get('client_secret') ?? basic?.secret;
  const assertion = req.form.get('client_assertion');
  if (app.kind === 'public') {
    if (secret !== undefined || assertion !== null) throw AADSTS.publicClientWithCredential();
    if (confidentialOnly) throw AADSTS.credentialRequired();
    return { app, acr: '0' };
  }
  if (secret !== undefined) {
    if (!app.clientSecrets.some((s) => sameSecret(s, secret))) throw AADSTS.invalidSecret(app.clientId);
    return { app, acr: '1' };
  }
  if (assertion !== null) {
    verifyClientAssertion(app, assertion, req.form.get('client_assertion_type'), assertionAudiences(ctx, tenant), ctx.now());
    return { app, acr: '2' };
  }
  throw AADSTS.credentialRequired();
}
