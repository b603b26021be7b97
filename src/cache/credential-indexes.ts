/**
 * Indexes of the refresh tokens, id tokens, accounts and app metadata. Refresh tokens, id tokens and accounts are found
 * by their account alone, then picked by their other fields: an account holds a few of each (one per app, host and
 * tenant), and a key of the account's own lower-cased id (usually the very string the entry holds) costs no memory,
 * where a composite key string per entry and index cost about 800 bytes per signed-in user. Key parts that are
 * case-insensitive on the wire (hosts, GUIDs, client ids, tenants) are compared lower-cased; family ids and assertion
 * hashes exactly.
 */
import type { AccountEntry, AppMetadataEntry, IdTokenEntry, RefreshTokenEntry } from './cache-types.js';
import { MultiMap, indexKey } from './multi-map.js';

const lc = (s: string | undefined): string => (s === undefined ? '' : s.toLowerCase());

/** Refresh tokens by account; counted by environment. */
export class RefreshTokenIndex {
  readonly #byAccount = new MultiMap<RefreshTokenEntry>();
  readonly #countByEnvironment = new Map<string, number>();

  insert(e: RefreshTokenEntry): void {
    this.#byAccount.add(lc(e.home_account_id), e);
    const env = lc(e.environment);
    this.#countByEnvironment.set(env, (this.#countByEnvironment.get(env) ?? 0) + 1);
  }

  remove(e: RefreshTokenEntry): void {
    this.#byAccount.delete(lc(e.home_account_id), e);
    const env = lc(e.environment);
    const n = (this.#countByEnvironment.get(env) ?? 0) - 1;
    if (n <= 0) this.#countByEnvironment.delete(env);
    else this.#countByEnvironment.set(env, n);
  }

  /** The app's own refresh tokens of an account in an environment (and on-behalf-of partition), in insertion order. */
  byClient(hid: string, env: string, clientId: string, uah: string | undefined): RefreshTokenEntry[] {
    const environment = lc(env);
    const client = lc(clientId);
    return this.byAccount(hid, environment).filter((e) => lc(e.client_id) === client && e.userAssertionHash === uah);
  }

  /** A family's refresh tokens of an account in an environment (and on-behalf-of partition), in insertion order. */
  byFamily(hid: string, env: string, familyId: string, uah: string | undefined): RefreshTokenEntry[] {
    return this.byAccount(hid, env).filter((e) => e.family_id === familyId && e.userAssertionHash === uah);
  }

  /** Every refresh token of an account in an environment, in insertion order. */
  byAccount(hid: string, env: string): RefreshTokenEntry[] {
    const environment = lc(env);
    return (this.#byAccount.get(lc(hid)) ?? []).filter((e) => lc(e.environment) === environment);
  }

  hasEnvironment(environment: string): boolean {
    return this.#countByEnvironment.has(lc(environment));
  }
}

/** Id tokens by account. */
export class IdTokenIndex {
  readonly #byAccount = new MultiMap<IdTokenEntry>();

  insert(e: IdTokenEntry): void {
    this.#byAccount.add(lc(e.home_account_id), e);
  }

  remove(e: IdTokenEntry): void {
    this.#byAccount.delete(lc(e.home_account_id), e);
  }

  /** The first id token (in insertion order) of an account in an environment, tenant and app. */
  find(hid: string, env: string, realm: string, clientId: string): IdTokenEntry | undefined {
    const r = lc(realm);
    const client = lc(clientId);
    return this.byAccount(hid, env).find((e) => lc(e.realm) === r && lc(e.client_id) === client);
  }

  /** Every id token of an account in an environment, in insertion order. */
  byAccount(hid: string, env: string): IdTokenEntry[] {
    const environment = lc(env);
    return (this.#byAccount.get(lc(hid)) ?? []).filter((e) => lc(e.environment) === environment);
  }
}

/** Accounts by environment (in file order, which getAccounts' grouping depends on) and by account. */
export class AccountIndex {
  readonly #byEnvironment = new MultiMap<AccountEntry>();
  readonly #byAccount = new MultiMap<AccountEntry>();

  insert(e: AccountEntry): void {
    this.#byEnvironment.add(lc(e.environment), e);
    this.#byAccount.add(lc(e.home_account_id), e);
  }

  remove(e: AccountEntry): void {
    this.#byEnvironment.delete(lc(e.environment), e);
    this.#byAccount.delete(lc(e.home_account_id), e);
  }

  byEnvironment(environment: string): AccountEntry[] | undefined {
    return this.#byEnvironment.get(lc(environment));
  }

  /** Every Account entry of an account in an environment, in insertion order. */
  byAccount(hid: string, env: string): AccountEntry[] {
    const environment = lc(env);
    return (this.#byAccount.get(lc(hid)) ?? []).filter((e) => lc(e.environment) === environment);
  }
}

/** The index key of an app metadata entry. */
function appMetadataKey(environment: string, clientId: string): string {
  return indexKey(lc(environment), lc(clientId));
}

/** App metadata by (environment, client). */
export class AppMetadataIndex {
  readonly #byKey = new MultiMap<AppMetadataEntry>();

  static key(environment: string, clientId: string): string {
    return appMetadataKey(environment, clientId);
  }

  insert(e: AppMetadataEntry): void {
    this.#byKey.add(appMetadataKey(e.environment, e.client_id), e);
  }

  remove(e: AppMetadataEntry): void {
    this.#byKey.delete(appMetadataKey(e.environment, e.client_id), e);
  }

  byKey(key: string): AppMetadataEntry | undefined {
    return this.#byKey.first(key);
  }
}
