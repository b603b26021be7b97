/**
 * The application and token cache an account command works with. Everything heavy is imported here, on demand: the
 * library core when a command needs the app, msal-ts/extensions (and through it koffi) when the cache is opened; the
 * HTTP stack (undici) loads itself on the first request, so a token served from the cache never loads it.
 */
import { dirname, join } from 'node:path';
import type { Account } from '../cache/cache-types.js';
import type { PublicClientApplication } from '../app/public-client-application.js';
import type { Persistence } from '../extensions/persistence.js';
import type { FilePersistence as FilePersistenceType } from '../extensions/file-persistence.js';
import type { HttpCacheStore } from '../http/http-cache.js';
import { CliError, EXIT } from './exit-codes.js';
import type { Settings } from './settings.js';

/** Where the command writes: stdout for results, stderr for progress, warnings and errors. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean | undefined };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean | undefined; columns?: number | undefined };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** An opened application with its persisted cache. */
export interface Session {
  readonly app: PublicClientApplication;
  readonly settings: Settings;
  /** How the cache is stored, for messages: `libsecret (Secret Service)`, ..., or `the plaintext file <path>`. */
  readonly storage: string;
  readonly io: Io;
  /** Prints `msal-ts: <text>` on stderr when `--verbose`. */
  debug(text: string): void;
  /** Warns on stderr, once, that tokens were just stored unencrypted (a no-op for encrypted stores). */
  warnIfPlaintext(): void;
}

function storageName(persistence: Persistence): string {
  const name = persistence.constructor.name;
  if (!persistence.isEncrypted) return `the plaintext file ${persistence.location}`;
  if (name.includes('Libsecret')) return 'libsecret (Secret Service)';
  if (name.includes('Keychain')) return 'macOS keychain';
  if (name.includes('DataProtection')) return 'DPAPI-encrypted file';
  return name;
}

/**
 * Opens the token cache (encrypted unless `plaintextCache`) and the application.
 *
 * @throws CliError (cache) when no encrypted store works, saying how to opt in to plaintext.
 */
export async function openSession(settings: Settings, io: Io): Promise<Session> {
  const debug = (text: string): void => {
    if (settings.verbose) io.stderr.write(`msal-ts: ${text}\n`);
  };
  // Each module on its own, not msal-ts/extensions whole: a token served from a plaintext cache then initializes none of
  // the keyrings' modules (the program is one file, whose modules start when first imported).
  const [{ PublicClientApplication }, { FilePersistence }, { PersistedTokenCache }] = await Promise.all([
    import('../app/public-client-application.js'),
    import('../extensions/file-persistence.js'),
    import('../extensions/persisted-token-cache.js'),
  ]);
  let persistence: Persistence;
  if (settings.plaintextCache) {
    persistence = new FilePersistence(settings.cachePath);
  } else {
    try {
      persistence = await (await import('../extensions/build-encrypted-persistence.js')).buildEncryptedPersistence(settings.cachePath);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new CliError(
        EXIT.cache,
        `the encrypted token cache is not available (${why.split(/\r?\n/, 1)[0] ?? ''}); pass --plaintext-cache (or set ` +
          'MSAL_TS_PLAINTEXT_CACHE=1) to keep tokens in a file readable only by you, unencrypted',
        { cause: err },
      );
    }
  }
  const storage = storageName(persistence);
  debug(`token cache: ${persistence.location} (${storage})`);
  debug(`client id ${settings.clientId}, authority ${settings.authority}${settings.ca === undefined ? '' : `, CA ${settings.ca}`}`);
  // Discovery documents are public: a plaintext file beside the token cache lets the next run skip discovery.
  const httpCache = httpCacheOnDemand(join(dirname(settings.cachePath), 'http-cache.json'), FilePersistence, debug);
  const app = new PublicClientApplication(settings.clientId, {
    authority: settings.authority,
    tokenCache: new PersistedTokenCache(persistence),
    httpCache,
    verify: settings.ca ?? true,
    instanceDiscovery: settings.instanceDiscovery,
    appName: 'msal-ts-cli',
  });
  let warned = persistence.isEncrypted;
  const warnIfPlaintext = (): void => {
    if (warned) return;
    warned = true;
    io.stderr.write(
      `msal-ts: warning: tokens are stored unencrypted in ${persistence.location} (--plaintext-cache; mode 0600): ` +
        'anyone who can read that file as you can use them\n',
    );
  };
  return { app, settings, storage, io, debug, warnIfPlaintext };
}

/**
 * The command's http cache, read from its file only when the application is about to send a request (the library
 * awaits {@link HttpCacheStore.ready} first): a token served from the token cache never reads or parses it. Until then,
 * and when the file cannot be used (said with `--verbose`), an empty in-memory store.
 */
function httpCacheOnDemand(path: string, FilePersistence: typeof FilePersistenceType, debug: (text: string) => void): HttpCacheStore {
  let store: HttpCacheStore = new Map<string, unknown>();
  let loading: Promise<void> | undefined;
  return {
    get: (key) => store.get(key),
    set: (key, value) => store.set(key, value),
    delete: (key) => store.delete(key),
    ready: () =>
      (loading ??= import('../extensions/persisted-http-cache.js')
        .then(({ PersistedHttpCache }) => PersistedHttpCache.open(new FilePersistence(path)))
        .then(
          (opened) => {
            store = opened;
          },
          (err: unknown) => debug(`http cache ${path} not used: ${err instanceof Error ? err.message : String(err)}`),
        )),
  };
}

/**
 * The one account a command acts on: `username` if given, else the only account signed in.
 *
 * @returns `undefined` when nobody (or not `username`) is signed in.
 * @throws CliError (usage) when several accounts are signed in and none was chosen.
 */
export async function pickAccount(session: Session, username: string | undefined): Promise<Account | undefined> {
  const accounts = await session.app.getAccounts(username);
  if (accounts.length <= 1) return accounts[0];
  if (username !== undefined) return accounts[0];
  throw new CliError(EXIT.usage, `${accounts.length} accounts are signed in (${accounts.map((a) => a.username).join(', ')}): choose one with --account`);
}
