/**
 * How a `msal-ts/azure` credential over a PublicClientApplication gets a token: silently for the account, else through
 * the configured sign-in fallback, one sign-in at a time.
 */
import { homeAccountIdOf } from '../app/app-core.js';
import type { AuthenticationResult } from '../app/authentication-result.js';
import type { DeviceFlow } from '../app/device-flow.js';
import type { AcquireTokenInteractiveOptions } from '../app/interactive.js';
import type { PublicClientApplication } from '../app/public-client-application.js';
import { withTenant } from '../authority/authority.js';
import type { Account } from '../cache/cache-types.js';
import { CredentialUnavailableError } from '../errors.js';

/** What a credential remembers between calls. */
export interface PublicClientState {
  /** The account its fallback signed in, preferred over the cache's other accounts. */
  homeAccountId: string | undefined;
  /** The sign-in under way, so that concurrent requests do not open several browsers or device codes. */
  interaction: Promise<unknown> | undefined;
}

/** One request. */
export interface PublicClientRequest {
  account?: Account | undefined;
  fallback?: 'interactive' | 'device-code' | undefined;
  interactiveOptions?: Omit<AcquireTokenInteractiveOptions, 'claimsChallenge' | 'signal'> | undefined;
  onDeviceCode?: ((flow: DeviceFlow) => void | Promise<void>) | undefined;
  tenant: string | undefined;
  claims: string | undefined;
  signal: AbortSignal | undefined;
}

/**
 * A token for the request: from the cache or a refresh, else by the fallback sign-in.
 *
 * @throws CredentialUnavailableError when the user must sign in and there is no fallback (or no account can be
 *   chosen); the application's own errors otherwise.
 */
export async function publicClientToken(
  app: PublicClientApplication,
  scopes: string[],
  req: PublicClientRequest,
  state: PublicClientState,
): Promise<AuthenticationResult> {
  const authority = req.tenant === undefined ? undefined : withTenant(app.authority, req.tenant).url;
  const silent = async (): Promise<AuthenticationResult | undefined> => {
    const account = req.account ?? (await chooseAccount(app, state, req.fallback !== undefined));
    if (account === undefined) return undefined;
    return app.acquireTokenSilent(scopes, { account, authority, claimsChallenge: req.claims, signal: req.signal });
  };

  const pending = state.interaction;
  if (pending !== undefined) await pending.catch(() => undefined); // another request is signing the user in: use it
  const cached = await silent();
  if (cached !== undefined) return cached;
  if (req.fallback === undefined) {
    throw new CredentialUnavailableError(
      'interaction_required',
      "the account's tokens cannot be refreshed without the user: sign in again, or pass options.fallback",
    );
  }
  // The first request to get here signs in; the others wait for it, then try the cache again.
  if (state.interaction !== undefined) return publicClientToken(app, scopes, req, state);
  const interaction = signIn(app, scopes, req);
  state.interaction = interaction;
  try {
    const result = await interaction;
    state.homeAccountId = homeAccountIdOf(result, result.id_token_claims) ?? state.homeAccountId;
    // The sign-in used the configured authority; a token from another tenant comes from the new refresh token.
    if (authority === undefined) return result;
    const inTenant = await silent();
    if (inTenant !== undefined) return inTenant;
    throw new CredentialUnavailableError('interaction_required', `signed in, but no token could be got from tenant ${req.tenant}`);
  } finally {
    if (state.interaction === interaction) state.interaction = undefined;
  }
}

async function signIn(app: PublicClientApplication, scopes: string[], req: PublicClientRequest): Promise<AuthenticationResult> {
  if (req.fallback === 'device-code') {
    const flow = await app.initiateDeviceFlow(scopes, { signal: req.signal });
    await (req.onDeviceCode ?? showDeviceCode)(flow);
    return app.acquireTokenByDeviceFlow(flow, { signal: req.signal, claimsChallenge: req.claims });
  }
  const loginHint = req.interactiveOptions?.loginHint ?? req.account?.username;
  return app.acquireTokenInteractive(scopes, {
    ...req.interactiveOptions,
    loginHint,
    claimsChallenge: req.claims,
    signal: req.signal,
  });
}

function showDeviceCode(flow: DeviceFlow): void {
  process.stderr.write(`${flow.message}\n`);
}

/** The account to use: the one the fallback signed in, else the cache's only account. */
async function chooseAccount(app: PublicClientApplication, state: PublicClientState, canSignIn: boolean): Promise<Account | undefined> {
  const accounts = await app.getAccounts();
  if (state.homeAccountId !== undefined) {
    const signedIn = accounts.find((a) => a.home_account_id === state.homeAccountId);
    if (signedIn !== undefined) return signedIn;
  }
  if (accounts.length === 1) return accounts[0];
  if (canSignIn) return undefined;
  if (accounts.length === 0) {
    throw new CredentialUnavailableError('no_account', 'no user is signed in to this PublicClientApplication: sign one in first, or pass options.fallback');
  }
  throw new CredentialUnavailableError('several_accounts', `the token cache holds ${accounts.length} accounts: choose one with options.account`);
}
