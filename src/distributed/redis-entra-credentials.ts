/**
 * Microsoft Entra ID authentication to Redis itself (Azure Cache for Redis, Azure Managed Redis): the connection's
 * username is the identity's object id and its password an access token for Redis, sent again with `AUTH` before the
 * token expires. This builds the streaming credentials provider `@redis/client` takes as
 * `credentialsProvider`, from any token source of msal-ts (a confidential client app, a managed identity).
 */
import { InvalidResponseError } from '../errors.js';
import { decodeJwt } from '../protocol/jwt.js';
import { checkOptionKeys, optionShape } from '../util/options.js';

/** The scope of Azure Cache for Redis and Azure Managed Redis (`acca5fbb-b7e4-4009-81f1-37e38fd66d78/.default` too). */
export const AZURE_REDIS_SCOPE = 'https://redis.azure.com/.default';

/** What a token source answers: an access token for Redis and its remaining lifetime in seconds. */
export interface RedisAccessToken {
  readonly access_token: string;
  readonly expires_in: number;
}

/** Options of {@link entraRedisCredentials}. */
export interface EntraRedisCredentialsOptions {
  /**
   * Gets an access token for Redis. `forceRefresh` is true for every renewal: pass it to the token call, or a cache
   * would answer with the token being replaced. For example
   * `({ forceRefresh }) => app.acquireTokenForClient([AZURE_REDIS_SCOPE], { forceRefresh })`.
   */
  getToken: (options: { forceRefresh: boolean }) => Promise<RedisAccessToken>;
  /** The Redis username. Default: the token's `oid` claim (the object id of the service principal or managed identity). */
  username?: string | undefined;
  /** How long before the token expires to get the next one and re-authenticate. Default 300 (Azure asks for at least 180). */
  refreshBeforeExpirySeconds?: number | undefined;
  /** Called when the client could not re-authenticate a connection with a renewed token. */
  onReAuthenticationError?: ((error: Error) => void) | undefined;
}

/** Username and password for one `AUTH`. */
export interface RedisBasicAuth {
  username?: string;
  password?: string;
}

/** The shape of `@redis/client`'s `StreamingCredentialsProvider`, declared here so this module never imports it. */
export interface RedisStreamingCredentialsProvider {
  readonly type: 'streaming-credentials-provider';
  subscribe(listener: { onNext: (credentials: RedisBasicAuth) => void; onError: (error: Error) => void }): Promise<[RedisBasicAuth, { dispose(): void }]>;
  onReAuthenticationError(error: Error): void;
}

const OPTIONS = optionShape<EntraRedisCredentialsOptions>('entraRedisCredentials options', {
  getToken: true,
  username: true,
  refreshBeforeExpirySeconds: true,
  onReAuthenticationError: true,
});

/** A failed renewal is tried again this often (seconds) while the current token is still valid. */
const RETRY_SECONDS = 10;

/** Checks the options before anything is fetched; returns the renewal margin in seconds. */
function checkedMargin(options: EntraRedisCredentialsOptions): number {
  checkOptionKeys(options, OPTIONS);
  const { getToken, username, onReAuthenticationError } = options;
  if (typeof getToken !== 'function') throw new TypeError('options.getToken must be a function');
  if (username !== undefined && (typeof username !== 'string' || username === '')) {
    throw new TypeError('options.username must be a non-empty string when given');
  }
  const margin = options.refreshBeforeExpirySeconds ?? 300;
  if (!Number.isSafeInteger(margin) || margin < 0) throw new RangeError('options.refreshBeforeExpirySeconds must be a non-negative integer');
  if (onReAuthenticationError !== undefined && typeof onReAuthenticationError !== 'function') {
    throw new TypeError('options.onReAuthenticationError must be a function when given');
  }
  return margin;
}

/** One token from `getToken`, as Redis credentials: the configured user name, else the token's `oid`. */
async function fetchCredentials(options: EntraRedisCredentialsOptions, forceRefresh: boolean): Promise<{ auth: RedisBasicAuth; expiresAt: number }> {
  const token = await options.getToken({ forceRefresh });
  if (typeof token?.access_token !== 'string' || typeof token.expires_in !== 'number' || !Number.isFinite(token.expires_in)) {
    throw new InvalidResponseError('token for Redis', 'getToken must resolve to { access_token, expires_in }');
  }
  let user = options.username;
  if (user === undefined) {
    const oid = decodeJwt(token.access_token, 'access token for Redis').payload['oid'];
    if (typeof oid !== 'string' || oid === '') throw new InvalidResponseError('access token for Redis', 'no oid claim: pass options.username');
    user = oid;
  }
  return { auth: { username: user, password: token.access_token }, expiresAt: Date.now() + token.expires_in * 1000 };
}

/**
 * A `credentialsProvider` for `@redis/client` that authenticates with Microsoft Entra ID tokens and renews them
 * before they expire: the client sends `AUTH <username> <token>` on every connection, and again on every live
 * connection when the provider hands it the next token. A renewal that fails is retried every 10 seconds while the
 * current token is valid; when it expires unrenewed the provider reports the error to the client (`onError`).
 *
 * @param options - see {@link EntraRedisCredentialsOptions}.
 * @returns the provider, for `createClient({ credentialsProvider })` (or a cluster's `defaults`, a Sentinel's
 *   `nodeClientOptions`).
 * @throws TypeError when `getToken` is not a function or `username` not a non-empty string; RangeError when
 *   `refreshBeforeExpirySeconds` is not a non-negative integer. The provider's `subscribe` rejects with
 *   {@link InvalidResponseError} when no username is given and the token has no `oid` claim.
 * @example
 * ```ts
 * const redis = createClient({
 *   url: 'rediss://contoso.redis.cache.windows.net:6380',
 *   credentialsProvider: entraRedisCredentials({
 *     getToken: ({ forceRefresh }) => app.acquireTokenForClient([AZURE_REDIS_SCOPE], { forceRefresh }),
 *   }),
 * });
 * ```
 */
export function entraRedisCredentials(options: EntraRedisCredentialsOptions): RedisStreamingCredentialsProvider {
  const margin = checkedMargin(options);
  const { onReAuthenticationError } = options;
  const fetch = (forceRefresh: boolean): Promise<{ auth: RedisBasicAuth; expiresAt: number }> => fetchCredentials(options, forceRefresh);

  // One token and one renewal timer for every connection of the client (a cluster client subscribes once per node,
  // and again on each reconnect): a renewal fetches one token and hands it to every subscribed connection.
  type Listener = Parameters<RedisStreamingCredentialsProvider['subscribe']>[0];
  const listeners = new Set<Listener>();
  let current: { auth: RedisBasicAuth; expiresAt: number } | undefined;
  let first: Promise<{ auth: RedisBasicAuth; expiresAt: number }> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (seconds: number): void => {
    clearTimeout(timer);
    timer = undefined;
    if (listeners.size === 0) return;
    timer = setTimeout(renew, Math.max(1, seconds) * 1000);
    timer.unref(); // a pending renewal never keeps the process alive
  };
  const renew = (): void => {
    fetch(true).then(
      (next) => {
        current = next;
        for (const l of listeners) l.onNext(next.auth);
        schedule((next.expiresAt - Date.now()) / 1000 - margin);
      },
      (err: unknown) => {
        const left = ((current?.expiresAt ?? 0) - Date.now()) / 1000;
        if (left > RETRY_SECONDS) return schedule(RETRY_SECONDS);
        const error = err instanceof Error ? err : new Error('getToken failed', { cause: err });
        for (const l of [...listeners]) l.onError(error);
        listeners.clear();
        current = undefined;
      },
    );
  };

  return {
    type: 'streaming-credentials-provider',
    async subscribe(listener) {
      if (current === undefined || current.expiresAt - Date.now() <= margin * 1000) {
        first ??= fetch(false).finally(() => (first = undefined));
        current = await first;
      }
      const { auth, expiresAt } = current;
      listeners.add(listener);
      if (timer === undefined) schedule((expiresAt - Date.now()) / 1000 - margin);
      return [
        auth,
        {
          dispose() {
            listeners.delete(listener);
            if (listeners.size === 0) schedule(0);
          },
        },
      ];
    },
    onReAuthenticationError(error) {
      onReAuthenticationError?.(error);
    },
  };
}
