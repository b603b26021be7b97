/**
 * How `PublicClientApplication` routes its calls through a broker, following MSAL Python 1.31+:
 *
 * - interactive: with a `loginHint` (and a prompt other than `select_account`) naming one cached account, a silent
 *   broker request for it first; then, with no prompt or `none`, a sign-in without a window (default account); then
 *   the broker's window. `prompt: "none"` stops at the windowless attempt; without a prompt, only
 *   `interaction_required` and `account_unusable` go on to the window, other broker errors are thrown.
 * - silent: a cached access token first (not for `forceRefresh`, a claims challenge or `authScheme`); then the broker,
 *   for accounts it established (`account_source: "broker"`) or of unknown origin (written by older MSALs). Its answer
 *   is decisive when it succeeds or the account is its own; otherwise the refresh tokens in the cache are tried.
 * - username/password: the broker's windowless sign-in with the credentials.
 * - removeAccount: the broker signs the account out (an error is logged, not thrown), then the cache forgets it.
 * - proof-of-possession (`authScheme`): only through the broker; a `BrokerUnavailableError` otherwise.
 *
 * Broker results are cached (see broker.ts) with `token_source: "broker"`, except a proof-of-possession access token,
 * which is bound to one request and would otherwise be served from the cache to a Bearer request.
 */
import type { Account } from '../../cache/cache-types.js';
import { BrokerError, BrokerUnavailableError, InvalidResponseError } from '../../errors.js';
import type { TokenResponse } from '../../protocol/token-response.js';
import { rejectReservedScopes, validateScopes } from '../../protocol/scopes.js';
import { getAccounts } from '../accounts.js';
import { userPartition, type AppCore, type CacheLocation, type RequestContext, type Target } from '../app-core.js';
import type { AuthenticationResult } from '../authentication-result.js';
import { checkData } from '../extra-data.js';
import type { AcquireTokenInteractiveOptions } from '../interactive.js';
import type { AcquireTokenSilentOptions } from '../silent.js';
import type { AcquireTokenByUsernamePasswordOptions } from '../username-password.js';
import type { Broker, BrokerRequest, BrokerTokenResponse } from './broker.js';
import { PopAuthScheme } from './pop-auth-scheme.js';

/** The proof-of-possession option the brokered calls add. */
export interface AuthSchemeOption {
  /** A proof-of-possession token bound to this request, in place of a Bearer token. Needs a broker in use. */
  authScheme?: PopAuthScheme | undefined;
}

/** `acquireTokenInteractive` options of a public client: the browser flow's, plus the broker's. */
export interface PublicClientInteractiveOptions extends AcquireTokenInteractiveOptions, AuthSchemeOption {
  /** The window to parent the broker's dialog on (HWND, NSWindow, X11 window); absent for a console app. Broker only. */
  parentWindowHandle?: number | bigint | undefined;
}

/** `acquireTokenSilent` options of a public client. */
export type PublicClientSilentOptions = Omit<AcquireTokenSilentOptions, 'forwardedClientClaims'> & AuthSchemeOption;

/** `acquireTokenByUsernamePassword` options of a public client. */
export type PublicClientUsernamePasswordOptions = AcquireTokenByUsernamePasswordOptions & AuthSchemeOption;

/** MSAL Python's recoverable broker statuses: an interactive call goes on to the broker's window. */
const RECOVERABLE = new Set(['interaction_required', 'account_unusable']);

function noBroker(): BrokerUnavailableError {
  return new BrokerUnavailableError(
    'authScheme',
    'proof-of-possession tokens come only from a broker, and none served this call: the app has no broker in use (no ' +
      'enableBrokerOn* flag for this platform with a "broker", an ADFS/B2C/OIDC authority, or a broker that could not ' +
      'start), or the account was not signed in through it. Enable a broker and sign in through it, or drop ' +
      'authScheme to get a Bearer token.',
  );
}

function checkAuthScheme(value: unknown): PopAuthScheme | undefined {
  if (value === undefined || value instanceof PopAuthScheme) return value;
  throw new TypeError('options.authScheme must be a PopAuthScheme');
}

/** The broker's part of a `PublicClientApplication`: its calls consult {@link BrokerSeam} first. */
export class BrokerSeam {
  readonly #core: AppCore;
  readonly #broker: Broker | undefined;
  readonly #validateAuthority: boolean;
  #ready: Promise<Broker | undefined> | undefined;

  /**
   * @param broker - The broker in use, or `undefined` (then every call goes to the flows without one).
   * @param validateAuthority - `false` when the app turned instance discovery off, as MSAL Python tells the broker.
   */
  constructor(core: AppCore, broker: Broker | undefined, validateAuthority: boolean) {
    this.#core = core;
    this.#broker = broker;
    this.#validateAuthority = validateAuthority;
  }

  /** Whether proof-of-possession tokens can be asked for (MSAL Python's `is_pop_supported`). */
  get enabled(): boolean {
    return this.#broker !== undefined;
  }

  /** The broker once initialized, or `undefined` when there is none or it said it cannot run (remembered). */
  #use(): Promise<Broker | undefined> {
    const broker = this.#broker;
    if (broker === undefined) return Promise.resolve(undefined);
    this.#ready ??= (async () => {
      if (broker.initialize === undefined || (await broker.initialize())) return broker;
      this.#core.log.warning('the broker cannot run here; signing in without it, as MSAL Python does');
      return undefined;
    })().catch((err: unknown) => {
      this.#ready = undefined; // a failure to ask is not an answer: ask again next time
      throw err;
    });
    return this.#ready;
  }

  /** `acquireTokenInteractive`: through the broker when in use, else `plain` (the browser flow). */
  async interactive(
    scopes: readonly string[],
    options: PublicClientInteractiveOptions,
    plain: (options: AcquireTokenInteractiveOptions) => Promise<AuthenticationResult>,
  ): Promise<AuthenticationResult> {
    const { authScheme: scheme, parentWindowHandle, ...rest } = options;
    const authScheme = checkAuthScheme(scheme);
    const broker = await this.#use();
    if (broker === undefined) {
      if (authScheme !== undefined) throw noBroker();
      return plain(rest);
    }
    if (parentWindowHandle !== undefined && typeof parentWindowHandle !== 'number' && typeof parentWindowHandle !== 'bigint') {
      throw new TypeError('options.parentWindowHandle must be a number or a bigint');
    }
    if (options.extraScopesToConsent !== undefined) this.#core.log.warning('a broker ignores extraScopesToConsent (as in MSAL Python)');
    const core = this.#core;
    const target = core.targetFor({});
    const base = this.#request(target, scopes, options, authScheme, options.maxAge);
    const prompt = Array.isArray(options.prompt) ? options.prompt.join(' ') : (options.prompt as string | undefined);
    const loginHint = options.loginHint;
    const ctx = base.ctx;
    if (loginHint !== undefined && prompt !== 'select_account') {
      const accounts = await getAccounts(core, loginHint);
      const only = accounts.length === 1 ? accounts[0] : undefined;
      if (typeof only?.local_account_id === 'string') {
        try {
          const response = await broker.acquireTokenSilently({ ...base.request, accountId: only.local_account_id });
          if (response !== undefined) return await this.#store(target, base.scopes, response, authScheme, ctx);
        } catch (err) {
          if (!(err instanceof BrokerError)) throw err; // undecided: sign in below
        }
      }
    }
    if (prompt === undefined || prompt === '' || prompt === 'none') {
      try {
        const response = checkBrokerResponse(await broker.signInSilently(base.request));
        const wrong = wrongAccount(response, loginHint);
        if (wrong && prompt === 'none') {
          throw new BrokerError('interaction_required', 'prompt "none" cannot sign in a user other than the default one', {
            correlationId: ctx.correlationId,
          });
        }
        if (!wrong) return await this.#store(target, base.scopes, response, authScheme, ctx);
      } catch (err) {
        if (!(err instanceof BrokerError) || prompt === 'none' || !RECOVERABLE.has(err.status)) throw err;
      }
    }
    options.onBeforeLaunchingUi?.({ ui: 'broker' });
    const response = await broker.signInInteractively({ ...base.request, parentWindowHandle, loginHint, prompt });
    return this.#store(target, base.scopes, response, authScheme, ctx);
  }

  /**
   * `acquireTokenSilent` / `acquireTokenSilentWithError`: a cached token or the broker's answer when it is decisive,
   * else `plain` (the cache's refresh tokens). `withError` throws a decisive broker error; otherwise it is `undefined`.
   */
  async silent(
    scopes: readonly string[],
    options: PublicClientSilentOptions,
    withError: boolean,
    plain: (options: AcquireTokenSilentOptions) => Promise<AuthenticationResult | undefined>,
  ): Promise<AuthenticationResult | undefined> {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object with an account');
    const { authScheme: scheme, ...rest } = options;
    const authScheme = checkAuthScheme(scheme);
    const account: unknown = options.account;
    const source = typeof account === 'object' && account !== null ? (account as Account).account_source : undefined;
    // Only accounts the broker established, or of unknown origin (older MSALs wrote no account_source), as MSAL Python.
    const eligible = source === 'broker' || source === undefined || source === null;
    const broker = eligible ? await this.#use() : undefined;
    const accountId = broker === undefined ? undefined : (account as Account).local_account_id;
    if (broker === undefined || typeof accountId !== 'string') {
      if (authScheme !== undefined) throw noBroker();
      return plain(rest);
    }
    const core = this.#core;
    const target = core.targetFor({ authority: options.authority });
    const base = this.#request(target, scopes, options, authScheme, undefined);
    let fallback: AuthenticationResult | undefined;
    const bypass = options.forceRefresh === true || (options.claimsChallenge ?? '') !== '' || authScheme !== undefined;
    if (!bypass) {
      const extra = checkData(options.data);
      const homeAccountId = (account as Account).home_account_id;
      const partition = { kind: 'user', homeAccountId, environment: target.authority.host } as const;
      await core.tokenCache.beforeRead({ clientId: core.clientId, partition, correlationId: base.ctx.correlationId });
      const hit = core.lookupAccessToken(locationOf(core, target), homeAccountId, base.scopes, extra);
      if (hit !== undefined && !hit.aging) return hit.result;
      fallback = hit?.result; // an aging token: served if the broker cannot renew it
    }
    try {
      const response = await broker.acquireTokenSilently({ ...base.request, accountId });
      if (response !== undefined) return await this.#store(target, base.scopes, response, authScheme, base.ctx);
    } catch (err) {
      if (!(err instanceof BrokerError)) throw err;
      if (source === 'broker') {
        if (fallback !== undefined) return fallback;
        if (withError) throw err;
        return undefined;
      }
      // Of unknown origin: the broker's refusal is not decisive; the cache's refresh tokens may still work.
    }
    if (authScheme !== undefined) throw noBroker();
    // Undecided: the cache's refresh tokens, with the aging token as their fallback, as without a broker.
    return plain(rest);
  }

  /** `acquireTokenByUsernamePassword`: the broker's windowless sign-in with the credentials, else `plain`. */
  async usernamePassword(
    username: string,
    password: string,
    scopes: readonly string[],
    options: PublicClientUsernamePasswordOptions,
    plain: (options: AcquireTokenByUsernamePasswordOptions) => Promise<AuthenticationResult>,
  ): Promise<AuthenticationResult> {
    const { authScheme: scheme, ...rest } = options;
    const authScheme = checkAuthScheme(scheme);
    const broker = await this.#use();
    if (broker === undefined) {
      if (authScheme !== undefined) throw noBroker();
      return plain(rest);
    }
    if (typeof username !== 'string' || username === '') throw new TypeError('username must be a non-empty string');
    if (typeof password !== 'string' || password === '') throw new TypeError('password must be a non-empty string');
    const target = this.#core.targetFor({});
    const base = this.#request(target, scopes, options, authScheme, undefined);
    const response = await broker.signInSilently({ ...base.request, username, password });
    return this.#store(target, base.scopes, response, authScheme, base.ctx);
  }

  /** Before `removeAccount` forgets the account: the broker signs it out; its refusal is logged, as MSAL Python does. */
  async signOut(account: Account): Promise<void> {
    const broker = await this.#use();
    if (broker === undefined || typeof account !== 'object' || account === null || typeof account.local_account_id !== 'string') return;
    try {
      const { correlationId } = this.#core.context({});
      await broker.signOutSilently({ clientId: this.#core.clientId, accountId: account.local_account_id, correlationId });
    } catch (err) {
      if (!(err instanceof BrokerError)) throw err;
      this.#core.log.info('the broker did not sign the account out; it is removed from the cache anyway', { status: err.status });
    }
  }

  /** The request fields every broker call shares, checked before the broker is asked anything. */
  #request(
    target: Target,
    scopes: readonly string[],
    options: { claimsChallenge?: string | undefined; data?: unknown; correlationId?: string | undefined; signal?: AbortSignal | undefined },
    authScheme: PopAuthScheme | undefined,
    maxAge: number | undefined,
  ): { request: BrokerRequest; scopes: readonly string[]; ctx: RequestContext } {
    const core = this.#core;
    const wanted = validateScopes(scopes);
    rejectReservedScopes(wanted);
    if (options.claimsChallenge !== undefined && typeof options.claimsChallenge !== 'string') {
      throw new TypeError('options.claimsChallenge must be a JSON string');
    }
    const extra = checkData(options.data);
    if (maxAge !== undefined && (typeof maxAge !== 'number' || !(maxAge >= 0))) throw new RangeError('options.maxAge must be a number of seconds');
    const ctx = core.context(options);
    const authority = target.authority;
    const extraParameters: Record<string, string> = { ...extra.fields };
    if (maxAge !== undefined) extraParameters['max_age'] = String(maxAge);
    const request: BrokerRequest = {
      clientId: core.clientId,
      authority: `https://${authority.host}/${authority.tenant ?? 'common'}`,
      scopes: wanted,
      claims: core.claims(options.claimsChallenge),
      correlationId: ctx.correlationId,
      validateAuthority: this.#validateAuthority,
      authScheme,
      extraParameters,
      signal: ctx.signal,
    };
    return { request, scopes: wanted, ctx };
  }

  /** Caches a broker's token (one write) and shapes the result, `token_source: "broker"`. */
  async #store(
    target: Target,
    scopes: readonly string[],
    raw: unknown,
    authScheme: PopAuthScheme | undefined,
    ctx: RequestContext,
  ): Promise<AuthenticationResult> {
    const core = this.#core;
    const response = checkBrokerResponse(raw);
    const location = locationOf(core, target);
    const environment = location.environments[0] ?? target.authority.host;
    const wire: TokenResponse = {
      access_token: response.access_token,
      token_type: response.token_type,
      expires_in: response.expires_in,
      client_info: response.client_info,
    };
    if (response.id_token !== undefined) wire.id_token = response.id_token;
    if (response.scope !== undefined) wire.scope = response.scope;
    const pop = authScheme !== undefined || response.token_type.toLowerCase() === 'pop';
    // A proof-of-possession token answers one request: never cache it, or a Bearer lookup could be served it.
    const { access_token: _at, ...withoutAccessToken } = wire;
    void _at;
    const claims = response.id_token_claims === undefined ? undefined : { ...response.id_token_claims };
    const event = {
      clientId: core.clientId,
      scopes: response.scope !== undefined ? response.scope.split(' ').filter((s) => s !== '') : scopes,
      environment,
      realm: location.realm,
      grantType: 'broker',
      response: pop ? (withoutAccessToken as TokenResponse) : wire,
      idTokenClaims: claims,
      localAccountId: response.account_id,
    };
    const now = core.now() / 1000;
    await core.tokenCache.write({ clientId: core.clientId, partition: userPartition(wire, claims, environment), correlationId: ctx.correlationId }, () =>
      core.tokenCache.add(event, now),
    );
    const result = core.resultFromResponse(wire, claims);
    result.token_source = 'broker';
    return result;
  }
}

/**
 * Where broker tokens are cached and looked up: the authority's known location, else its host and tenant as
 * configured (no discovery; MSAL Python likewise caches broker tokens under the configured authority).
 */
function locationOf(core: AppCore, target: Target): CacheLocation {
  return core.knownCacheLocation(target) ?? { environments: [target.authority.host], realm: target.authority.tenant ?? 'common' };
}

/** MSAL Python's check: a windowless sign-in with a `loginHint` that answered for another user goes on to the window. */
function wrongAccount(response: BrokerTokenResponse, loginHint: string | undefined): boolean {
  if (loginHint === undefined) return false;
  const claims = response.id_token_claims ?? {};
  const username = claims['preferred_username'] ?? claims['upn'] ?? claims['email'];
  return typeof username !== 'string' || username.toLowerCase() !== loginHint.toLowerCase();
}

/** A broker implementation is code the app brought: its answer is checked as a server's would be. */
function checkBrokerResponse(raw: unknown): BrokerTokenResponse {
  const bad = (detail: string): InvalidResponseError => new InvalidResponseError('broker response', detail);
  if (typeof raw !== 'object' || raw === null) throw bad('not an object');
  const r = raw as Record<string, unknown>;
  for (const field of ['access_token', 'token_type', 'client_info', 'account_id'] as const) {
    if (typeof r[field] !== 'string' || r[field] === '') throw bad(`${field} must be a non-empty string`);
  }
  if (typeof r['expires_in'] !== 'number' || !Number.isFinite(r['expires_in'])) throw bad('expires_in must be a number');
  for (const field of ['id_token', 'scope'] as const) {
    if (r[field] !== undefined && typeof r[field] !== 'string') throw bad(`${field} must be a string when present`);
  }
  const claims = r['id_token_claims'];
  if (claims !== undefined && (typeof claims !== 'object' || claims === null || Array.isArray(claims))) {
    throw bad('id_token_claims must be an object when present');
  }
  return raw as BrokerTokenResponse;
}
