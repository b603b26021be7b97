/**
 * Token request bodies (`application/x-www-form-urlencoded` fields) for each grant msal-ts uses. Plain records, so
 * `new URLSearchParams(body).toString()` encodes them.
 *
 * Scopes are sent as given: user flows decorate them first with `decorateScopes`, client credentials do not.
 * Empty and undefined values are dropped, as MSAL Python drops them.
 *
 * Extra `data` (MSAL Python's hidden `data=` parameter, e.g. `token_type=ssh-cert` with `req_cnf`) may add fields
 * but never replace one: a key the builder already set, or one of the protocol's own keys (`grant_type`,
 * `client_id`, `client_secret`, `client_assertion`, `client_assertion_type`), throws a RangeError. MSAL Python lets
 * `data` win silently, which turns a typo into a different grant.
 */
import { scopeToWire } from './scopes.js';
import { requireNonEmptyString } from '../util/checks.js';

/** A token request body: form field name to value. */
export type TokenRequestBody = Record<string, string>;

/** JWT bearer grant (RFC 7523), used for on-behalf-of. */
export const GRANT_TYPE_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Device authorization grant (RFC 8628). */
export const GRANT_TYPE_DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

const PROTECTED_KEYS = ['grant_type', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type'];
const CLIENT_AUTH_KEYS = ['client_secret', 'client_assertion', 'client_assertion_type'];

/** Options every builder takes. */
export interface TokenRequestCommon {
  clientId: string;
  /** The `claims` request parameter (a JSON string), e.g. a claims challenge merged with client capabilities. */
  claims?: string | undefined;
  /** The fields from `ClientAuthenticator.authenticate`, for confidential clients. */
  clientAuthentication?: Record<string, string> | undefined;
  /** Extra fields; see the module notes for what they may not do. */
  data?: Record<string, string | undefined> | undefined;
}

function build(grantType: string, common: TokenRequestCommon, userFlow: boolean, fields: Record<string, string | undefined>): TokenRequestBody {
  const body: TokenRequestBody = { grant_type: grantType, client_id: requireNonEmptyString(common.clientId, 'clientId') };
  // client_info=1 asks Entra for uid/utid, the home account id the cache is keyed by; apps have no account.
  if (userFlow) body.client_info = '1';
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== '') body[key] = value;
  }
  if (common.claims !== undefined && common.claims !== '') body.claims = common.claims;
  for (const [key, value] of Object.entries(common.clientAuthentication ?? {})) {
    if (!CLIENT_AUTH_KEYS.includes(key)) {
      throw new RangeError(`clientAuthentication.${key} is not a client authentication field`);
    }
    if (value !== '') body[key] = value;
  }
  for (const [key, value] of Object.entries(common.data ?? {})) {
    if (value === undefined || value === '') continue;
    if (PROTECTED_KEYS.includes(key) || key in body) {
      throw new RangeError(`data.${key} would replace a field the ${grantType} request sets itself`);
    }
    if (typeof value !== 'string') throw new TypeError(`data.${key} must be a string`);
    body[key] = value;
  }
  return body;
}

function wireScopes(scopes: Iterable<string> | undefined): string | undefined {
  return scopes === undefined ? undefined : scopeToWire(scopes);
}

/**
 * Client credentials grant (`acquireTokenForClient`). No `client_info`: there is no user.
 *
 * @param options - Common options and the scopes (undecorated, usually one `<resource>/.default`).
 * @throws TypeError naming `clientId` when it is empty; RangeError for `data` that would replace a field.
 */
export function buildClientCredentialsRequest(options: TokenRequestCommon & { scopes: Iterable<string> }): TokenRequestBody {
  return build('client_credentials', options, false, { scope: wireScopes(options.scopes) });
}

/**
 * Refresh token grant.
 *
 * @param options - Common options, the refresh token and the (decorated) scopes.
 * @throws TypeError naming `refreshToken` or `clientId` when empty; RangeError for `data` that would replace a field.
 */
export function buildRefreshTokenRequest(options: TokenRequestCommon & { refreshToken: string; scopes?: Iterable<string> | undefined }): TokenRequestBody {
  return build('refresh_token', options, true, {
    refresh_token: requireNonEmptyString(options.refreshToken, 'refreshToken'),
    scope: wireScopes(options.scopes),
  });
}

/**
 * Authorization code grant with PKCE.
 *
 * @param options - Common options, the code, the redirect URI of the authorize request, the PKCE verifier and the
 *   (decorated) scopes.
 * @throws TypeError naming `code`, `redirectUri` or `clientId` when empty; RangeError for `data` that would replace a
 *   field.
 */
export function buildAuthorizationCodeRequest(
  options: TokenRequestCommon & {
    code: string;
    /** Optional as in RFC 6749 (needed when the authorize request had one); the auth code flow always sends it. */
    redirectUri?: string | undefined;
    codeVerifier?: string | undefined;
    scopes?: Iterable<string> | undefined;
  },
): TokenRequestBody {
  return build('authorization_code', options, true, {
    code: requireNonEmptyString(options.code, 'code'),
    redirect_uri: options.redirectUri === undefined ? undefined : requireNonEmptyString(options.redirectUri, 'redirectUri'),
    code_verifier: options.codeVerifier,
    scope: wireScopes(options.scopes),
  });
}

/**
 * Resource owner password credentials grant (`acquireTokenByUsernamePassword`).
 *
 * @param options - Common options, username, password and the (decorated) scopes.
 * @throws TypeError naming `username`, `password` or `clientId` when empty; RangeError for `data` that would replace
 *   a field.
 */
export function buildPasswordRequest(options: TokenRequestCommon & { username: string; password: string; scopes: Iterable<string> }): TokenRequestBody {
  return build('password', options, true, {
    username: requireNonEmptyString(options.username, 'username'),
    password: requireNonEmptyString(options.password, 'password'),
    scope: wireScopes(options.scopes),
  });
}

/**
 * Device code grant (RFC 8628) polling request. Only `device_code` is sent; MSAL Python also sends a duplicate
 * `code` field that Entra no longer needs.
 *
 * @param options - Common options, the device code and optionally the (decorated) scopes.
 * @throws TypeError naming `deviceCode` or `clientId` when empty; RangeError for `data` that would replace a field.
 */
export function buildDeviceCodeRequest(options: TokenRequestCommon & { deviceCode: string; scopes?: Iterable<string> | undefined }): TokenRequestBody {
  return build(GRANT_TYPE_DEVICE_CODE, options, true, {
    device_code: requireNonEmptyString(options.deviceCode, 'deviceCode'),
    scope: wireScopes(options.scopes),
  });
}

/**
 * On-behalf-of: the JWT bearer grant with `requested_token_use=on_behalf_of`.
 *
 * @param options - Common options, the incoming user assertion (an access token for this app) and the (decorated)
 *   scopes, so a refresh token and id token come back.
 * @throws TypeError naming `assertion` or `clientId` when empty; RangeError for `data` that would replace a field.
 */
export function buildOnBehalfOfRequest(options: TokenRequestCommon & { assertion: string; scopes: Iterable<string> }): TokenRequestBody {
  return build(GRANT_TYPE_JWT_BEARER, options, true, {
    assertion: requireNonEmptyString(options.assertion, 'assertion'),
    requested_token_use: 'on_behalf_of',
    scope: wireScopes(options.scopes),
  });
}

/** The user federated identity credential grant type (MSAL Python 1.37's `user_fic`). */
export const GRANT_TYPE_USER_FIC = 'user_fic';

/**
 * User federated identity credential grant: an agent application trades a federated credential (its instance token)
 * for a token for one user, named by `username` (UPN) or `userObjectId` (sent as `user_id`), exactly one of them.
 *
 * @param options - Common options, the credential, the user and the (decorated) scopes.
 * @throws TypeError naming `assertion`, `clientId`, `username` or `userObjectId` when malformed, or when both or neither
 *   user is given; RangeError for `data` that would replace a field.
 */
export function buildUserFederatedIdentityCredentialRequest(
  options: TokenRequestCommon & {
    assertion: string;
    username?: string | undefined;
    userObjectId?: string | undefined;
    scopes: Iterable<string>;
  },
): TokenRequestBody {
  const { username, userObjectId } = options;
  if ((username === undefined) === (userObjectId === undefined)) {
    throw new TypeError('give exactly one of username and userObjectId');
  }
  return build(GRANT_TYPE_USER_FIC, options, true, {
    user_federated_identity_credential: requireNonEmptyString(options.assertion, 'assertion'),
    username: username === undefined ? undefined : requireNonEmptyString(username, 'username'),
    user_id: userObjectId === undefined ? undefined : requireNonEmptyString(userObjectId, 'userObjectId'),
    scope: wireScopes(options.scopes),
  });
}
