/**
 * Fault injection: a queue of faults, each applying to the next N responses of the endpoints (and grant types) it
 * matches. The admin API and `Emulator.injectFault` both validate through {@link parseFault}.
 */

import type { EmulatorManagedIdentityEndpoint } from './managed-identity/types.js';
import { isRecord } from '../util/checks.js';

/** The endpoint families the emulator counts and can fault (the `mi-*` ones with `managedIdentity` on). */
export type EmulatorEndpoint =
  | 'token'
  | 'openid-configuration'
  | 'instance-discovery'
  | 'jwks'
  | 'devicecode'
  | 'authorize'
  | 'userrealm'
  | 'devicelogin'
  | 'logout'
  | 'userinfo'
  | EmulatorManagedIdentityEndpoint;

/** Every endpoint name, in the order counters list them (the `mi-*` ones only when those endpoints run). */
export const ENDPOINTS: readonly EmulatorEndpoint[] = [
  'token',
  'openid-configuration',
  'instance-discovery',
  'jwks',
  'devicecode',
  'authorize',
  'userrealm',
  'devicelogin',
  'logout',
  'userinfo',
  'mi-imds',
  'mi-app-service',
  'mi-machine-learning',
  'mi-azure-arc',
  'mi-cloud-shell',
  'mi-service-fabric',
];

/** What a fault does to a response. */
export type EmulatorFaultKind =
  /**
   * Answer with this HTTP status (and `Retry-After` when given) instead of the real response: an Entra-style error
   * body, or `body` when given. A 2xx status needs a `body` (a malformed success response).
   */
  | { kind: 'status'; status: number; retryAfter?: number; body?: string }
  /** Answer 400 invalid_grant (AADSTS70000), whatever the request. */
  | { kind: 'invalid_grant' }
  /** Answer 200 with a JSON content type and a body that is not JSON. */
  | { kind: 'malformed_json' }
  /** Wait `ms` milliseconds, then send the real response. */
  | { kind: 'delay'; ms: number }
  /** Destroy the connection without answering. */
  | { kind: 'reset' }
  /** Send the real status and headers, half the body, then close the connection. */
  | { kind: 'truncated' };

/** A fault to inject: which responses it applies to, and what it does. */
export type EmulatorFault = EmulatorFaultKind & {
  /** How many matching responses it applies to; default 1. */
  count?: number;
  /** Only responses of this endpoint; default any endpoint. */
  endpoint?: EmulatorEndpoint;
  /** Only token requests of this grant type (`client_credentials`, `refresh_token`, `device_code`, ...). */
  grantType?: string;
};

/** A queued fault with its remaining count. */
export interface PendingFault {
  fault: EmulatorFaultKind;
  remaining: number;
  endpoint: EmulatorEndpoint | undefined;
  grantType: string | undefined;
}

const GRANT_ALIASES: Record<string, string> = {
  'urn:ietf:params:oauth:grant-type:device_code': 'device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer': 'jwt-bearer',
  on_behalf_of: 'jwt-bearer',
};

/** The name counters and faults use for a grant type: the short form of the device code and jwt-bearer URNs. */
export function canonicalGrantType(grantType: string): string {
  return GRANT_ALIASES[grantType] ?? grantType;
}

function optionalInteger(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${name} must be an integer`);
  if (value < min || value > max) throw new RangeError(`${name} must be between ${min} and ${max}`);
  return value;
}

/**
 * Checks an untrusted fault description and returns the queue entry. Throws TypeError/RangeError naming the field
 * (`name` is the argument's name in messages).
 */
export function parseFault(value: unknown, name = 'fault'): PendingFault {
  if (!isRecord(value)) throw new TypeError(`${name} must be an object`);
  const count = optionalInteger(value.count, `${name}.count`, 1, 1_000_000) ?? 1;
  const endpoint = value.endpoint;
  if (endpoint !== undefined && !ENDPOINTS.includes(endpoint as EmulatorEndpoint)) {
    throw new RangeError(`${name}.endpoint must be one of ${ENDPOINTS.join(', ')}`);
  }
  const grantType = value.grantType;
  if (grantType !== undefined && typeof grantType !== 'string') throw new TypeError(`${name}.grantType must be a string`);
  let fault: EmulatorFaultKind;
  switch (value.kind) {
    case 'status': {
      // A 2xx is allowed only with a body: it is how a test sends a malformed "successful" response.
      const status = optionalInteger(value.status, `${name}.status`, value.body === undefined ? 400 : 200, 599);
      if (status === undefined) throw new TypeError(`${name}.status is required for kind "status"`);
      const retryAfter = optionalInteger(value.retryAfter, `${name}.retryAfter`, 0, 86_400);
      if (value.body !== undefined && typeof value.body !== 'string') throw new TypeError(`${name}.body must be a string`);
      fault = { kind: 'status', status };
      if (retryAfter !== undefined) fault.retryAfter = retryAfter;
      if (typeof value.body === 'string') fault.body = value.body;
      break;
    }
    case 'delay': {
      const ms = optionalInteger(value.ms, `${name}.ms`, 0, 600_000);
      if (ms === undefined) throw new TypeError(`${name}.ms is required for kind "delay"`);
      fault = { kind: 'delay', ms };
      break;
    }
    case 'invalid_grant':
    case 'malformed_json':
    case 'reset':
    case 'truncated':
      fault = { kind: value.kind };
      break;
    default:
      throw new RangeError(`${name}.kind must be one of status, invalid_grant, malformed_json, delay, reset, truncated`);
  }
  return {
    fault,
    remaining: count,
    endpoint: endpoint as EmulatorEndpoint | undefined,
    grantType: grantType === undefined ? undefined : canonicalGrantType(grantType),
  };
}

/** The queue of pending faults. */
export class FaultQueue {
  private pending: PendingFault[] = [];

  add(fault: PendingFault): void {
    this.pending.push(fault);
  }

  clear(): void {
    this.pending = [];
  }

  list(): PendingFault[] {
    return this.pending.map((p) => ({ ...p }));
  }

  /** Takes one use of the first fault matching this response, if any. */
  take(endpoint: EmulatorEndpoint, grantType: string | undefined): EmulatorFaultKind | undefined {
    const at = this.pending.findIndex((p) => (p.endpoint === undefined || p.endpoint === endpoint) && (p.grantType === undefined || p.grantType === grantType));
    const entry = this.pending[at];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.pending.splice(at, 1);
    return entry.fault;
  }
}

/** Request counters per endpoint and per `token:<grant type>`. */
export class Counters {
  private counts = new Map<string, number>();
  /** Endpoints listed with 0 when unused: the managed identity ones join when their listeners start. */
  private listed: readonly EmulatorEndpoint[] = ENDPOINTS.filter((e) => !e.startsWith('mi-'));

  /** Lists `endpoints` in every snapshot from now on, 0 when unused. */
  list(endpoints: readonly EmulatorEndpoint[]): void {
    this.listed = ENDPOINTS.filter((e) => this.listed.includes(e) || endpoints.includes(e));
  }

  increment(endpoint: EmulatorEndpoint, grantType: string | undefined): void {
    this.counts.set(endpoint, (this.counts.get(endpoint) ?? 0) + 1);
    if (grantType !== undefined) {
      const key = `${endpoint}:${grantType}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
  }

  reset(): void {
    this.counts.clear();
  }

  /** A snapshot: every endpoint (0 when unused) plus the grant-type keys seen since the last reset. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.listed) out[e] = this.counts.get(e) ?? 0;
    for (const [k, v] of this.counts) if (!(k in out)) out[k] = v;
    return out;
  }
}
