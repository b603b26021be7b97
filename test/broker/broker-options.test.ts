// Each broker flag on each platform with no broker to use: MSAL Python errors out where the flag applies (it asks
// for msal[broker]) and ignores it elsewhere; msal-ts throws BrokerUnavailableError saying how to proceed. Also the
// running platform's detection, PopAuthScheme's argument checks and the CLI exit codes of the two broker errors.
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { describe, it } from 'node:test';
import { currentBrokerPlatform, type BrokerPlatform } from '../../src/app/broker/broker-options.js';
import { exitCodeFor, EXIT } from '../../src/cli/exit-codes.js';
import { BrokerError, BrokerUnavailableError, PopAuthScheme, PublicClientApplication } from '../../src/index.js';
import { AUTHORITY, CLIENT_ID, FakeBroker } from './fake-broker.js';

type Flag = 'enableBrokerOnWindows' | 'enableBrokerOnMac' | 'enableBrokerOnLinux' | 'enableBrokerOnWsl';

/** Where each flag applies, as MSAL Python reads them (the Linux flag covers WSL too). */
const APPLIES: Readonly<Record<Flag, readonly BrokerPlatform[]>> = {
  enableBrokerOnWindows: ['windows'],
  enableBrokerOnMac: ['mac'],
  enableBrokerOnLinux: ['linux', 'wsl'],
  enableBrokerOnWsl: ['wsl'],
};
const PLATFORMS: readonly BrokerPlatform[] = ['windows', 'mac', 'linux', 'wsl', 'other'];

describe('broker flags with no broker given', () => {
  for (const [flag, where] of Object.entries(APPLIES) as [Flag, readonly BrokerPlatform[]][]) {
    for (const platform of PLATFORMS) {
      const applies = where.includes(platform);
      it(`${flag} on ${platform}: ${applies ? 'a BrokerUnavailableError saying how to proceed' : 'ignored'}`, () => {
        const build = (): PublicClientApplication => new PublicClientApplication(CLIENT_ID, { authority: AUTHORITY, [flag]: true, brokerPlatform: platform });
        if (!applies) {
          assert.equal(build().isPopSupported(), false);
          return;
        }
        assert.throws(build, (err: unknown) => {
          assert.ok(err instanceof BrokerUnavailableError);
          assert.equal(err.code, 'broker_unavailable');
          assert.equal(err.option, flag);
          assert.match(err.message, /no broker was given/);
          assert.match(err.message, /"broker" option/);
          assert.match(err.message, new RegExp(`leave ${flag} unset`));
          return true;
        });
      });
    }
  }

  it('with a broker given, the flag that applies turns it on', () => {
    for (const [flag, where] of Object.entries(APPLIES) as [Flag, readonly BrokerPlatform[]][]) {
      for (const platform of where) {
        const app = new PublicClientApplication(CLIENT_ID, { authority: AUTHORITY, [flag]: true, brokerPlatform: platform, broker: new FakeBroker() });
        assert.equal(app.isPopSupported(), true, `${flag} on ${platform}`);
      }
    }
  });

  it('flags set to false, and a generic OIDC authority, ask for no broker', () => {
    const off = new PublicClientApplication(CLIENT_ID, {
      authority: AUTHORITY,
      enableBrokerOnWindows: false,
      enableBrokerOnMac: false,
      enableBrokerOnLinux: false,
      enableBrokerOnWsl: false,
      brokerPlatform: 'windows',
    });
    assert.equal(off.isPopSupported(), false);
    const oidc = new PublicClientApplication(CLIENT_ID, { oidcAuthority: 'https://idp.example/', enableBrokerOnWindows: true, brokerPlatform: 'windows' });
    assert.equal(oidc.isPopSupported(), false);
  });

  it('malformed flags, platform and broker are TypeErrors naming the option', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ enableBrokerOnLinux: 'yes' }, /options\.enableBrokerOnLinux must be a boolean/],
      [{ brokerPlatform: 'linux2' }, /options\.brokerPlatform must be one of/],
      [{ broker: {} }, /options\.broker\.signInInteractively must be a function/],
      [{ broker: 'wam' }, /options\.broker must be a Broker object/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => new PublicClientApplication(CLIENT_ID, { authority: AUTHORITY, ...options }), { name: 'TypeError', message });
    }
  });

  it('the running platform is detected, WSL by its kernel release', () => {
    const expected: BrokerPlatform =
      process.platform === 'win32'
        ? 'windows'
        : process.platform === 'darwin'
          ? 'mac'
          : process.platform === 'linux'
            ? /microsoft|wsl/i.test(release())
              ? 'wsl'
              : 'linux'
            : 'other';
    assert.equal(currentBrokerPlatform(), expected);
    // Without brokerPlatform, a flag for a platform this is not is ignored.
    const foreign: Flag = expected === 'windows' ? 'enableBrokerOnMac' : 'enableBrokerOnWindows';
    assert.equal(new PublicClientApplication(CLIENT_ID, { authority: AUTHORITY, [foreign]: true }).isPopSupported(), false);
  });
});

describe('PopAuthScheme', () => {
  it('keeps the method upper-cased, the URL parsed and the nonce', () => {
    const scheme = new PopAuthScheme('post', 'https://api.contoso.example/items?id=1', 'n-1');
    assert.equal(scheme.httpMethod, 'POST');
    assert.equal(scheme.url.host, 'api.contoso.example');
    assert.equal(scheme.url.pathname, '/items');
    assert.equal(scheme.nonce, 'n-1');
  });

  it('refuses a missing or malformed method, URL or nonce with a TypeError naming it', () => {
    assert.throws(() => new PopAuthScheme('TRACE', 'https://a.example/', 'n'), /httpMethod/);
    assert.throws(() => new PopAuthScheme('GET', '/relative', 'n'), /url/);
    assert.throws(() => new PopAuthScheme('GET', 'file:///etc/passwd', 'n'), /url/);
    assert.throws(() => new PopAuthScheme('GET', 'https://a.example/', ''), /nonce/);
  });

  it('a plain object in its place is a TypeError, not a Bearer token', async () => {
    const app = new PublicClientApplication(CLIENT_ID, {
      authority: AUTHORITY,
      enableBrokerOnWindows: true,
      brokerPlatform: 'windows',
      broker: new FakeBroker(),
    });
    await assert.rejects(app.acquireTokenInteractive(['User.Read'], { authScheme: { httpMethod: 'GET' } as never }), /authScheme must be a PopAuthScheme/);
  });
});

describe('broker errors in the CLI', () => {
  it('a missing broker is a usage error; a broker refusal an authentication failure', () => {
    assert.equal(exitCodeFor(new BrokerUnavailableError('enableBrokerOnLinux', 'x')), EXIT.usage);
    assert.equal(exitCodeFor(new BrokerError('user_canceled', 'x')), EXIT.authFailed);
  });
});
