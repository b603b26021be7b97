/**
 * The older authorization code pair MSAL Python still ships for apps that keep their own state:
 * `get_authorization_request_url` builds the sign-in URL from what the caller chose (state, nonce, PKCE challenge),
 * `acquire_token_by_authorization_code` redeems a code the caller already checked. Nothing is generated or checked
 * for the caller beyond what it passes (a `nonce` given to the second call is checked against the id token); prefer
 * the auth code flow, which does all of it. Tokens are cached exactly as the auth code flow caches them.
 */
import { scopeToWire } from '../protocol/scopes.js';
import type { AppCore } from './app-core.js';
import { redeemAuthorizationCode } from './auth-code-flow.js';
import type { AuthenticationResult } from './authentication-result.js';
import { checkData, type TokenRequestData } from './extra-data.js';
import { withForwardedClientClaims } from './forwarded-client-claims.js';

/** Options of {@link ClientApplication.getAuthorizationRequestUrl}. */
export interface GetAuthorizationRequestUrlOptions {
  /** Where the identity provider sends the response; must be registered for the app. */
  redirectUri?: string | undefined;
  /** Your `state` (recommended against CSRF); not sent when omitted, as in MSAL Python. */
  state?: string | undefined;
  /** `response_type`: `code` (default), or another value the caller handles (`id_token`, `token`: implicit grant). */
  responseType?: string | readonly string[] | undefined;
  /** `prompt`: one of {@link Prompt}, or several. None is sent by default. */
  prompt?: string | readonly string[] | undefined;
  /** The user's username, to prefill the sign-in page. */
  loginHint?: string | undefined;
  /** `domain_hint`, e.g. `organizations`, `consumers` or a tenant domain. */
  domainHint?: string | undefined;
  /** Your OIDC `nonce`, sent as given; pass the same value to `acquireTokenByAuthorizationCode` to have it checked. */
  nonce?: string | undefined;
  /** A claims challenge (JSON) from a resource, merged with the app's client capabilities and sent as `claims`. */
  claimsChallenge?: string | undefined;
  /** A PKCE `code_challenge` made from your verifier (RFC 7636); pass the verifier when redeeming. */
  codeChallenge?: string | undefined;
  /** `code_challenge_method`: `S256` (default when `codeChallenge` is given) or `plain`. */
  codeChallengeMethod?: 'S256' | 'plain' | undefined;
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Options of {@link ClientApplication.acquireTokenByAuthorizationCode}. */
export interface AcquireTokenByAuthorizationCodeOptions {
  /** The redirect URI of the authorization request (Entra requires the same value). */
  redirectUri?: string | undefined;
  /** The nonce sent in the authorization request: the id token must carry it (IdTokenError otherwise). */
  nonce?: string | undefined;
  /** The PKCE verifier of the `codeChallenge` sent (MSAL Python takes it as `data={"code_verifier": ...}`). */
  codeVerifier?: string | undefined;
  /** A claims challenge (JSON) from a resource. */
  claimsChallenge?: string | undefined;
  /** Extra token request fields (MSAL Python's `data`). */
  data?: TokenRequestData | undefined;
  /**
   * Client-originated claims to forward (MSAL Python's `forwarded_client_claims`; confidential clients only), a JSON
   * object string: merged into the `claims` sent, and the access token is cached under a key of this exact string.
   */
  forwardedClientClaims?: string | undefined;
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

function spaceJoined(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((p) => typeof p === 'string' && p !== '')) return value.join(' ');
  throw new TypeError(`${name} must be a non-empty string or array of strings`);
}

function optionalUrl(value: unknown, name: string): string | undefined {
  const url = optionalString(value, name);
  if (url !== undefined && !URL.canParse(url)) throw new TypeError(`${name} must be an absolute URL registered for the app`);
  return url;
}

/** Builds the URL: checks every option before any I/O, then discovers the authorize endpoint. */
export async function getAuthorizationRequestUrl(core: AppCore, scopes: readonly string[], options: GetAuthorizationRequestUrlOptions): Promise<string> {
  const decorated = core.decorate(scopes);
  const redirectUri = optionalUrl(options.redirectUri, 'options.redirectUri');
  const state = optionalString(options.state, 'options.state');
  const responseType = spaceJoined(options.responseType, 'options.responseType') ?? 'code';
  const prompt = spaceJoined(options.prompt, 'options.prompt');
  const loginHint = optionalString(options.loginHint, 'options.loginHint');
  const domainHint = optionalString(options.domainHint, 'options.domainHint');
  const nonce = optionalString(options.nonce, 'options.nonce');
  const claims = core.claims(optionalString(options.claimsChallenge, 'options.claimsChallenge'));
  const codeChallenge = optionalString(options.codeChallenge, 'options.codeChallenge');
  const method = options.codeChallengeMethod;
  if (method !== undefined && method !== 'S256' && method !== 'plain') throw new RangeError('options.codeChallengeMethod must be "S256" or "plain"');
  if (method !== undefined && codeChallenge === undefined) throw new TypeError('options.codeChallengeMethod needs options.codeChallenge');
  const ctx = core.context(options);
  const metadata = await core.metadataFor(core.authority, ctx);
  const url = new URL(metadata.authorization_endpoint);
  // MSAL Python sends exactly these (no client_info, no routing hint) on this path.
  const params: Array<[string, string | undefined]> = [
    ['client_id', core.clientId],
    ['response_type', responseType],
    ['redirect_uri', redirectUri],
    ['scope', scopeToWire(decorated)],
    ['state', state],
    ['login_hint', loginHint],
    ['prompt', prompt],
    ['nonce', nonce],
    ['domain_hint', domainHint],
    ['claims', claims],
    ['code_challenge', codeChallenge],
    ['code_challenge_method', codeChallenge === undefined ? undefined : (method ?? 'S256')],
  ];
  // `set`, not `append`, for the reason initiateAuthCodeFlow gives.
  for (const [name, value] of params) if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}

/** Redeems a code the caller obtained with {@link getAuthorizationRequestUrl} (or by any other means). */
export async function acquireTokenByAuthorizationCode(
  core: AppCore,
  code: string,
  scopes: readonly string[],
  options: AcquireTokenByAuthorizationCodeOptions,
): Promise<AuthenticationResult> {
  if (typeof code !== 'string' || code === '') throw new TypeError("code must be a non-empty string (the redirect's `code`)");
  const decorated = core.decorate(scopes);
  const redirectUri = optionalUrl(options.redirectUri, 'options.redirectUri');
  const nonce = optionalString(options.nonce, 'options.nonce');
  const codeVerifier = optionalString(options.codeVerifier, 'options.codeVerifier');
  if (typeof options.data === 'object' && options.data !== null && Object.hasOwn(options.data, 'code_verifier')) {
    // MSAL Python takes the verifier in `data`; say where it goes here rather than only refusing it.
    throw new RangeError('options.data.code_verifier is set by msal-ts itself: pass the verifier as options.codeVerifier');
  }
  if (options.forwardedClientClaims !== undefined && core.authenticate === undefined) {
    throw new TypeError('options.forwardedClientClaims is for confidential clients only (as in MSAL Python)');
  }
  const extra = withForwardedClientClaims(checkData(options.data), options.forwardedClientClaims, options.claimsChallenge);
  const claims = core.claims(optionalString(options.claimsChallenge, 'options.claimsChallenge'), extra);
  // The auth code flow's own redemption, so the cache is filled the same way; the nonce is compared as given (the flow
  // hashes its own), as MSAL Python compares it.
  return redeemAuthorizationCode(core, options, { code, redirectUri, codeVerifier, scopes: decorated, claims, extra }, { nonce });
}
