/**
 * Indexes of the refresh tokens, id tokens, accounts and app metadata: each lookup the app layer makes is one map
 * access. Key parts that are case-insensitive on the wire (hosts, GUIDs, client ids, tenants) are lower-cased;
 * family ids and assertion hashes are compared exactly.
 */
import type { AccountEntry, AppMetadataEntry, IdTokenEntry, RefreshTokenEntry } from './cache-types.js';
import { MultiMap, indexKey } from './multi-map.js';

const lc = (s: string | undefined): string => (s === undefined ? '' : s.toLowerCase());

/** Key of "this home account in this environment". */
export function accountEnvKey(homeAccountId: string | undefined, environment: string): string {
  return indexKey(lc(homeAccountId), lc(environment));
}

/** Refresh tokens by (account, environment, client) and by (account, environment, family). */
export class RefreshTokenIndex {
  readonly #byClient = new MultiMap<RefreshTokenEntry>();
  readonly #byFamily = new MultiMap<RefreshTokenEntry>();
  readonly #byAccount = new MultiMap<RefreshTokenEntry>();
  readonly #countByEnvironment = new Map<string, number>();

  /** Key for the app's own refresh tokens. */
  static clientKey(hid: string | undefined, env: string, clientId: string, uah: string | undefined): string {
    return indexKey(lc(hid), lc(env), lc(clientId), uah ?? '');
  }

  /** Key for a family's refresh tokens. */
  static familyKey(hid: string | undefined, env: string, familyId: string, uah: string | undefined): string {
    return indexKey(lc(hid), lc(env), familyId, uah ?? '');
  }

  insert(e: RefreshTokenEntry): void {
    this.#byClient.add(RefreshTokenIndex.clientKey(e.home_account_id, e.environment, e.client_id, e.userAssertionHash), e);
    if (e.family_id !== undefined) {
      this.#byFamily.add(RefreshTokenIndex.familyKey(e.home_account_id, e.environment, e.family_id, e.userAssertionHash), e);
    }
    this.#byAccount.add(accountEnvKey(e.home_account_id, e.environment), e);
    const env = lc(e.environment);
    this.#countByEnvironment.set(env, (this.#countByEnvironment.get(env) ?? 0) + 1);
  }

  remove(e: RefreshTokenEntry): void {
    this.#byClient.delete(RefreshTokenIndex.clientKey(e.home_account_id, e.environment, e.client_id, e.userAssertionHash), e);
    if (e.family_id !== undefined) {
      this.#byFamily.delete(RefreshTokenIndex.familyKey(e.home_account_id, e.environment, e.family_id, e.userAssertionHash), e);
    }
    this.#byAccount.delete(accountEnvKey(e.home_account_id, e.environment), e);
    const env = lc(e.environment);
    const n = (this.#countByEnvironment.get(env) ?? 0) - 1;
    if (n <= 0) this.#countByEnvironment.delete(env);
    else this.#countByEnvironment.set(env, n);
  }

  byClient(key: string): RefreshTokenEntry[] | undefined {
    return this.#byClient.get(key);
  }

  byFamily(key: string): RefreshTokenEntry[] | undefined {
    return this.#byFamily.get(key);
  }

  byAccount(key: string): RefreshTokenEntry[] | undefined {
    return this.#byAccount.get(key);
  }

  hasEnvironment(environment: string): boolean {
    return this.#countByEnvironment.has(lc(environment));
  }
}

/** Id tokens by (account, environment, realm, client). */
export class IdTokenIndex {
  readonly #byKey = new MultiMap<IdTokenEntry>();
  readonly #byAccount = new MultiMap<IdTokenEntry>();

  static key(hid: string | undefined, env: string, realm: string | undefined, clientId: string): string {
    return indexKey(lc(hid), lc(env), lc(realm), lc(clientId));
  }

  insert(e: IdTokenEntry): void {
    this.#byKey.add(IdTokenIndex.key(e.home_account_id, e.environment, e.realm, e.client_id), e);
    this.#byAccount.add(accountEnvKey(e.home_account_id, e.environment), e);
  }

  remove(e: IdTokenEntry): void {
    this.#byKey.delete(IdTokenIndex.key(e.home_account_id, e.environment, e.realm, e.client_id), e);
    this.#byAccount.delete(accountEnvKey(e.home_account_id, e.environment), e);
  }

  /** The first id token under `key` (there is one, unless entries from several MSALs collide). */
  byKey(key: string): IdTokenEntry | undefined {
    return this.#byKey.first(key);
  }

  byAccount(key: string): IdTokenEntry[] | undefined {
    return this.#byAccount.get(key);
  }
}

/** Accounts by environment (in file order, which getAccounts' grouping depends on) and by (account, environment). */
export class AccountIndex {
  readonly #byEnvironment = new MultiMap<AccountEntry>();
  readonly #byAccount = new MultiMap<AccountEntry>();

  insert(e: AccountEntry): void {
    this.#byEnvironment.add(lc(e.environment), e);
    this.#byAccount.add(accountEnvKey(e.home_account_id, e.environment), e);
  }

  remove(e: AccountEntry): void {
    this.#byEnvironment.delete(lc(e.environment), e);
    this.#byAccount.delete(accountEnvKey(e.home_account_id, e.environment), e);
  }

  byEnvironment(environment: string): AccountEntry[] | undefined {
    return this.#byEnvironment.get(lc(environment));
  }

  byAccount(key: string): AccountEntry[] | undefined {
    return this.#byAccount.get(key);
  }
}

/** App metadata by (environment, client). */
export class AppMetadataIndex {
  readonly #byKey = new MultiMap<AppMetadataEntry>();

  static key(environment: string, clientId: string): string {
    return indexKey(lc(environment), lc(clientId));
  }

  insert(e: AppMetadataEntry): void {
    this.#byKey.add(AppMetadataIndex.key(e.environment, e.client_id), e);
  }

  remove(e: AppMetadataEntry): void {
    this.#byKey.delete(AppMetadataIndex.key(e.environment, e.client_id), e);
  }

  byKey(key: string): AppMetadataEntry | undefined {
    return this.#byKey.first(key);
  }
}
