// Options that would do nothing are refused, before any I/O: a typo in an option name (MSAL Python and msal-ts used to
// ignore it, so `{ authorty }` silently signed in against `common`), an option msal-ts deliberately lacks
// (`authScheme` would have returned a Bearer token in place of a proof-of-possession one; the broker flags with no
// broker to use: test/broker/ covers them on every platform), and a
// `tokenCache` that is not a cache. Every call goes to a transport that records requests and must stay unused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  BrokerUnavailableError,
  ConfidentialClientApplication,
  PopAuthScheme,
  PublicClientApplication,
  SerializableTokenCache,
  TokenCache,
  UnsupportedOptionError,
  type Account,
  type AuthCodeFlow,
  type DeviceFlow,
  type HttpClient,
} from '../../src/index.js';
import { DistributedTokenCache, InMemoryDistributedCacheStore } from '../../src/distributed/index.js';
import { FilePersistence, PersistedTokenCache } from '../../src/extensions/index.js';

/** A temporary folder, removed when this file's tests end. */
const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'msal-ts-opts-'));
  tempDirs.push(dir);
  return dir;
}

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const AUTHORITY = `https://login.microsoftonline.com/${TENANT}`;
const CLIENT_ID = '00001111-aaaa-2222-bbbb-3333cccc4444';
const USER_READ = ['https://graph.microsoft.com/User.Read'];
const APP_SCOPES = ['https://graph.microsoft.com/.default'];
const POP = { httpMethod: 'GET', url: 'https://graph.microsoft.com/v1.0/me', nonce: 'n' };

/** A transport that records every request and answers none: a test passes only if it stays empty. */
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

const ACCOUNT: Account = {
  home_account_id: `uid.${TENANT}`,
  environment: 'login.microsoftonline.com',
  realm: TENANT,
  local_account_id: 'uid',
  username: 'alice@contoso.example',
  authority_type: 'MSSTS',
} as Account;

const AUTH_CODE_FLOW: AuthCodeFlow = {
  state: 'state-1',
  redirect_uri: 'http://localhost:8400',
  scope: [...USER_READ, 'openid', 'profile', 'offline_access'],
  auth_uri: `${AUTHORITY}/oauth2/v2.0/authorize`,
  code_verifier: 'v'.repeat(43),
  nonce: 'nonce-1',
};

const DEVICE_FLOW = {
  device_code: 'device-code',
  user_code: 'ABCD',
  verification_uri: 'https://microsoft.com/devicelogin',
  expires_in: 900,
  interval: 5,
  message: 'sign in',
  expires_at: Date.now() / 1000 + 900,
  scope: USER_READ,
} as unknown as DeviceFlow;

function pca(http: HttpClient): PublicClientApplication {
  return new PublicClientApplication(CLIENT_ID, { authority: AUTHORITY, httpClient: http });
}

function cca(http: HttpClient): ConfidentialClientApplication {
  return new ConfidentialClientApplication(CLIENT_ID, { authority: AUTHORITY, clientCredential: 'secret', httpClient: http });
}

/** One public method, called with `extra` merged into otherwise valid options. */
interface MethodCase {
  readonly name: string;
  call(http: HttpClient, extra: Record<string, unknown>): Promise<unknown>;
}

const METHODS: readonly MethodCase[] = [
  { name: 'acquireTokenForClient', call: (http, extra) => cca(http).acquireTokenForClient(APP_SCOPES, { ...extra }) },
  { name: 'acquireTokenOnBehalfOf', call: (http, extra) => cca(http).acquireTokenOnBehalfOf('incoming.assertion.jwt', USER_READ, { ...extra }) },
  { name: 'acquireTokenSilent', call: (http, extra) => pca(http).acquireTokenSilent(USER_READ, { account: ACCOUNT, ...extra }) },
  { name: 'acquireTokenSilentWithError', call: (http, extra) => pca(http).acquireTokenSilentWithError(USER_READ, { account: ACCOUNT, ...extra }) },
  {
    name: 'initiateAuthCodeFlow',
    call: (http, extra) => pca(http).initiateAuthCodeFlow(USER_READ, { redirectUri: 'http://localhost:8400', ...extra }),
  },
  {
    name: 'acquireTokenByAuthCodeFlow',
    call: (http, extra) => pca(http).acquireTokenByAuthCodeFlow(AUTH_CODE_FLOW, { code: 'code', state: 'state-1' }, { ...extra }),
  },
  {
    name: 'acquireTokenInteractive',
    call: (http, extra) =>
      pca(http).acquireTokenInteractive(USER_READ, {
        openBrowser: () => Promise.reject(new Error('this test expects no browser')),
        timeoutMs: 1000,
        ...extra,
      }),
  },
  { name: 'initiateDeviceFlow', call: (http, extra) => pca(http).initiateDeviceFlow(USER_READ, { ...extra }) },
  { name: 'acquireTokenByDeviceFlow', call: (http, extra) => pca(http).acquireTokenByDeviceFlow({ ...DEVICE_FLOW }, { ...extra }) },
  {
    name: 'acquireTokenByUsernamePassword',
    call: (http, extra) => pca(http).acquireTokenByUsernamePassword('alice@contoso.example', 'password', USER_READ, { ...extra }),
  },
  { name: 'acquireTokenByRefreshToken', call: (http, extra) => pca(http).acquireTokenByRefreshToken('refresh-token', USER_READ, { ...extra }) },
];

/** The methods a broker serves: there `authScheme` is an option, refused only when no broker is in use. */
const BROKERED: ReadonlySet<string> = new Set([
  'acquireTokenSilent',
  'acquireTokenSilentWithError',
  'acquireTokenInteractive',
  'acquireTokenByUsernamePassword',
]);

/** A typo of a real option of each method, and the option it should suggest. */
const TYPOS: Readonly<Record<string, readonly [typo: string, meant: string]>> = {
  acquireTokenForClient: ['tenat', 'tenant'],
  acquireTokenOnBehalfOf: ['forceRefesh', 'forceRefresh'],
  acquireTokenSilent: ['forceRefesh', 'forceRefresh'],
  acquireTokenSilentWithError: ['claimChallenge', 'claimsChallenge'],
  initiateAuthCodeFlow: ['loginhint', 'loginHint'],
  acquireTokenByAuthCodeFlow: ['scope', 'scopes'],
  acquireTokenInteractive: ['login_hint', 'loginHint'],
  initiateDeviceFlow: ['correlationID', 'correlationId'],
  acquireTokenByDeviceFlow: ['exit_condition', 'exitCondition'],
  acquireTokenByUsernamePassword: ['claimschallenge', 'claimsChallenge'],
  acquireTokenByRefreshToken: ['corelationId', 'correlationId'],
};

describe('options validation: every method refuses an unknown option before any I/O', () => {
  for (const method of METHODS) {
    it(`${method.name}: a typo is a TypeError naming the key, the method and the option meant`, async () => {
      const typo = TYPOS[method.name];
      assert.ok(typo !== undefined, method.name);
      const [key, meant] = typo;
      const http = noIo();
      await assert.rejects(method.call(http, { [key]: 'x' }), (err: unknown) => {
        assert.ok(err instanceof TypeError, String(err));
        assert.equal(err.message, `unknown option "${key}" in ${method.name} options (did you mean "${meant}"?)`);
        return true;
      });
      assert.deepEqual(http.urls, []);
    });

    it(`${method.name}: authScheme (proof-of-possession) is refused, not answered with a Bearer token`, async () => {
      const http = noIo();
      // The public client's brokered calls take a PopAuthScheme, and refuse it without a broker in use.
      const brokered = BROKERED.has(method.name);
      const authScheme = brokered ? new PopAuthScheme(POP.httpMethod, POP.url, POP.nonce) : POP;
      await assert.rejects(method.call(http, { authScheme }), (err: unknown) => {
        assert.ok(err instanceof (brokered ? BrokerUnavailableError : UnsupportedOptionError), String(err));
        assert.equal(err.code, brokered ? 'broker_unavailable' : 'unsupported_option');
        assert.equal(err.option, 'authScheme');
        assert.match(err.message, /proof-of-possession/);
        return true;
      });
      assert.deepEqual(http.urls, []);
    });
  }

  it('getAccounts and removeAccount take no options object: one passed in their place is refused', async () => {
    const http = noIo();
    const app = pca(http);
    await assert.rejects(app.getAccounts({ username: 'alice' } as unknown as string), TypeError);
    await assert.rejects(app.removeAccount({ account: ACCOUNT } as unknown as Account), TypeError);
    assert.deepEqual(http.urls, []);
  });
});

describe('options validation: constructors', () => {
  it('PublicClientApplication: a typo is a TypeError with the option meant', () => {
    assert.throws(() => new PublicClientApplication(CLIENT_ID, { authorty: AUTHORITY } as never), {
      name: 'TypeError',
      message: 'unknown option "authorty" in PublicClientApplication options (did you mean "authority"?)',
    });
  });

  it('ConfidentialClientApplication: a typo is a TypeError with the option meant', () => {
    assert.throws(() => new ConfidentialClientApplication(CLIENT_ID, { authority: AUTHORITY, clientCredential: 'secret', azure_region: 'westus2' } as never), {
      name: 'TypeError',
      message: 'unknown option "azure_region" in ConfidentialClientApplication options (did you mean "azureRegion"?)',
    });
  });

  it('a broker flag for the running platform with no broker is a BrokerUnavailableError; allowBroker and a confidential client are refused', () => {
    const platforms = { enableBrokerOnWindows: 'windows', enableBrokerOnMac: 'mac', enableBrokerOnLinux: 'linux', enableBrokerOnWsl: 'wsl' } as const;
    for (const [key, brokerPlatform] of Object.entries(platforms)) {
      assert.throws(
        () => new PublicClientApplication(CLIENT_ID, { authority: AUTHORITY, [key]: true, brokerPlatform }),
        (err: unknown) => err instanceof BrokerUnavailableError && err.option === key && /no broker was given/.test(err.message),
        key,
      );
    }
    assert.throws(
      () => new PublicClientApplication(CLIENT_ID, { authority: AUTHORITY, allowBroker: true } as never),
      (err: unknown) => err instanceof UnsupportedOptionError && err.option === 'allowBroker' && /enableBrokerOnWindows/.test(err.message),
    );
    for (const key of ['allowBroker', 'enableBrokerOnWindows', 'enableBrokerOnLinux']) {
      assert.throws(
        () => new ConfidentialClientApplication(CLIENT_ID, { authority: AUTHORITY, clientCredential: 'secret', [key]: true }),
        (err: unknown) => err instanceof UnsupportedOptionError && err.option === key,
        key,
      );
    }
  });

  it('a confidential client refuses authScheme on its silent call: no broker serves it', async () => {
    const http = noIo();
    const app = cca(http);
    const authScheme = new PopAuthScheme(POP.httpMethod, POP.url, POP.nonce);
    await assert.rejects(app.acquireTokenSilent(USER_READ, { account: ACCOUNT, authScheme } as never), (err: unknown) => {
      assert.ok(err instanceof UnsupportedOptionError, String(err));
      assert.equal(err.option, 'authScheme');
      return true;
    });
    assert.deepEqual(http.urls, []);
  });

  it('a broker flag set to false asks for what msal-ts does, and is accepted', () => {
    const app = new PublicClientApplication(CLIENT_ID, { authority: AUTHORITY, enableBrokerOnWindows: false, allowBroker: false } as never);
    assert.equal(app.clientId, CLIENT_ID);
  });

  it('a tokenCache that is not a cache fails at construction, naming tokenCache', () => {
    for (const bad of [{}, new Map(), 'cache.json']) {
      assert.throws(() => new PublicClientApplication(CLIENT_ID, { tokenCache: bad } as never), {
        name: 'TypeError',
        message: /^tokenCache must be a TokenCache/,
      });
      assert.throws(() => new ConfidentialClientApplication(CLIENT_ID, { authority: AUTHORITY, clientCredential: 's', tokenCache: bad } as never), {
        name: 'TypeError',
        message: /^tokenCache must be a TokenCache/,
      });
    }
  });

  it('a persistence passed as tokenCache is refused with the way to wrap it', () => {
    const persistence = new FilePersistence(join(tempDir(), 'cache.json'));
    assert.throws(() => new PublicClientApplication(CLIENT_ID, { tokenCache: persistence } as never), {
      name: 'TypeError',
      message: /new PersistedTokenCache\(persistence\)/,
    });
  });

  it('every cache msal-ts provides is accepted as tokenCache', () => {
    const persistence = new FilePersistence(join(tempDir(), 'cache.json'));
    for (const cache of [
      new TokenCache(),
      new SerializableTokenCache(),
      new PersistedTokenCache(persistence),
      new DistributedTokenCache(new InMemoryDistributedCacheStore()),
    ]) {
      assert.equal(new PublicClientApplication(CLIENT_ID, { tokenCache: cache }).tokenCache, cache);
      assert.equal(new ConfidentialClientApplication(CLIENT_ID, { authority: AUTHORITY, clientCredential: 's', tokenCache: cache }).tokenCache, cache);
    }
  });
});
