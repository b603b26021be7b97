/**
 * The admin API under `/_emulator/` (JSON): fault injection, request counters, device code approval, refresh token
 * revocation and the public view of the config. Never counted, never faulted. Loopback alone does not protect it:
 * other local users and any web page open in the user's browser can reach 127.0.0.1. So every request must carry the
 * per-run secret as `Authorization: Bearer`, browser requests from another origin are refused, and POST bodies must
 * be JSON (which an HTML form cannot send).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { EmulatorConfig } from '../config.js';
import type { PendingFault } from '../faults.js';
import { emptyResponse, jsonResponse, type EmulatorRequest, type EmulatorResponse } from '../http.js';
import type { Route } from '../router.js';

/** What the admin API can do; the running emulator implements it (the in-process methods do the same). */
export interface AdminControls {
  injectFault(fault: unknown): void;
  pendingFaults(): PendingFault[];
  clearFaults(): void;
  counters(): Record<string, number>;
  resetCounters(): void;
  approveDeviceCode(userCode: string, username: string): void;
  denyDeviceCode(userCode: string): void;
  revokeRefreshTokens(username: string): number;
  config: EmulatorConfig;
  /** The per-run secret every admin request must send as `Authorization: Bearer <adminToken>`. */
  adminToken: string;
}

/** The config without secrets, passwords or private key paths. */
export function publicConfig(config: EmulatorConfig): Record<string, unknown> {
  return {
    defaultTenantId: config.defaultTenantId,
    tenants: config.tenants,
    apps: config.apps.map((a) => ({
      clientId: a.clientId,
      displayName: a.displayName,
      homeTenantId: a.homeTenantId,
      signInAudience: a.signInAudience,
      kind: a.kind,
      redirectUris: a.redirectUris,
      allowPublicClientFlows: a.allowPublicClientFlows,
      familyId: a.familyId,
      api: a.api,
      appPermissions: a.appPermissions,
      hasSecret: a.clientSecrets.length > 0,
      certificateThumbprints: a.certificateFiles === undefined ? [] : [a.certificateFiles.thumbprint],
    })),
    users: config.users.map((u) => ({
      username: u.username,
      displayName: u.displayName,
      objectId: u.objectId,
      homeTenantId: u.homeTenantId,
      guestOf: u.guestOf,
    })),
    resources: config.resources.map((r) => ({ appId: r.appId, displayName: r.displayName, identifierUris: r.identifierUris })),
    autoApprove: config.autoApprove,
  };
}

function parseJson(req: EmulatorRequest): unknown {
  if (req.rawBody.trim() === '') return {};
  try {
    return JSON.parse(req.rawBody) as unknown;
  } catch {
    throw new TypeError('body must be JSON');
  }
}

function field(body: unknown, name: string): string {
  const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof v !== 'string' || v === '') throw new TypeError(`${name} must be a non-empty string`);
  return v;
}

/** Runs an admin action; caller mistakes (TypeError/RangeError) become 400 with the message. */
function guarded(action: () => EmulatorResponse): EmulatorResponse {
  try {
    return action();
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) return jsonResponse(400, { error: 'invalid_request', message: err.message });
    throw err;
  }
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function header(req: EmulatorRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Why the request may not use the admin API (a response to send), or undefined when it may. */
function refusal(req: EmulatorRequest, baseUrl: string, adminToken: string): EmulatorResponse | undefined {
  const origin = header(req, 'origin');
  const own = new URL(baseUrl);
  const ownOrigins = [own.origin, `${own.protocol}//localhost:${own.port}`];
  const site = header(req, 'sec-fetch-site');
  if ((origin !== undefined && !ownOrigins.includes(origin)) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
    return jsonResponse(403, { error: 'forbidden', message: 'The admin API refuses requests from other origins.' });
  }
  const auth = /^Bearer ([^\s]+)$/i.exec(header(req, 'authorization') ?? '');
  if (auth?.[1] === undefined || !sameSecret(auth[1], adminToken)) {
    return jsonResponse(
      401,
      { error: 'unauthorized', message: 'Send the admin token that the emulator printed at start (emulator.adminToken) as Authorization: Bearer <token>.' },
      {
        'www-authenticate': 'Bearer realm="msal-ts emulator admin API"',
      },
    );
  }
  const type = (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (req.method === 'POST' && type !== 'application/json') {
    return jsonResponse(415, { error: 'unsupported_media_type', message: 'Admin POST bodies must be sent as content-type application/json.' });
  }
  return undefined;
}

/** The admin routes, bound to `controls`. */
export function adminRoutes(controls: AdminControls): Route[] {
  const route = (methods: string[], path: string, handle: (req: EmulatorRequest) => EmulatorResponse): Route => ({
    methods,
    pattern: new RegExp(`^/_emulator/${path}$`),
    endpoint: undefined,
    handle: (ctx, req) => refusal(req, ctx.baseUrl, controls.adminToken) ?? guarded(() => handle(req)),
  });
  return [
    route(['POST'], 'faults', (req) => {
      const body = parseJson(req);
      const list = Array.isArray(body) ? body : [body];
      list.forEach((f) => controls.injectFault(f));
      return jsonResponse(201, { pending: controls.pendingFaults().length });
    }),
    route(['GET'], 'faults', () => jsonResponse(200, { faults: controls.pendingFaults() })),
    route(['DELETE'], 'faults', () => {
      controls.clearFaults();
      return emptyResponse(204);
    }),
    route(['GET'], 'counters', () => jsonResponse(200, controls.counters())),
    route(['POST'], 'counters/reset', () => {
      controls.resetCounters();
      return emptyResponse(204);
    }),
    route(['POST'], 'device/approve', (req) => {
      const body = parseJson(req);
      controls.approveDeviceCode(field(body, 'user_code'), field(body, 'username'));
      return jsonResponse(200, { status: 'approved' });
    }),
    route(['POST'], 'device/deny', (req) => {
      controls.denyDeviceCode(field(parseJson(req), 'user_code'));
      return jsonResponse(200, { status: 'denied' });
    }),
    route(['POST'], 'users/revoke', (req) => {
      const revoked = controls.revokeRefreshTokens(field(parseJson(req), 'username'));
      return jsonResponse(200, { revoked });
    }),
    route(['GET'], 'config', () => jsonResponse(200, publicConfig(controls.config))),
    route(['GET'], 'health', () => jsonResponse(200, { status: 'ok' })),
  ];
}
