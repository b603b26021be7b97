/**
 * Routing: each endpoint module contributes routes (method, path pattern, the endpoint name used by counters and
 * faults, handler). New endpoint families (a sign-in page, managed identity) add a module and a line in server.ts.
 */
import type { EmulatorContext } from './context.js';
import type { EmulatorEndpoint } from './faults.js';
import type { EmulatorRequest, EmulatorResponse } from './http.js';

/** One route. Handlers may throw an AadFailure; the server renders it as Entra's JSON error. */
export interface Route {
  methods: readonly string[];
  /** Matched against the URL path; named groups become `params`. */
  pattern: RegExp;
  /** Counted and faultable endpoint; undefined for admin and informational routes. */
  endpoint: EmulatorEndpoint | undefined;
  handle(ctx: EmulatorContext, req: EmulatorRequest, params: Record<string, string>): EmulatorResponse | Promise<EmulatorResponse>;
}

/** The result of routing a request. */
export type RouteMatch =
  { kind: 'found'; route: Route; params: Record<string, string> } | { kind: 'method_not_allowed'; allow: string[] } | { kind: 'not_found' };

/** Finds the route for `method` and `pathname`. Path segments are URL-decoded. */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): RouteMatch {
  const allow: string[] = [];
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (m === null) continue;
    if (!route.methods.includes(method)) {
      allow.push(...route.methods);
      continue;
    }
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries<string | undefined>(m.groups ?? {})) {
      if (v === undefined) continue;
      try {
        params[k] = decodeURIComponent(v);
      } catch {
        params[k] = v;
      }
    }
    return { kind: 'found', route, params };
  }
  return allow.length > 0 ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
}

/** The value of a named route parameter; routes only name groups their pattern always captures. */
export function param(params: Record<string, string>, name: string): string {
  const v = params[name];
  if (v === undefined) throw new Error(`route parameter ${name} missing: the route pattern and handler disagree`);
  return v;
}
