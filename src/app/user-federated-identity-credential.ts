/**
 * User federated identity credential (`grant_type=user_fic`), as MSAL Python 1.37's
 * `acquire_token_by_user_federated_identity_credential` (PR 918): the last leg of an agent identity's sign-in. An agent
 * application, authenticated with its own credential (often a `clientAssertion` callback that fetches a federated
 * managed identity token with `fmiPath`), trades a federated credential (its instance token) for a token for one user,
 * named by UPN or object id. The result is cached as a user token with an Account (`account_source` `user_fic`), so
 * `acquireTokenSilent` serves it afterwards; this call itself always asks the identity provider, as every MSAL does.
 */
import { rejectReservedScopes, validateScopes } from '../protocol/scopes.js';
import { buildUserFederatedIdentityCredentialRequest, GRANT_TYPE_USER_FIC } from '../protocol/token-request.js';
import type { AppCore } from './app-core.js';
import type { AuthenticationResult } from './authentication-result.js';
import { checkData, type TokenRequestData } from './extra-data.js';
import { withForwardedClientClaims } from './forwarded-client-claims.js';

/** The federated credential: a token string, or a function returning one (called once per request). */
export type UserFederatedIdentityAssertion = string | (() => string | Promise<string>);

/** Options of `acquireTokenByUserFederatedIdentityCredential`: exactly one of `username` and `userObjectId`. */
export interface AcquireTokenByUserFederatedIdentityCredentialOptions {
  /** The user's UPN (sent as `username`). */
  username?: string | undefined;
  /** The user's object id (sent as `user_id`). */
  userObjectId?: string | undefined;
  /** A claims challenge (JSON) from a resource, sent with the request. */
  claimsChallenge?: string | undefined;
  /** Extra token request fields (MSAL Python's `data`). */
  data?: TokenRequestData | undefined;
  /**
   * Client-originated claims to forward (MSAL Python's `forwarded_client_claims`), a JSON object string: merged into
   * the `claims` sent, and the user's access token is cached under a key of this exact string (so
   * `acquireTokenSilent` serves it only with the same `forwardedClientClaims`).
   */
  forwardedClientClaims?: string | undefined;
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

function optionalNonEmpty(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new TypeError(`options.${name} must be a non-empty string`);
  return value;
}

async function resolveAssertion(assertion: UserFederatedIdentityAssertion): Promise<string> {
  const value: unknown = typeof assertion === 'function' ? await assertion() : assertion;
  if (typeof value !== 'string' || value === '') {
    throw new TypeError('the user federated identity credential (assertion) must be a non-empty string');
  }
  return value;
}

/** `acquireTokenByUserFederatedIdentityCredential`; see the module notes. */
export async function acquireTokenByUserFederatedIdentityCredential(
  core: AppCore,
  scopes: readonly string[],
  assertion: UserFederatedIdentityAssertion,
  options: AcquireTokenByUserFederatedIdentityCredentialOptions = {},
): Promise<AuthenticationResult> {
  const wanted = validateScopes(scopes);
  rejectReservedScopes(wanted);
  if (typeof assertion === 'string') {
    if (assertion === '') throw new TypeError('assertion must be a non-empty string (the federated credential)');
  } else if (typeof assertion !== 'function') {
    throw new TypeError('assertion must be the federated credential: a non-empty string or a function returning one');
  }
  const username = optionalNonEmpty(options.username, 'username');
  const userObjectId = optionalNonEmpty(options.userObjectId, 'userObjectId');
  if ((username === undefined) === (userObjectId === undefined)) {
    throw new TypeError('give exactly one of options.username and options.userObjectId (the user to act for)');
  }
  if (options.claimsChallenge !== undefined && typeof options.claimsChallenge !== 'string') {
    throw new TypeError('options.claimsChallenge must be a JSON string');
  }
  const extra = withForwardedClientClaims(checkData(options.data), options.forwardedClientClaims, options.claimsChallenge);
  const ctx = core.context(options);
  const decorated = core.decorate(wanted);
  const target = core.targetFor({});
  const metadata = await core.metadataFor(target.authority, ctx);
  const tenant = metadata.tenant ?? target.authority.tenant;
  const body = buildUserFederatedIdentityCredentialRequest({
    clientId: core.clientId,
    assertion: await resolveAssertion(assertion),
    username,
    userObjectId,
    scopes: decorated,
    claims: core.claims(options.claimsChallenge, extra),
    clientAuthentication: await core.clientAuthentication(metadata.token_endpoint),
    data: extra.fields,
  });
  // Routes the request to the user's home region, as the other user flows do.
  const anchor = username !== undefined ? `upn:${username}` : `Oid:${userObjectId ?? ''}${tenant === undefined ? '' : `@${tenant}`}`;
  return core.redeem(target, metadata, body, ctx, {
    grantType: GRANT_TYPE_USER_FIC,
    scopes: decorated,
    username,
    keyId: extra.keyId,
    extCacheKey: extra.extCacheKeys?.[0],
    headers: { 'X-AnchorMailbox': anchor },
  });
}
