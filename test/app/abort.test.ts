// Every public network method of PublicClientApplication, ConfidentialClientApplication and ManagedIdentityClient,
// called with an already-aborted signal (nothing is sent) and with a signal aborted while the emulator holds the
// request (fault `delay`): each rejects with RequestAbortedError and leaves the token cache exactly as it was. Then
// the two per-request deadlines: the app's `timeoutMs` (RequestTimeoutError) and `AbortSignal.timeout()`
// (RequestAbortedError whose cause is the signal's TimeoutError).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  ConfidentialClientApplication,
  ManagedIdentityClient,
  RequestAbortedError,
  RequestTimeoutError,
  SerializableTokenCache,
  SystemAssignedManagedIdentity,
  type Account,
  type AuthCodeFlow,
} from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator, type EmulatorEndpoint } from '../../src/emulator/index.js';
import { authorizeWithoutUi, fetchBrowser, GRAPH_USER_READ, makePca, total } from './helpers.js';

const GRAPH_APP = ['https://graph.microsoft.com/.default'];
const WEB_API = [`api://${DEFAULT_IDS.webApiClientId}/access_as_user`];

/** One method, ready to be called with a signal once its preconditions (a sign-in, a flow) are met. */
interface Prepared {
  call(signal: AbortSignal): Promise<unknown>;
  /** The cache the call could write to, serialized. */
  snapshot(): string;
}

interface Case {
  readonly name: string;
  /** The endpoint the mid-request abort waits for (the emulator holds that request). */
  readonly endpoint: EmulatorEndpoint;
  prepare(): Promise<Prepared>;
}

describe('abort: every network method honours its signal', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({ managedIdentity: true, config: { autoApprove: DEFAULT_IDS.aliceUsername } });
  });
  after(() => emulator.close());
  afterEach(() => emulator.clearFaults());

  function publicApp() {
    const cache = new SerializableTokenCache();
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: cache });
    return { app, snapshot: () => cache.serialize() };
  }

  function confidentialApp(clientId: string, secret: string, options: { timeoutMs?: number } = {}) {
    const cache = new SerializableTokenCache();
    const app = new ConfidentialClientApplication(clientId, {
      authority: emulator.authority,
      clientCredential: secret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      tokenCache: cache,
      environment: {},
      ...options,
    });
    return { app, snapshot: () => cache.serialize() };
  }

  async function signedIn(scopes: readonly string[] = GRAPH_USER_READ) {
    const pca = publicApp();
    const result = await pca.app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, scopes);
    const [account] = await pca.app.getAccounts();
    assert.ok(account !== undefined);
    return { ...pca, account: account satisfies Account, result };
  }

  const cases: Case[] = [
    {
      name: 'PublicClientApplication.initiateAuthCodeFlow',
      endpoint: 'openid-configuration',
      prepare: () => {
        const { app, snapshot } = publicApp();
        return Promise.resolve({ snapshot, call: (signal) => app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: 'http://localhost:1', signal }) });
      },
    },
    {
      name: 'PublicClientApplication.acquireTokenByAuthCodeFlow',
      endpoint: 'token',
      prepare: async () => {
        const { app, snapshot } = publicApp();
        const flow: AuthCodeFlow = await app.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri: 'http://localhost:1' });
        const response = await authorizeWithoutUi(emulator, flow.auth_uri);
        return { snapshot, call: (signal) => app.acquireTokenByAuthCodeFlow(flow, response, { signal }) };
      },
    },
    {
      name: 'PublicClientApplication.acquireTokenInteractive',
      endpoint: 'token',
      prepare: () => {
        const { app, snapshot } = publicApp();
        return Promise.resolve({
          snapshot,
          call: async (signal) => {
            const browser = fetchBrowser(emulator);
            try {
              return await app.acquireTokenInteractive(GRAPH_USER_READ, {
                signal,
                // The stand-in browser follows the redirect; its own request finishes whatever the app does.
                openBrowser: (url) => {
                  void browser.open(url).catch(() => undefined);
                  return Promise.resolve();
                },
              });
            } finally {
              await browser.close();
            }
          },
        });
      },
    },
    {
      name: 'PublicClientApplication.initiateDeviceFlow',
      endpoint: 'devicecode',
      prepare: () => {
        const { app, snapshot } = publicApp();
        return Promise.resolve({ snapshot, call: (signal) => app.initiateDeviceFlow(GRAPH_USER_READ, { signal }) });
      },
    },
    {
      name: 'PublicClientApplication.acquireTokenByDeviceFlow',
      endpoint: 'token',
      prepare: async () => {
        const { app, snapshot } = publicApp();
        const flow = await app.initiateDeviceFlow(GRAPH_USER_READ);
        emulator.approveDeviceCode(flow.user_code, DEFAULT_IDS.aliceUsername);
        return { snapshot, call: (signal) => app.acquireTokenByDeviceFlow(flow, { signal }) };
      },
    },
    {
      name: 'PublicClientApplication.acquireTokenByUsernamePassword',
      endpoint: 'userrealm',
      prepare: () => {
        const { app, snapshot } = publicApp();
        return Promise.resolve({
          snapshot,
          call: (signal) => app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ, { signal }),
        });
      },
    },
    {
      name: 'PublicClientApplication.acquireTokenSilent (refresh)',
      endpoint: 'token',
      prepare: async () => {
        const { app, snapshot, account } = await signedIn();
        return { snapshot, call: (signal) => app.acquireTokenSilent(GRAPH_USER_READ, { account, forceRefresh: true, signal }) };
      },
    },
    {
      name: 'PublicClientApplication.acquireTokenSilentWithError (refresh)',
      endpoint: 'token',
      prepare: async () => {
        const { app, snapshot, account } = await signedIn();
        return { snapshot, call: (signal) => app.acquireTokenSilentWithError(GRAPH_USER_READ, { account, forceRefresh: true, signal }) };
      },
    },
    {
      name: 'PublicClientApplication.acquireTokenByRefreshToken',
      endpoint: 'token',
      prepare: async () => {
        const { result } = await signedIn();
        const refreshToken = result.refresh_token;
        assert.ok(typeof refreshToken === 'string');
        const { app, snapshot } = publicApp();
        return { snapshot, call: (signal) => app.acquireTokenByRefreshToken(refreshToken, GRAPH_USER_READ, { signal }) };
      },
    },
    {
      name: 'ConfidentialClientApplication.acquireTokenForClient',
      endpoint: 'token',
      prepare: () => {
        const { app, snapshot } = confidentialApp(DEFAULT_IDS.daemonClientId, DEFAULT_IDS.daemonSecret);
        return Promise.resolve({ snapshot, call: (signal) => app.acquireTokenForClient(GRAPH_APP, { signal }) });
      },
    },
    {
      name: 'ConfidentialClientApplication.acquireTokenOnBehalfOf',
      endpoint: 'token',
      prepare: async () => {
        const { result } = await signedIn(WEB_API);
        const { app, snapshot } = confidentialApp(DEFAULT_IDS.webApiClientId, DEFAULT_IDS.webApiSecret);
        return { snapshot, call: (signal) => app.acquireTokenOnBehalfOf(result.access_token, GRAPH_USER_READ, { signal }) };
      },
    },
    {
      name: 'ConfidentialClientApplication.acquireTokenByRefreshToken (a confidential user flow)',
      endpoint: 'token',
      prepare: () => {
        const { app, snapshot } = confidentialApp(DEFAULT_IDS.webApiClientId, DEFAULT_IDS.webApiSecret);
        return Promise.resolve({ snapshot, call: (signal) => app.acquireTokenByRefreshToken('any-refresh-token', GRAPH_USER_READ, { signal }) });
      },
    },
    {
      name: 'ManagedIdentityClient.acquireTokenForClient',
      endpoint: 'mi-app-service',
      prepare: () => {
        const cache = new SerializableTokenCache();
        const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
          environment: emulator.managedIdentityEnvironment('APP_SERVICE'),
          tokenCache: cache,
        });
        return Promise.resolve({
          snapshot: () => cache.serialize(),
          call: (signal) => client.acquireTokenForClient({ resource: 'https://vault.azure.net', signal }),
        });
      },
    },
  ];

  for (const c of cases) {
    it(`${c.name}: an already-aborted signal sends nothing and rejects`, async () => {
      const prepared = await c.prepare();
      const before = prepared.snapshot();
      const sent = total(emulator.counters());
      const err = await prepared.call(AbortSignal.abort(new Error('user cancelled'))).catch((e: unknown) => e);
      assert.ok(err instanceof RequestAbortedError, `${c.name} gave ${String(err)}`);
      assert.equal(err.code, 'request_aborted');
      assert.equal(total(emulator.counters()), sent, 'no request reached the emulator');
      assert.equal(prepared.snapshot(), before, 'the cache is unchanged');
    });

    it(`${c.name}: a signal aborted while the request is held rejects at once`, async () => {
      const prepared = await c.prepare();
      const before = prepared.snapshot();
      const seen = emulator.counters()[c.endpoint] ?? 0;
      emulator.injectFault({ kind: 'delay', ms: 120_000, endpoint: c.endpoint });
      const controller = new AbortController();
      const pending = prepared.call(controller.signal);
      pending.catch(() => undefined);
      // Abort only once the emulator holds the request: the abort is then truly mid-request.
      while ((emulator.counters()[c.endpoint] ?? 0) === seen) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      const err = await pending.catch((e: unknown) => e);
      assert.ok(err instanceof RequestAbortedError, `${c.name} gave ${String(err)}`);
      assert.equal(prepared.snapshot(), before, 'the cache is unchanged');
    });
  }

  /** Identical concurrent calls share one request; each caller's signal must end only its own wait. */
  const shared: Array<{ name: string; endpoint: EmulatorEndpoint; prepare(): Promise<{ call: (signal?: AbortSignal) => Promise<unknown> }> }> = [
    {
      name: 'ConfidentialClientApplication.acquireTokenForClient',
      endpoint: 'token',
      prepare: () => {
        const { app } = confidentialApp(DEFAULT_IDS.daemonClientId, DEFAULT_IDS.daemonSecret);
        return Promise.resolve({ call: (signal) => app.acquireTokenForClient(GRAPH_APP, { signal }) });
      },
    },
    {
      name: 'PublicClientApplication.acquireTokenSilent',
      endpoint: 'token',
      prepare: async () => {
        const { app, account } = await signedIn();
        return { call: (signal) => app.acquireTokenSilent(GRAPH_USER_READ, { account, forceRefresh: true, signal }) };
      },
    },
    {
      name: 'ManagedIdentityClient.acquireTokenForClient',
      endpoint: 'mi-app-service',
      prepare: () => {
        const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), { environment: emulator.managedIdentityEnvironment('APP_SERVICE') });
        return Promise.resolve({ call: (signal) => client.acquireTokenForClient({ resource: 'https://storage.azure.com/', signal }) });
      },
    },
  ];

  async function held(endpoint: EmulatorEndpoint, seen: number): Promise<void> {
    while ((emulator.counters()[endpoint] ?? 0) === seen) await new Promise((r) => setTimeout(r, 5));
  }

  for (const c of shared) {
    it(`${c.name}: a waiter's abort ends its own wait only; the shared request goes on`, async () => {
      const call = (await c.prepare()).call;
      const seen = emulator.counters()[c.endpoint] ?? 0;
      emulator.injectFault({ kind: 'delay', ms: 120_000, endpoint: c.endpoint });
      const leaderController = new AbortController();
      let leaderSettled = false;
      const leader = call(leaderController.signal).finally(() => {
        leaderSettled = true;
      });
      leader.catch(() => undefined);
      const controller = new AbortController();
      const waiter = call(controller.signal);
      waiter.catch(() => undefined);
      await held(c.endpoint, seen);
      controller.abort();
      await assert.rejects(waiter, RequestAbortedError);
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      assert.equal(leaderSettled, false, "the waiter's abort did not end the shared request");
      assert.equal((emulator.counters()[c.endpoint] ?? 0) - seen, 1, 'one request for both');
      leaderController.abort();
      await assert.rejects(leader, RequestAbortedError);
    });

    it(`${c.name}: the first caller's abort does not fail a caller that joined it`, async () => {
      const call = (await c.prepare()).call;
      const seen = emulator.counters()[c.endpoint] ?? 0;
      emulator.injectFault({ kind: 'delay', ms: 120_000, endpoint: c.endpoint });
      const controller = new AbortController();
      const leader = call(controller.signal);
      leader.catch(() => undefined);
      const joiner = call();
      await held(c.endpoint, seen);
      controller.abort();
      await assert.rejects(leader, RequestAbortedError);
      assert.ok(await joiner, 'the joiner sent its own request and got a token');
      assert.equal((emulator.counters()[c.endpoint] ?? 0) - seen, 2);
    });
  }

  it("per-request timeout: the app's timeoutMs gives RequestTimeoutError, nothing cached", async () => {
    const { app, snapshot } = confidentialApp(DEFAULT_IDS.daemonClientId, DEFAULT_IDS.daemonSecret, { timeoutMs: 300 });
    await app.acquireTokenForClient(['https://vault.azure.net/.default']); // discovery done
    const before = snapshot();
    emulator.injectFault({ kind: 'delay', ms: 120_000, endpoint: 'token' });
    await assert.rejects(app.acquireTokenForClient(GRAPH_APP), RequestTimeoutError);
    assert.equal(snapshot(), before);
  });

  it('per-call deadline: AbortSignal.timeout() gives RequestAbortedError caused by the TimeoutError, nothing cached', async () => {
    const { app, snapshot } = confidentialApp(DEFAULT_IDS.daemonClientId, DEFAULT_IDS.daemonSecret);
    const before = snapshot();
    emulator.injectFault({ kind: 'delay', ms: 120_000, endpoint: 'token' });
    const err = await app.acquireTokenForClient(GRAPH_APP, { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    assert.ok(err instanceof RequestAbortedError, String(err));
    assert.ok(err.cause instanceof DOMException && err.cause.name === 'TimeoutError', 'the deadline is visible as the cause');
    assert.equal(snapshot(), before);
  });
});
