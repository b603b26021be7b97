/**
 * Accounts in the cache, as MSAL Python's `get_accounts` and `remove_account` see them.
 *
 * An account is one `home_account_id` (`uid.utid` from `client_info`; the id token's `sub` for ADFS and generic OIDC
 * providers; for B2C Entra's uid carries the policy, `<oid>-<policy>.<tenant id>`, so each policy is its own account, as
 * in MSAL Python). A guest sign-in (a user of tenant A signed in to tenant B) is the same account with another realm:
 * the Account entries are grouped and the last one wins, as MSAL Python returns them.
 */
import type { CacheAccessContext } from '../cache/cache-access.js';
import type { Account } from '../cache/cache-types.js';
import type { AppCore } from './app-core.js';

/** `getAccounts(username?)`: the accounts signed in through this authority's environment (or an alias of it). */
export async function getAccounts(core: AppCore, username?: string): Promise<Account[]> {
  if (username !== undefined && (typeof username !== 'string' || username === '')) {
    throw new TypeError('username must be a non-empty string when given');
  }
  const access: CacheAccessContext = { clientId: core.clientId, partition: { kind: 'any' } };
  const loading = core.tokenCache.beforeRead(access);
  if (loading !== undefined) await loading;
  return core.tokenCache.getAccounts({ environments: core.accountEnvironments(), username });
}

/**
 * `removeAccount(account)`: signs the account out of this app (its refresh tokens of this app or of the app's FOCI
 * family) and forgets it (its access tokens of any app, id tokens and Account entries in every realm), in one cache
 * write. Refresh tokens of other, non-family apps sharing the cache are kept, as MSAL Python keeps them.
 */
export async function removeAccount(core: AppCore, account: Account): Promise<void> {
  if (typeof account !== 'object' || account === null || typeof account.home_account_id !== 'string' || typeof account.environment !== 'string') {
    throw new TypeError('account must be an account from getAccounts()');
  }
  const cache = core.tokenCache;
  const hid = account.home_account_id;
  const env = account.environment;
  const access: CacheAccessContext = {
    clientId: core.clientId,
    partition: { kind: 'user', homeAccountId: hid, environment: env },
  };
  await cache.write(access, () => {
    const familyId = cache.getAppMetadata(env, core.clientId)?.family_id;
    const entries = cache.getAccountEntries(hid, env);
    for (const rt of entries.refreshTokens) {
      if (rt.client_id === core.clientId || (familyId !== undefined && rt.family_id === familyId)) cache.removeRt(rt);
    }
    for (const at of entries.accessTokens) cache.removeAt(at);
    for (const idt of entries.idTokens) cache.removeIdt(idt);
    for (const a of entries.accounts) cache.removeAccount(a);
  });
}
