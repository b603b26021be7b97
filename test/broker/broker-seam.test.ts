// The broker seam with a fake broker: which calls of PublicClientApplication go through it when it is enabled (and none
// when it is not), MSAL Python's fallbacks when the broker declines, the accounts it establishes, sign-out, and
// proof-of-possession requests carrying their scheme to it. Apart from the one emulator test (a refresh token tried
// after the broker declines), every call goes to a transport that must stay unused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import {
  BrokerError,
  BrokerUnavailableError,
  PopAuthScheme,
  PublicClientApplication,
  SerializableTokenCache,
  type HttpClient,
  type PublicClientApplicationOptions,
} from '../../src/index.js';
import { makePca } from '../app/helpers.js';
import { ALICE, AUTHORITY, BOB, CLIENT_ID, FakeBroker, brokerToken, refusal } from './fake-broker.js';

const SCOPES = ['https://graph.microsoft.com/User.Read'];
const POP = new PopAuthScheme(PopAuthScheme.HTTP_GET, 'https://graph.microsoft.com/v1.0/me?x=1', 'resource-nonce');

function noIo(): HttpClient & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    send(req) {
      urls.push(req.url);
      return Promise.reject(new Error('this test expects no request'));
    },
  };
}

/** An app with the broker enabled on Windows, running (as far as the flags know) on Windows. */
function brokered(broker: FakeBroker, http = noIo(), options: PublicClientApplicationOptions = {}): PublicClientApplication {
  return new PublicClientApplication(CLIENT_ID, {
    authority: AUTHORITY,
    httpClient: http,
    enableBrokerOnWindows: true,
    brokerPlatform: 'windows',
    broker,
    ...options,
  });
}

const never = (): never => {
  throw new Error('the browser flow was not expected');
};

describe('broker seam: interactive sign-in', () => {
  it('without a prompt: a windowless sign-in first, then the broker window when it needs interaction', async () => {
    const broker = new FakeBroker();
    broker.windowless = () => refusal('interaction_required');
    const http = noIo();
    const app = brokered(broker, http);
    const ui: string[] = [];
    const result = await app.acquireTokenInteractive(SCOPES, { onBeforeLaunchingUi: ({ ui: u }) => ui.push(u), openBrowser: never });
    assert.deepEqual(broker.methods(), ['signInSilently', 'signInInteractively']);
    assert.deepEqual(ui, ['broker']);
    assert.equal(result.token_source, 'broker');
    assert.equal(result.token_type, 'Bearer');
    assert.equal(result.id_token_claims?.['preferred_username'], ALICE.username);
    const call = broker.calls[1];
    assert.ok(call?.method === 'signInInteractively');
    assert.equal(call.request.clientId, CLIENT_ID);
    assert.equal(call.request.authority, AUTHORITY);
    assert.deepEqual(call.request.scopes, SCOPES);
    assert.equal(call.request.validateAuthority, true);
    assert.deepEqual(http.urls, []);
  });

  it('the broker establishes the account: getAccounts lists it, with account_source "broker" and its account id', async () => {
    const broker = new FakeBroker();
    const app = brokered(broker);
    await app.acquireTokenInteractive(SCOPES, { openBrowser: never });
    const [account, ...more] = await app.getAccounts();
    assert.equal(more.length, 0);
    assert.equal(account?.account_source, 'broker');
    assert.equal(account.local_account_id, ALICE.brokerAccountId);
    assert.equal(account.home_account_id, `${ALICE.uid}.${DEFAULT_IDS.tenantId}`);
    assert.equal(account.username, ALICE.username);
  });

  it('the default account signed in without a window needs no window', async () => {
    const broker = new FakeBroker();
    const result = await brokered(broker).acquireTokenInteractive(SCOPES, { openBrowser: never });
    assert.deepEqual(broker.methods(), ['signInSilently']);
    assert.equal(result.token_source, 'broker');
  });

  it('prompt "none" stops at the windowless sign-in: its refusal is thrown', async () => {
    const broker = new FakeBroker();
    broker.windowless = () => refusal('interaction_required');
    const err = await brokered(broker)
      .acquireTokenInteractive(SCOPES, { prompt: 'none' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof BrokerError);
    assert.equal(err.code, 'broker_error');
    assert.equal(err.status, 'interaction_required');
    assert.deepEqual(broker.methods(), ['signInSilently']);
  });

  it('without a prompt, a refusal other than interaction_required / account_unusable is thrown, with no window', async () => {
    for (const [status, window] of [
      ['user_canceled', false],
      ['no_network', false],
      ['account_unusable', true],
    ] as const) {
      const broker = new FakeBroker();
      broker.windowless = () => refusal(status);
      const outcome = await brokered(broker)
        .acquireTokenInteractive(SCOPES)
        .catch((e: unknown) => e);
      assert.equal(outcome instanceof BrokerError, !window, status);
      assert.deepEqual(broker.methods(), window ? ['signInSilently', 'signInInteractively'] : ['signInSilently'], status);
    }
  });

  it('prompt "select_account" goes straight to the window, with the prompt and the login hint', async () => {
    const broker = new FakeBroker();
    await brokered(broker).acquireTokenInteractive(SCOPES, { prompt: 'select_account', loginHint: ALICE.username, parentWindowHandle: 0x1234n });
    assert.deepEqual(broker.methods(), ['signInInteractively']);
    const call = broker.calls[0];
    assert.ok(call?.method === 'signInInteractively');
    assert.equal(call.request.prompt, 'select_account');
    assert.equal(call.request.loginHint, ALICE.username);
    assert.equal(call.request.parentWindowHandle, 0x1234n);
  });

  it('a login hint naming one account the broker signed in: that account silently, no window', async () => {
    const broker = new FakeBroker();
    const app = brokered(broker);
    await app.acquireTokenInteractive(SCOPES);
    broker.calls.length = 0;
    const result = await app.acquireTokenInteractive(SCOPES, { loginHint: ALICE.username, openBrowser: never });
    assert.deepEqual(broker.methods(), ['acquireTokenSilently']);
    const call = broker.calls[0];
    assert.ok(call?.method === 'acquireTokenSilently');
    assert.equal(call.request.accountId, ALICE.brokerAccountId);
    assert.equal(result.token_source, 'broker');
  });

  it('a windowless sign-in that answers for another user than the login hint goes on to the window', async () => {
    const broker = new FakeBroker();
    broker.windowless = (r) => Promise.resolve(brokerToken(BOB, r));
    await brokered(broker).acquireTokenInteractive(SCOPES, { loginHint: ALICE.username });
    assert.deepEqual(broker.methods(), ['signInSilently', 'signInInteractively']);
  });

  it('claims challenge, client capabilities, data and max_age reach the broker', async () => {
    const broker = new FakeBroker();
    const app = brokered(broker, noIo(), { clientCapabilities: ['CP1'], instanceDiscovery: false });
    await app.acquireTokenInteractive(SCOPES, { claimsChallenge: '{"access_token":{"nbf":{"essential":true}}}', maxAge: 60, data: { k: 'v' } });
    const request = broker.calls[0]?.request;
    assert.ok(request !== undefined && 'validateAuthority' in request);
    assert.deepEqual(JSON.parse(request.claims ?? '{}'), { access_token: { nbf: { essential: true }, xms_cc: { values: ['CP1'] } } });
    assert.deepEqual(request.extraParameters, { k: 'v', max_age: '60' });
    assert.equal(request.validateAuthority, false);
  });
});

describe('broker seam: silent', () => {
  it('a cached access token of a broker account is served without asking the broker; forceRefresh asks it', async () => {
    const broker = new FakeBroker();
    const app = brokered(broker);
    const first = await app.acquireTokenInteractive(SCOPES);
    const [account] = await app.getAccounts();
    assert.ok(account !== undefined);
    broker.calls.length = 0;
    const cached = await app.acquireTokenSilent(SCOPES, { account });
    assert.equal(cached?.token_source, 'cache');
    assert.equal(cached.access_token, first.access_token);
    assert.deepEqual(broker.methods(), []);
    const renewed = await app.acquireTokenSilent(SCOPES, { account, forceRefresh: true });
    assert.equal(renewed?.token_source, 'broker');
    assert.notEqual(renewed.access_token, first.access_token);
    const call = broker.calls[0];
    assert.ok(call?.method === 'acquireTokenSilently');
    assert.equal(call.request.accountId, ALICE.brokerAccountId);
  });

  it('once the cached access token expires, silent asks the broker for the account (on an injected clock)', async () => {
    let now = 1_800_000_000_000;
    const broker = new FakeBroker();
    const app = brokered(broker, noIo(), { now: () => now });
    await app.acquireTokenInteractive(SCOPES);
    const [account] = await app.getAccounts();
    assert.ok(account !== undefined);
    now += 3600_000; // the broker's token said expires_in 3600
    broker.calls.length = 0;
    const result = await app.acquireTokenSilent(SCOPES, { account });
    assert.equal(result?.token_source, 'broker');
    assert.deepEqual(broker.methods(), ['acquireTokenSilently']);
    const again = await app.acquireTokenSilent(SCOPES, { account });
    assert.equal(again?.token_source, 'cache', 'the renewed token is cached');
    assert.equal(again.access_token, result.access_token);
  });

  it('a broker account the broker refuses: acquireTokenSilent is undefined, acquireTokenSilentWithError throws', async () => {
    const broker = new FakeBroker();
    const http = noIo();
    const app = brokered(broker, http);
    await app.acquireTokenInteractive(SCOPES);
    const [account] = await app.getAccounts();
    assert.ok(account !== undefined);
    broker.silently = () => refusal('interaction_required');
    assert.equal(await app.acquireTokenSilent(SCOPES, { account, forceRefresh: true }), undefined);
    const err = await app.acquireTokenSilentWithError(SCOPES, { account, forceRefresh: true }).catch((e: unknown) => e);
    assert.ok(err instanceof BrokerError);
    assert.equal(err.status, 'interaction_required');
    assert.equal(err.tag, 'test-tag');
    assert.deepEqual(http.urls, [], 'a decisive refusal tries no refresh token');
  });

  it('an account the broker does not know falls through to the flow without a broker (to the identity provider)', async () => {
    const broker = new FakeBroker();
    const http = noIo();
    const app = brokered(broker, http);
    await app.acquireTokenInteractive(SCOPES);
    const [account] = await app.getAccounts();
    assert.ok(account !== undefined);
    broker.silently = () => Promise.resolve(undefined);
    await assert.rejects(app.acquireTokenSilent(SCOPES, { account, forceRefresh: true }), /this test expects no request/);
    assert.deepEqual(broker.methods().slice(-1), ['acquireTokenSilently']);
    assert.ok(http.urls.length > 0, 'the flow without a broker went on to discovery');
  });

  it('proof-of-possession skips the cache and carries the scheme to the broker; the pop token is never cached', async () => {
    const broker = new FakeBroker();
    const app = brokered(broker);
    const pop = await app.acquireTokenInteractive(SCOPES, { authScheme: POP });
    assert.equal(pop.token_type, 'pop');
    const first = broker.calls[0];
    assert.ok(first?.method === 'signInSilently');
    assert.equal(first.request.authScheme, POP);
    const [account] = await app.getAccounts();
    assert.ok(account !== undefined);
    broker.calls.length = 0;
    // A Bearer request is not served the pop token from the cache: the broker is asked.
    const bearer = await app.acquireTokenSilent(SCOPES, { account });
    assert.equal(bearer?.token_type, 'Bearer');
    assert.equal(bearer.token_source, 'broker');
    // And a pop request skips the (now warm) Bearer cache.
    const again = await app.acquireTokenSilent(SCOPES, { account, authScheme: POP });
    assert.equal(again?.token_type, 'pop');
    const schemes = broker.calls.map((c) => (c.method === 'acquireTokenSilently' ? c.request.authScheme : 'other'));
    assert.deepEqual(schemes, [undefined, POP]);
    assert.equal(POP.url.host, 'graph.microsoft.com');
    assert.equal(POP.url.pathname, '/v1.0/me');
  });

  it('authScheme for an account the broker did not sign in is a BrokerUnavailableError, as MSAL Python refuses it', async () => {
    const broker = new FakeBroker();
    const app = brokered(broker);
    await app.acquireTokenInteractive(SCOPES);
    const [account] = await app.getAccounts();
    assert.ok(account !== undefined);
    const other = { ...account, account_source: 'authorization_code' };
    const err = await app.acquireTokenSilent(SCOPES, { account: other, authScheme: POP }).catch((e: unknown) => e);
    assert.ok(err instanceof BrokerUnavailableError);
    assert.equal(err.option, 'authScheme');
    assert.ok(!broker.methods().includes('acquireTokenSilently'));
  });
});

describe('broker seam: username/password and sign-out', () => {
  it('username/password goes to the broker with the credentials, not to the token endpoint', async () => {
    const broker = new FakeBroker();
    const http = noIo();
    const result = await brokered(broker, http).acquireTokenByUsernamePassword(ALICE.username, 'pw', SCOPES, { authScheme: POP });
    assert.deepEqual(broker.methods(), ['signInSilently']);
    const call = broker.calls[0];
    assert.ok(call?.method === 'signInSilently');
    assert.equal(call.request.username, ALICE.username);
    assert.equal(call.request.password, 'pw');
    assert.equal(call.request.authScheme, POP);
    assert.equal(result.token_type, 'pop');
    assert.deepEqual(http.urls, []);
  });

  it('removeAccount signs the account out of the broker, then forgets it; a broker refusal does not keep it', async () => {
    for (const refuse of [false, true]) {
      const broker = new FakeBroker();
      if (refuse) broker.signOut = () => refusal('unexpected');
      const app = brokered(broker);
      await app.acquireTokenInteractive(SCOPES);
      const [account] = await app.getAccounts();
      assert.ok(account !== undefined);
      await app.removeAccount(account);
      const call = broker.calls.at(-1);
      assert.ok(call?.method === 'signOutSilently');
      assert.equal(call.request.accountId, ALICE.brokerAccountId);
      assert.equal(call.request.clientId, CLIENT_ID);
      assert.deepEqual(await app.getAccounts(), [], `refused: ${refuse}`);
    }
  });
});

describe('broker seam: when the broker is not used', () => {
  it('a flag for another platform: the broker is never asked, the flows go to the identity provider', async () => {
    const broker = new FakeBroker();
    const http = noIo();
    const app = new PublicClientApplication(CLIENT_ID, {
      authority: AUTHORITY,
      httpClient: http,
      enableBrokerOnMac: true,
      enableBrokerOnWsl: true,
      brokerPlatform: 'linux',
      broker,
    });
    assert.equal(app.isPopSupported(), false);
    await assert.rejects(app.acquireTokenByUsernamePassword(ALICE.username, 'pw', SCOPES), /this test expects no request/);
    assert.ok(http.urls.length > 0);
    await assert.rejects(app.acquireTokenInteractive(SCOPES, { authScheme: POP }), BrokerUnavailableError);
    assert.deepEqual(broker.methods(), []);
  });

  it('no flag: a broker given is not used (MSAL Python uses one only when opted in)', async () => {
    const broker = new FakeBroker();
    const app = new PublicClientApplication(CLIENT_ID, { authority: AUTHORITY, httpClient: noIo(), brokerPlatform: 'windows', broker });
    assert.equal(app.isPopSupported(), false);
    await assert.rejects(app.acquireTokenByUsernamePassword(ALICE.username, 'pw', SCOPES));
    assert.deepEqual(broker.methods(), []);
  });

  it('ADFS and B2C authorities ignore the flag, even with no broker given', () => {
    for (const authority of ['https://adfs.contoso.example/adfs', 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin']) {
      const app = new PublicClientApplication(CLIENT_ID, { authority, enableBrokerOnWindows: true, brokerPlatform: 'windows' });
      assert.equal(app.isPopSupported(), false, authority);
    }
  });

  it('a broker that cannot start: the app signs in without it (asked once), and authScheme is refused', async () => {
    const broker = new FakeBroker({ ready: false });
    const http = noIo();
    const app = brokered(broker, http);
    assert.equal(app.isPopSupported(), true, 'known only once the broker is asked');
    await assert.rejects(app.acquireTokenByUsernamePassword(ALICE.username, 'pw', SCOPES), /this test expects no request/);
    await assert.rejects(app.acquireTokenByUsernamePassword(ALICE.username, 'pw', SCOPES, { authScheme: POP }), BrokerUnavailableError);
    assert.equal(broker.initializations, 1);
    assert.deepEqual(broker.methods(), []);
  });

  it('a broker that starts is initialized once, before its first call', async () => {
    const broker = new FakeBroker({ ready: true });
    const app = brokered(broker);
    await app.acquireTokenInteractive(SCOPES);
    await app.acquireTokenByUsernamePassword(ALICE.username, 'pw', SCOPES);
    assert.equal(broker.initializations, 1);
    assert.deepEqual(broker.methods(), ['signInSilently', 'signInSilently']);
  });

  it('a malformed broker answer is an InvalidResponseError, and nothing is cached', async () => {
    const broker = new FakeBroker();
    broker.windowless = () => Promise.resolve({ access_token: 'x' } as never);
    const app = brokered(broker);
    await assert.rejects(app.acquireTokenInteractive(SCOPES), { code: 'invalid_response' });
    assert.deepEqual(await app.getAccounts(), []);
  });
});

describe('broker seam: an account of unknown origin (no account_source) against the emulator', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator.close();
  });

  it('the broker is asked first; when it declines, the refresh token in the cache is used, as MSAL Python does', async () => {
    // Alice signs in with her password without a broker; her Account entry then loses account_source, as an older MSAL wrote it.
    const cache = new SerializableTokenCache();
    const plain = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: cache });
    await plain.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, SCOPES);
    const state = JSON.parse(cache.serialize()) as { Account: Record<string, Record<string, unknown>> };
    for (const entry of Object.values(state.Account)) delete entry['account_source'];
    cache.deserialize(JSON.stringify(state));

    const broker = new FakeBroker();
    broker.silently = () => refusal('account_unusable');
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: cache, enableBrokerOnLinux: true, brokerPlatform: 'wsl', broker });
    const [account] = await app.getAccounts();
    assert.ok(account !== undefined);
    assert.equal(account.account_source, undefined);
    const before = emulator.counters()['token'] ?? 0;
    const result = await app.acquireTokenSilent(SCOPES, { account, forceRefresh: true });
    assert.equal(result?.token_source, 'identity_provider');
    assert.deepEqual(broker.methods(), ['acquireTokenSilently']);
    assert.equal((emulator.counters()['token'] ?? 0) - before, 1);
  });

  it('an account another flow established (account_source "password") is not the broker\'s: it is never asked', async () => {
    const cache = new SerializableTokenCache();
    const plain = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: cache });
    await plain.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, SCOPES);
    const broker = new FakeBroker();
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: cache, enableBrokerOnLinux: true, brokerPlatform: 'linux', broker });
    const [account] = await app.getAccounts();
    assert.equal(account?.account_source, 'password');
    const result = await app.acquireTokenSilent(SCOPES, { account, forceRefresh: true });
    assert.equal(result?.token_source, 'identity_provider');
    assert.deepEqual(broker.methods(), []);
  });
});

describe('broker seam: a broker answering nothing usable', () => {
  it('a windowless sign-in that resolves null, with a login hint, is an InvalidResponseError, not a crash', async () => {
    const broker = new FakeBroker();
    broker.windowless = () => Promise.resolve(null as never);
    await assert.rejects(brokered(broker).acquireTokenInteractive(SCOPES, { loginHint: ALICE.username }), { code: 'invalid_response' });
    assert.deepEqual(broker.methods(), ['signInSilently']);
  });
});
