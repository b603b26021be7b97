/**
 * The Entra endpoints' request path, in steps: read the request, find its route (or refuse it), count it, apply an
 * injected fault, run the endpoint, and render an AadFailure as Entra's JSON error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AadFailure, AADSTS, aadErrorResponse } from './aad-errors.js';
import type { EmulatorContext } from './context.js';
import { applyFault } from './fault-step.js';
import type { FaultDelays } from './fault-delays.js';
import { canonicalGrantType, type Counters, type EmulatorFaultKind, type FaultQueue } from './faults.js';
import { jsonResponse, readBody, writeResponse, type EmulatorRequest, type EmulatorResponse } from './http.js';
import { randomGuid } from './ids.js';
import { matchRoute, type Route } from './router.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** What the dispatcher reads; `ctx` and `routes` are filled in once the port, and so the base URL, is known. */
export interface DispatchState {
  ctx: EmulatorContext | undefined;
  routes: Route[];
  readonly faults: FaultQueue;
  readonly counters: Counters;
  readonly delays: FaultDelays;
}

/** Entra's answer to a faulted request, or `undefined` for the faults that keep the real answer. */
function faultResponse(fault: EmulatorFaultKind, req: EmulatorRequest, now: number, baseUrl: string): EmulatorResponse | undefined {
  switch (fault.kind) {
    case 'status': {
      const res = fault.body !== undefined ? rawStatusResponse(fault.status, fault.body) : statusErrorResponse(fault.status, req, now, baseUrl);
      if (fault.retryAfter !== undefined) res.headers['retry-after'] = String(fault.retryAfter);
      return res;
    }
    case 'invalid_grant':
      return aadErrorResponse(req, AADSTS.refreshTokenInvalid().spec, now, baseUrl);
    case 'malformed_json':
      return {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: '{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0eXAiOiJKV1Qi',
      };
    default:
      return undefined;
  }
}

function rawStatusResponse(status: number, body: string): EmulatorResponse {
  let isJson = true;
  try {
    JSON.parse(body);
  } catch {
    isJson = false;
  }
  return { status, headers: { 'content-type': isJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8' }, body };
}

function statusErrorResponse(status: number, req: EmulatorRequest, now: number, baseUrl: string): EmulatorResponse {
  if (status === 429) {
    return aadErrorResponse(
      req,
      {
        status: 429,
        error: 'temporarily_unavailable',
        code: 90055,
        message: 'TenantThrottlingError: There are too many incoming requests. Please try again later.',
      },
      now,
      baseUrl,
    );
  }
  if (status >= 500) {
    return aadErrorResponse(
      req,
      { status, error: status === 503 ? 'temporarily_unavailable' : 'server_error', code: 90033, message: 'A transient error has occurred. Please try again.' },
      now,
      baseUrl,
    );
  }
  return aadErrorResponse(req, { status, error: 'invalid_request', code: 90033, message: 'The emulator was told to fail this request.' }, now, baseUrl);
}

function toEmulatorRequest(req: IncomingMessage, url: URL, rawBody: string | undefined): EmulatorRequest {
  const method = req.method ?? 'GET';
  const header = req.headers['client-request-id'];
  const contentType = req.headers['content-type'] ?? '';
  return {
    method,
    url,
    headers: req.headers,
    form: method === 'POST' && contentType.includes('application/x-www-form-urlencoded') ? new URLSearchParams(rawBody ?? '') : new URLSearchParams(),
    rawBody: rawBody ?? '',
    correlationId: typeof header === 'string' && header !== '' ? header : randomGuid(),
    traceId: randomGuid(),
  };
}

/** Entra's response headers: the trace id, the server name, and the client's correlation id echoed when it sent one. */
function withEntraHeaders(response: EmulatorResponse, req: IncomingMessage, request: EmulatorRequest): EmulatorResponse {
  const headers: Record<string, string> = { ...response.headers, 'x-ms-request-id': request.traceId, 'x-ms-ests-server': 'msal-ts-emulator' };
  if (typeof req.headers['client-request-id'] === 'string') headers['client-request-id'] = request.correlationId;
  return { ...response, headers };
}

/** The route for the request, or the 404 / 405 that refuses it. */
function routeFor(state: DispatchState, ctx: EmulatorContext, request: EmulatorRequest): { route: Route; params: Record<string, string> } | EmulatorResponse {
  const match = matchRoute(state.routes, request.method, request.url.pathname);
  if (match.kind === 'not_found') {
    return jsonResponse(404, { error: 'not_found', error_description: `The emulator has no endpoint ${request.url.pathname}.` });
  }
  if (match.kind === 'method_not_allowed') {
    const r = aadErrorResponse(request, AADSTS.invalidRequest(`The endpoint only accepts ${match.allow.join(', ')} requests.`).spec, ctx.now(), ctx.baseUrl);
    r.status = 405;
    r.headers.allow = match.allow.join(', ');
    return r;
  }
  return { route: match.route, params: match.params };
}

/** Counts the request against its endpoint (and grant type) and takes the fault queued for it, if any. */
function countAndTakeFault(state: DispatchState, route: Route, request: EmulatorRequest): EmulatorFaultKind | undefined {
  if (route.endpoint === undefined) return undefined;
  const grantParam = route.endpoint === 'token' ? request.form.get('grant_type') : null;
  const grantType = grantParam === null ? undefined : canonicalGrantType(grantParam);
  state.counters.increment(route.endpoint, grantType);
  return state.faults.take(route.endpoint, grantType);
}

async function runRoute(ctx: EmulatorContext, route: Route, request: EmulatorRequest, params: Record<string, string>): Promise<EmulatorResponse> {
  try {
    return await route.handle(ctx, request, params);
  } catch (err) {
    if (!(err instanceof AadFailure)) throw err;
    return aadErrorResponse(request, err.spec, ctx.now(), ctx.baseUrl);
  }
}

/** Serves one request of the Entra endpoints. */
export async function dispatch(state: DispatchState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ctx = state.ctx;
  if (ctx === undefined) throw new Error('request before the emulator finished starting');
  let url: URL;
  try {
    url = new URL(req.url ?? '/', ctx.baseUrl);
  } catch {
    // A target such as "//" is a URL without a host: the client's mistake, not an internal error.
    req.resume();
    res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: 'invalid_request', error_description: 'The request target is not a URL path.' }));
    return;
  }
  const rawBody = await readBody(req, MAX_BODY_BYTES);
  const request = toEmulatorRequest(req, url, rawBody);
  const send = (response: EmulatorResponse, truncate = false): void => writeResponse(res, withEntraHeaders(response, req, request), truncate);
  if (rawBody === undefined) {
    send(jsonResponse(413, { error: 'invalid_request', error_description: 'The request body is too large.' }));
    return;
  }
  const found = routeFor(state, ctx, request);
  if (!('route' in found)) {
    send(found);
    return;
  }
  const fault = countAndTakeFault(state, found.route, request);
  const step = await applyFault(fault, { req, res }, state.delays, (f) => faultResponse(f, request, ctx.now(), ctx.baseUrl));
  if (step.kind === 'stop') return;
  if (step.kind === 'send') send(step.response);
  else send(await runRoute(ctx, found.route, request, found.params), step.truncate);
}
