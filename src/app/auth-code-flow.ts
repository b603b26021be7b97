/**
 * The authorization code flow with PKCE and an OIDC nonce, as MSAL Python's `initiate_auth_code_flow` /
 * `acquire_token_by_auth_code_flow`: the first call builds the sign-in URL and a flow object the caller keeps (in a
 * web session); the second checks the redirect's response against it and redeems the code.
 */
import { ServerError, StateMismatchError } from '../errors.js';
import { decodeClientInfo } from '../protocol/client-info.js';
import { nonceHash } from '../protocol/id-token.js';
import { createPkce } from '../protocol/pkce.js';
import { createNonce, createState } from '../protocol/random.js';
import { isScopeSubset, scopeToWire } from '../protocol/scopes.js';
import { buildAuthorizationCodeRequest } from '../protocol/token-request.js';
import type { AppCore, RedeemOptions } from './app-core.js';
import type { AuthenticationResult } from './authentication-result.js';
import { checkData, type ExtraData, type TokenRequestData } from './extra-data.js';

export { Prompt } from './prompt.js';

/**
 * What {@link ClientApplication.initiateAuthCodeFlow} returns: keep it (e.g. in the web session) and hand it to
 * `acquireTokenByAuthCodeFlow` with the redirect's response. Wire names, as MSAL Python's flow dict. It holds the PKCE
 * verifier: keep it server-side, never send it to the browser.
 */
export interface AuthCodeFlow {
  /** The `state` sent; the response must carry it back. */
  readonly state: string;
  readonly redirect_uri: string;
  /** The scopes requested (with the OIDC scopes added). */
  readonly scope: readonly string[];
  /** Where to send the user to sign in. */
  readonly auth_uri: string;
  readonly code_verifier: string;
  /** The raw nonce; its SHA-256 hex was sent and must come back in the id token. */
  readonly nonce: string;
  readonly max_age?: number;
  readonly claims_challenge?: string;
}

/** Options of {@link ClientApplication.initiateAuthCodeFlow}. */
export interface InitiateAuthCodeFlowOptions {
  /** Where the identity provider sends the response; must be registered for the app. */
  redirectUri: string;
  /** Your own `state`; a random one (256 bits) by default. */
  state?: string | undefined;
  /** `prompt`: one of {@link Prompt}, or several. */
  prompt?: string | readonly string[] | undefined;
  /** The user's username, to prefill the sign-in page (also sent as `X-AnchorMailbox`). */
  loginHint?: string | undefined;
  /** `domain_hint`, e.g. `organizations`, `consumers` or a tenant domain. */
  domainHint?: string | undefined;
  /** A claims challenge (JSON) from a resource; sent as `claims` and again when the code is redeemed. */
  claimsChallenge?: string | undefined;
  /** Maximum seconds since the user last signed in; the id token's `auth_time` is then checked. */
  maxAge?: number | undefined;
  /** `query` (default) or `form_post` (the response is POSTed to the redirect URI, out of browser history). */
  responseMode?: 'query' | 'form_post' | undefined;
  /**
   * `response_type`: `code` (default), or a registered extension value. Values containing `token` or `id_token`
   * (implicit grant: the response would come back in the URL fragment, which never reaches a server) are refused
   * with a RangeError, as MSAL Python refuses them.
   */
  responseType?: string | undefined;
  /** Scopes of other resources to consent to now, on the sign-in page only (not redeemed). */
  extraScopesToConsent?: readonly string[] | undefined;
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Options of {@link ClientApplication.acquireTokenByAuthCodeFlow}. */
export interface AcquireTokenByAuthCodeFlowOptions {
  /** A subset of the flow's scopes to redeem the code for (when consent covered several resources). */
  scopes?: readonly string[] | undefined;
  /** Extra token request fields (MSAL Python's `data`), e.g. `{ token_type: 'ssh-cert', req_cnf, key_id }`. */
  data?: TokenRequestData | undefined;
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** The fields of the redirect's query or form: `code`, `state`, `client_info`, or `error`, `error_description`. */
export type AuthorizationResponse = Readonly<Record<string, string | undefined>> | URLSearchParams;

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

function promptValue(prompt: unknown): string | undefined {
  if (prompt === undefined) return undefined;
  if (typeof prompt === 'string' && prompt !== '') return prompt;
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((p) => typeof p === 'string' && p !== '')) return prompt.join(' ');
  throw new TypeError('options.prompt must be a non-empty string or array of strings (see Prompt)');
}

function checkMaxAge(maxAge: unknown): number | undefined {
  if (maxAge === undefined) return undefined;
  if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0) throw new RangeError('options.maxAge must be a non-negative integer of seconds');
  return maxAge;
}

/** Builds the flow: checks every option before any I/O, then discovers the authorize endpoint. */
export async function initiateAuthCodeFlow(core: AppCore, scopes: readonly string[], options: InitiateAuthCodeFlowOptions): Promise<AuthCodeFlow> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object with a redirectUri');
  const decorated = core.decorate(scopes);
  const redirectUri = optionalString(options.redirectUri, 'options.redirectUri');
  if (redirectUri === undefined || !URL.canParse(redirectUri)) throw new TypeError('options.redirectUri must be an absolute URL registered for the app');
  const state = optionalString(options.state, 'options.state') ?? createState();
  const prompt = promptValue(options.prompt);
  const loginHint = optionalString(options.loginHint, 'options.loginHint');
  const domainHint = optionalString(options.domainHint, 'options.domainHint');
  const claimsChallenge = optionalString(options.claimsChallenge, 'options.claimsChallenge');
  const maxAge = checkMaxAge(options.maxAge);
  const responseMode = options.responseMode;
  if (responseMode !== undefined && responseMode !== 'query' && responseMode !== 'form_post') {
    throw new RangeError('options.responseMode must be "query" or "form_post"');
  }
  const responseType = optionalString(options.responseType, 'options.responseType') ?? 'code';
  if (responseType.includes('token')) {
    throw new RangeError('options.responseType must not ask for a token or id_token (implicit grant): the auth code flow redeems a code');
  }
  const extra = options.extraScopesToConsent === undefined ? [] : core.decorate(options.extraScopesToConsent).filter((s) => !decorated.includes(s));
  const claims = core.claims(claimsChallenge);
  const ctx = core.context(options);
  const metadata = await core.metadataFor(core.authority, ctx);

  const pkce = createPkce();
  const nonce = createNonce();
  const url = new URL(metadata.authorization_endpoint);
  const params: Array<[string, string | undefined]> = [
    ['client_id', core.clientId],
    ['response_type', responseType],
    ['redirect_uri', redirectUri],
    ['scope', scopeToWire([...decorated, ...extra])],
    ['state', state],
    ['code_challenge', pkce.code_challenge],
    ['code_challenge_method', pkce.code_challenge_method],
    ['nonce', nonceHash(nonce)],
    ['client_info', '1'],
    ['prompt', prompt],
    ['login_hint', loginHint],
    ['domain_hint', domainHint],
    ['claims', claims],
    ['max_age', maxAge === undefined ? undefined : String(maxAge)],
    ['response_mode', responseMode],
    // Entra routes the request to the user's home region by this hint, as MSAL Python sends it.
    ['X-AnchorMailbox', loginHint === undefined ? undefined : `UPN:${loginHint}`],
  ];
  // `set`, not `append`: an authorization endpoint whose query already names one of these (a tampered discovery
  // document's `redirect_uri=https://elsewhere`) must not get a second value that a server might read first.
  for (const [name, value] of params) if (value !== undefined) url.searchParams.set(name, value);
  const flow: AuthCodeFlow = {
    state,
    redirect_uri: redirectUri,
    scope: Object.freeze(decorated),
    auth_uri: url.href,
    code_verifier: pkce.code_verifier,
    nonce,
    ...(maxAge === undefined ? {} : { max_age: maxAge }),
    ...(claimsChallenge === undefined ? {} : { claims_challenge: claimsChallenge }),
  };
  return flow;
}

function responseFields(authResponse: AuthorizationResponse): Record<string, string> {
  if (authResponse instanceof URLSearchParams) return Object.fromEntries(authResponse);
  if (typeof authResponse !== 'object' || authResponse === null) throw new TypeError("authResponse must be an object (the redirect's query or form fields)");
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(authResponse)) if (typeof value === 'string') out[key] = value;
  return out;
}

function checkFlow(flow: unknown): AuthCodeFlow {
  if (typeof flow !== 'object' || flow === null) throw new TypeError('flow must be the object initiateAuthCodeFlow returned');
  const f = flow as Record<string, unknown>;
  if (typeof f['state'] !== 'string' || f['state'] === '') throw new TypeError('flow has no state: pass the object initiateAuthCodeFlow returned');
  for (const name of ['redirect_uri', 'code_verifier', 'nonce'] as const) {
    if (typeof f[name] !== 'string' || f[name] === '') throw new TypeError(`flow.${name} is missing: pass the object initiateAuthCodeFlow returned`);
  }
  if (!Array.isArray(f['scope'])) throw new TypeError('flow.scope is missing: pass the object initiateAuthCodeFlow returned');
  return flow as AuthCodeFlow;
}

/** The `X-AnchorMailbox` routing hint of a response's `client_info`, when it has a usable one. */
function anchorFromClientInfo(clientInfo: string | undefined): Record<string, string> {
  if (clientInfo === undefined) return {};
  try {
    const { uid, utid } = decodeClientInfo(clientInfo);
    return { 'X-AnchorMailbox': `Oid:${uid}@${utid}` };
  } catch {
    // Only a routing hint: a malformed one is simply not sent.
    return {};
  }
}

/** Completes the flow: every check, then the code redemption. */
export async function acquireTokenByAuthCodeFlow(
  core: AppCore,
  flowInput: AuthCodeFlow,
  authResponse: AuthorizationResponse,
  options: AcquireTokenByAuthCodeFlowOptions = {},
): Promise<AuthenticationResult> {
  const flow = checkFlow(flowInput);
  const response = responseFields(authResponse);
  const extra = checkData(options.data);
  if (response['state'] !== flow.state) {
    throw new StateMismatchError('the authorization response does not carry the state this flow sent (a forged or mixed-up response)');
  }
  let scopes = [...flow.scope];
  if (options.scopes !== undefined) {
    const wanted = core.decorate(options.scopes);
    if (!isScopeSubset(wanted, flow.scope)) throw new RangeError(`options.scopes must be a subset of the flow's scopes: ${flow.scope.join(' ')}`);
    scopes = wanted;
  }
  const code = response['code'];
  if (code !== undefined && code !== '') {
    return redeemAuthorizationCode(
      core,
      options,
      { code, redirectUri: flow.redirect_uri, codeVerifier: flow.code_verifier, scopes, claims: core.claims(flow.claims_challenge), extra },
      { nonce: nonceHash(flow.nonce), maxAge: flow.max_age, headers: anchorFromClientInfo(response['client_info']) },
    );
  }
  const error = response['error'];
  if (error !== undefined && error !== '') {
    // Only the error fields are kept: a forged response could carry anything else (MSAL Python does the same).
    throw new ServerError(0, { error, error_description: response['error_description'], error_uri: response['error_uri'] });
  }
  throw new TypeError("authResponse has neither a code nor an error: pass the redirect's query or form fields");
}

/** What {@link redeemAuthorizationCode} sends. */
export interface AuthorizationCodeRedemption {
  readonly code: string;
  readonly redirectUri: string | undefined;
  readonly codeVerifier: string | undefined;
  /** Decorated scopes. */
  readonly scopes: readonly string[];
  readonly claims: string | undefined;
  readonly extra: ExtraData;
}

/**
 * Redeems an authorization code at the token endpoint and stores the result: the one redemption of both auth code APIs
 * (the flow and MSAL Python's older pair), so they fill the cache alike.
 */
export async function redeemAuthorizationCode(
  core: AppCore,
  options: { correlationId?: string | undefined; signal?: AbortSignal | undefined },
  request: AuthorizationCodeRedemption,
  check: Pick<RedeemOptions, 'nonce' | 'maxAge' | 'headers'>,
): Promise<AuthenticationResult> {
  const ctx = core.context(options);
  const target = core.targetFor({});
  const metadata = await core.metadataFor(target.authority, ctx);
  const body = buildAuthorizationCodeRequest({
    clientId: core.clientId,
    code: request.code,
    redirectUri: request.redirectUri,
    codeVerifier: request.codeVerifier,
    scopes: request.scopes,
    claims: request.claims,
    clientAuthentication: await core.clientAuthentication(metadata.token_endpoint),
    data: request.extra.fields,
  });
  return core.redeem(target, metadata, body, ctx, {
    grantType: 'authorization_code',
    scopes: request.scopes,
    keyId: request.extra.keyId,
    extCacheKey: request.extra.extCacheKeys?.[0],
    ...check,
  });
}
