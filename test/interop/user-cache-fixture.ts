// What the two user-cache interop suites (MSAL Python, msal-node) share: an emulator and a scratch folder per suite,
// a clock both the emulator and msal-ts read (so a test can move them past an access token's expiry together), and the
// check that msal-ts serves a user a peer signed in: from the cache first, then by one refresh.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before } from 'node:test';
import { PublicClientApplication, SerializableTokenCache } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';

/** The scope both suites sign in for. */
export const SCOPE_USER_READ = 'https://graph.microsoft.com/User.Read';

/** The suite's emulator, folder and msal-ts apps; call {@link userCacheFixture} inside a `describe`. */
export interface UserCacheFixture {
  readonly emulator: Emulator;
  readonly dir: string;
  /** A public client app on the emulator, with the suite's clock, over `cache`. */
  app(cache: SerializableTokenCache, clientId?: string): PublicClientApplication;
  /** The emulator's non-zero counters. */
  requests(): [string, number][];
  /** Moves the emulator and msal-ts past every access token's expiry, until the test ends. */
  expireAccessTokens(): void;
}

/** Registers the suite's hooks (start, reset the clock after each test, close) and returns its fixture. */
export function userCacheFixture(dirPrefix: string): UserCacheFixture {
  let emulator: Emulator | undefined;
  let dir: string | undefined;
  // Seconds added to the real time, for the emulator and msal-ts alike.
  let offset = 0;
  before(async () => {
    emulator = await startEmulator({ clock: () => Date.now() / 1000 + offset, deviceCodeIntervalSeconds: 1 });
    dir = mkdtempSync(join(tmpdir(), dirPrefix));
  });
  afterEach(() => {
    offset = 0;
  });
  after(async () => {
    await emulator?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  const started = (): { emulator: Emulator; dir: string } => {
    if (emulator === undefined || dir === undefined) throw new Error('the fixture is used before its before() hook ran');
    return { emulator, dir };
  };
  return {
    get emulator() {
      return started().emulator;
    },
    get dir() {
      return started().dir;
    },
    app(cache, clientId = DEFAULT_IDS.publicClientId) {
      return new PublicClientApplication(clientId, {
        authority: started().emulator.authority,
        verify: started().emulator.caPath,
        instanceDiscovery: false,
        tokenCache: cache,
        now: () => Date.now() + offset * 1000,
      });
    },
    requests() {
      return Object.entries(started().emulator.counters()).filter(([, n]) => n > 0);
    },
    expireAccessTokens() {
      offset = 7200;
    },
  };
}

/**
 * Loads the cache file a peer wrote after signing Alice in, and checks msal-ts finds her and serves her: the peer's
 * access token from the cache without any request, then, past its expiry, a new one from one refresh-token request.
 */
export async function assertPeerUserServed(fx: UserCacheFixture, file: string, peerAccessToken: unknown): Promise<void> {
  const cache = new SerializableTokenCache();
  cache.deserialize(readFileSync(file, 'utf8'));
  const ours = fx.app(cache);
  fx.emulator.resetCounters();
  const accounts = await ours.getAccounts();
  assert.equal(accounts.length, 1, readFileSync(file, 'utf8'));
  const account = accounts[0];
  assert.ok(account !== undefined);
  assert.equal(account.username, DEFAULT_IDS.aliceUsername);

  const hit = await ours.acquireTokenSilent([SCOPE_USER_READ], { account });
  assert.equal(hit?.token_source, 'cache');
  assert.equal(hit.access_token, peerAccessToken);
  assert.deepEqual(fx.requests(), [], 'the cache hit made no request at all');

  fx.expireAccessTokens(); // only the peer's refresh token can serve the user now
  const refreshed = await ours.acquireTokenSilent([SCOPE_USER_READ], { account });
  assert.equal(refreshed?.token_source, 'identity_provider');
  assert.notEqual(refreshed.access_token, hit.access_token);
  assert.equal(fx.emulator.counters()['token:refresh_token'], 1);
  assert.equal(fx.emulator.counters()['token'], 1, 'one token request: the refresh');
}
