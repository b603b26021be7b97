/**
 * The authorize endpoint. It validates the request (errors before the redirect URI is known are shown as a page, as
 * Entra does; later ones go back to the app), then signs the user in one of two ways:
 * - no-UI mode, when the emulator is configured with `autoApprove` or the request has `emulator_auto=1`: the user is
 *   the request's `login_hint` (when it names a configured user) or the `autoApprove` user, and the endpoint
 *   redirects straight back with a code;
 * - otherwise the sign-in pages (sign-in-flow.ts): password, consent, and single sign-on through a session cookie,
 *   with `prompt=login|consent|select_account|none`.
 */
import { AADSTS, AadFailure } from '../aad-errors.js';
import { failToApp, finishAuthorize } from '../authorize-response.js';
import { tenantDisplayName } from '../client-auth.js';
import type { EmulatorApp, EmulatorUser } from '../config.js';
import type { EmulatorContext } from '../context.js';
import type { TenantRef } from '../directory.js';
import { checkAppForAuthority } from '../grants/session.js';
import { escapeHtml, htmlResponse, page, type EmulatorRequest, type EmulatorResponse } from '../http.js';
import { param, type Route } from '../router.js';
import { parseUserScopes } from '../scopes.js';
import { advance, consentItems } from '../sign-in-flow.js';
import type { AuthorizeTarget } from '../sign-in-state.js';

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

const PROMPTS = ['login', 'none', 'consent', 'select_account'];

function errorPage(failure: AadFailure): EmulatorResponse {
  const { code, message } = failure.spec;
  return htmlResponse(400, page('Sign in', `<p>Sorry, but we're having trouble signing you in.</p><p><code>AADSTS${code}</code>: ${escapeHtml(message)}</p>`));
}

/** The no-UI user: the `login_hint` user, else the `autoApprove` user; undefined when neither names a configured user. */
function autoUser(ctx: EmulatorContext, params: URLSearchParams): EmulatorUser | undefined {
  const hint = params.get('login_hint');
  const hinted = hint === null ? undefined : ctx.directory.user(hint);
  if (hinted !== undefined) return hinted;
  const auto = ctx.directory.config.autoApprove;
  return auto === undefined ? undefined : ctx.directory.user(auto);
}

/** `prompt`, as a set; throws for a value the emulator does not implement. */
function parsePrompt(value: string | null): Set<string> {
  const prompts = new Set((value ?? '').split(/\s+/).filter((p) => p !== ''));
  for (const p of prompts) {
    if (!PROMPTS.includes(p)) throw AADSTS.invalidRequest(`The prompt value '${p}' is not supported; use login, none, consent or select_account.`);
  }
  if (prompts.has('none') && prompts.size > 1) throw AADSTS.invalidRequest('prompt=none cannot be combined with another prompt value.');
  return prompts;
}

interface ValidRequest {
  app: EmulatorApp;
  tenant: TenantRef;
  scope: string;
  target: AuthorizeTarget;
}

/** prompt=none: only the browser session's user, only with consent already given. */
function silent(ctx: EmulatorContext, req: EmulatorRequest, request: ValidRequest, params: URLSearchParams): EmulatorResponse {
  const session = ctx.signIn.session(req.headers.cookie, ctx.now());
  const current = session?.username;
  const hint = params.get('login_hint');
  const user = current === undefined ? undefined : ctx.directory.user(current);
  if (session === undefined || user === undefined || (hint !== null && hint.toLowerCase() !== user.username.toLowerCase())) {
    throw AADSTS.loginRequired();
  }
  const keys = consentItems(ctx, request).map((i) => i.key);
  if (!ctx.signIn.hasConsent(user.username, request.app.clientId, keys)) throw AADSTS.consentRequired(request.app.clientId, request.app.displayName);
  return finishAuthorize(ctx, req, { ...request, user, authTime: session.authTime ?? ctx.now() });
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
  const modeParam = params.get('response_mode') ?? 'query';
  const mode: AuthorizeTarget['mode'] = modeParam === 'fragment' || modeParam === 'form_post' ? modeParam : 'query';
  const challenge = params.get('code_challenge') ?? undefined;
  const methodParam = params.get('code_challenge_method');
  const target: AuthorizeTarget = {
    redirectUri,
    mode,
    state: params.get('state') ?? undefined,
    nonce: params.get('nonce') ?? undefined,
    codeChallenge: challenge,
    codeChallengeMethod: challenge === undefined ? undefined : methodParam === 'S256' ? 'S256' : 'plain',
    wantsClientInfo: params.get('client_info') === '1',
  };
  try {
    if (modeParam !== mode) throw AADSTS.invalidRequest(`The response_mode '${modeParam}' is not supported.`);
    const responseType = params.get('response_type');
    if (responseType !== 'code') throw AADSTS.unsupportedResponseType(responseType ?? '');
    checkAppForAuthority(app, tenant);
    const scope = params.get('scope') ?? 'openid profile';
    parseUserScopes(ctx.directory, app, scope, tenantDisplayName(tenant));
    if (methodParam !== null && methodParam !== 'S256' && methodParam !== 'plain') {
      throw AADSTS.invalidRequest(`The code_challenge_method '${methodParam}' is not supported; use S256 or plain.`);
    }
    const prompts = parsePrompt(params.get('prompt'));
    const request: ValidRequest = { app, tenant, scope, target };
    if (ctx.directory.config.autoApprove !== undefined || params.get('emulator_auto') === '1') {
      const user = autoUser(ctx, params);
      if (user !== undefined) return finishAuthorize(ctx, req, { ...request, user, authTime: ctx.now() });
    }
    if (prompts.has('none')) return silent(ctx, req, request, params);
    const now = ctx.now();
    const existing = ctx.signIn.session(req.headers.cookie, now);
    const session = existing ?? ctx.signIn.newSession(now);
    const interaction = ctx.signIn.start(
      {
        sessionId: session.id,
        app,
        tenant,
        scope,
        loginHint: params.get('login_hint') ?? undefined,
        forceLogin: prompts.has('login'),
        forceConsent: prompts.has('consent'),
        pickAccount: prompts.has('select_account'),
        target: { kind: 'authorize', authorize: target },
      },
      now,
    );
    const res = advance(ctx, req, session, interaction);
    if (existing === undefined) res.headers['set-cookie'] = ctx.signIn.setCookie(session);
    return res;
  } catch (err) {
    if (err instanceof AadFailure) return failToApp(target, err, req);
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
