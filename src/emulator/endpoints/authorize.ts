/**
 * The authorize endpoint, in no-UI mode: the user is the request's `login_hint` (when it names a configured user)
 * or the configured `autoApprove` user, and the endpoint redirects straight back with a code. Errors before the
 * redirect URI is validated are shown as a page (as Entra does); later ones go back to the app.
 * `signInPage` is where an interactive sign-in page plugs in.
 */
import { AadFailure, AADSTS } from '../aad-errors.js';
import { tenantDisplayName } from '../client-auth.js';
import type { EmulatorApp, EmulatorUser } from '../config.js';
import type { EmulatorContext } from '../context.js';
import { checkAppForAuthority, userSession } from '../grants/session.js';
import { escapeHtml, htmlResponse, page, redirectResponse, type EmulatorRequest, type EmulatorResponse } from '../http.js';
import { param, type Route } from '../router.js';
import { parseUserScopes } from '../scopes.js';
import { randomGuid } from '../ids.js';
import { clientInfo } from '../tokens.js';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** Whether `requested` matches a registered redirect URI; http loopback URIs match on any port, as in Entra. */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  let r: URL;
  let q: URL;
  try {
    r = new URL(registered);
    q = new URL(requested);
  } catch {
    return false;
  }
  if (r.protocol !== 'http:' || !LOOPBACK_HOSTS.includes(r.hostname)) return false;
  const path = (u: URL): string => (u.pathname === '/' ? '' : u.pathname);
  return q.protocol === 'http:' && q.hostname === r.hostname && path(q) === path(r) && q.search === r.search;
}

type ResponseMode = 'query' | 'fragment' | 'form_post';

function errorPage(failure: AadFailure): EmulatorResponse {
  const { code, message } = failure.spec;
  return htmlResponse(400, page('Sign in', `<p>Sorry, but we're having trouble signing you in.</p><p><code>AADSTS${code}</code>: ${escapeHtml(message)}</p>`));
}

/** Sends `values` back to the app at `redirectUri` with the requested response mode. */
export function respondToApp(redirectUri: string, mode: ResponseMode, values: Record<string, string>): EmulatorResponse {
  if (mode === 'form_post') {
    const inputs = Object.entries(values)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('');
    return htmlResponse(
      200,
      '<!doctype html><html><head><title>Working...</title></head><body onload="document.forms[0].submit()">' +
        `<form method="POST" action="${escapeHtml(redirectUri)}">${inputs}<noscript><p>Script is disabled. Click Submit to continue.</p>` +
        '<input type="submit" value="Submit"></noscript></form></body></html>',
    );
  }
  const url = new URL(redirectUri);
  const params = new URLSearchParams(values);
  if (mode === 'fragment') url.hash = params.toString();
  else for (const [k, v] of params) url.searchParams.append(k, v);
  return redirectResponse(url.toString());
}

function errorValues(failure: AadFailure, req: EmulatorRequest, state: string | null): Record<string, string> {
  const values: Record<string, string> = {
    error: failure.spec.error,
    error_description: `AADSTS${failure.spec.code}: ${failure.spec.message}\r\nTrace ID: ${req.traceId}\r\nCorrelation ID: ${req.correlationId}`,
    error_uri: `https://login.microsoftonline.com/error?code=${failure.spec.code}`,
  };
  if (state !== null) values.state = state;
  return values;
}

/** The user signed in without UI, or undefined when a sign-in page would be needed. */
function chooseUser(ctx: EmulatorContext, params: URLSearchParams): EmulatorUser | undefined {
  const hint = params.get('login_hint');
  const hinted = hint === null ? undefined : ctx.directory.user(hint);
  if (hinted !== undefined) return hinted;
  const auto = ctx.directory.config.autoApprove;
  return auto === undefined ? undefined : ctx.directory.user(auto);
}

/** What a sign-in page gets when one is needed; for now it explains how to enable the no-UI mode. */
function signInPage(app: EmulatorApp): EmulatorResponse {
  return htmlResponse(
    200,
    page(
      'Sign in',
      `<p>${escapeHtml(app.displayName)} asks you to sign in, but this emulator has no sign-in page yet.</p>` +
        '<p>Pass <code>login_hint</code> with the username of a configured user, or start the emulator with ' +
        '<code>config.autoApprove</code> set to a username.</p>',
    ),
  );
}

function authorize(ctx: EmulatorContext, req: EmulatorRequest, tenantSegment: string): EmulatorResponse {
  const params = req.method === 'POST' ? req.form : req.url.searchParams;
  const tenant = ctx.directory.resolveTenant(tenantSegment);
  if (tenant === undefined) return errorPage(AADSTS.unknownTenant(tenantSegment));
  const clientId = params.get('client_id');
  if (clientId === null || clientId === '') return errorPage(AADSTS.missingParameter('client_id'));
  const app = ctx.directory.app(clientId);
  if (app === undefined || (tenant.kind === 'tenant' && !ctx.directory.appUsableIn(app, tenant.tenant.id))) {
    return errorPage(AADSTS.unknownClient(clientId, tenantDisplayName(tenant)));
  }
  const redirectUri = params.get('redirect_uri') ?? app.redirectUris[0];
  if (redirectUri === undefined || !app.redirectUris.some((r) => redirectUriMatches(r, redirectUri))) {
    return errorPage(AADSTS.redirectNotRegistered(redirectUri ?? '', app.clientId));
  }
  const state = params.get('state');
  const modeParam = params.get('response_mode') ?? 'query';
  const mode: ResponseMode = modeParam === 'fragment' || modeParam === 'form_post' ? modeParam : 'query';
  try {
    if (modeParam !== mode) throw AADSTS.invalidRequest(`The response_mode '${modeParam}' is not supported.`);
    const responseType = params.get('response_type');
    if (responseType !== 'code') throw AADSTS.unsupportedResponseType(responseType ?? '');
    checkAppForAuthority(app, tenant);
    const scope = params.get('scope') ?? 'openid profile';
    parseUserScopes(ctx.directory, app, scope, tenantDisplayName(tenant));
    const challenge = params.get('code_challenge') ?? undefined;
    const methodParam = params.get('code_challenge_method');
    if (methodParam !== null && methodParam !== 'S256' && methodParam !== 'plain') {
      throw AADSTS.invalidRequest(`The code_challenge_method '${methodParam}' is not supported; use S256 or plain.`);
    }
    const user = chooseUser(ctx, params);
    if (user === undefined) {
      if (params.get('prompt') === 'none') throw AADSTS.loginRequired();
      return signInPage(app);
    }
    const now = ctx.now();
    const session = userSession(ctx, app, user, tenant, { authTime: now, amr: ['pwd'] });
    const code = ctx.stores.addCode(
      {
        clientId: app.clientId,
        redirectUri,
        scope,
        username: user.username,
        tenantId: session.membership.tenantId,
        nonce: params.get('nonce') ?? undefined,
        codeChallenge: challenge,
        codeChallengeMethod: challenge === undefined ? undefined : methodParam === 'S256' ? 'S256' : 'plain',
        authTime: now,
        expiresAt: now + ctx.lifetimes.authorizationCode,
        redeemed: false,
      },
      now,
    );
    const values: Record<string, string> = { code };
    if (params.get('client_info') === '1') values.client_info = clientInfo(user);
    if (state !== null) values.state = state;
    values.session_state = randomGuid();
    return respondToApp(redirectUri, mode, values);
  } catch (err) {
    if (err instanceof AadFailure) return respondToApp(redirectUri, mode, errorValues(err, req, state));
    throw err;
  }
}

/** The authorize routes (GET, and POST with a form body). */
export const authorizeRoutes: Route[] = [
  {
    methods: ['GET', 'POST'],
    pattern: /^\/(?<tenant>[^/]+)\/oauth2\/v2\.0\/authorize$/,
    endpoint: 'authorize',
    handle: (ctx, req, p) => authorize(ctx, req, param(p, 'tenant')),
  },
];
