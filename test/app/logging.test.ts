// The user's logger at its most detailed level, PII off: no secret, password, username, token or claim reaches it,
// whatever the flow or fault. With PII on, the same run does log them (so the check can fail). Also the telemetry
// and correlation headers every token request carries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication, PublicClientApplication, ServerError, type AuthenticationResult } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { LogContext, LogLevel, Logger } from '../../src/logger.js';
import { PII_MASK } from '../../src/logger.js';
import { recordingHttp } from './helpers.js';

interface Line {
  level: LogLevel;
  text: string;
}

function collector(level: LogLevel = 'verbose'): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  return {
    level,
    lines,
    log: (at: LogLevel, message: string, context: LogContext) => lines.push({ level: at, text: `${message} ${JSON.stringify(context)}` }),
  };
}

describe('logging and telemetry', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator.close();
  });

  async function runFlows(piiLoggingEnabled: boolean): Promise<{ lines: Line[]; secrets: string[] }> {
    const logger = collector();
    const daemon = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      logger,
      piiLoggingEnabled,
      maxRetries: 0,
    });
    const appToken = await daemon.acquireTokenForClient(['https://graph.microsoft.com/.default']);
    emulator.injectFault({ kind: 'status', status: 503, endpoint: 'token' });
    await assert.rejects(daemon.acquireTokenForClient(['https://graph.microsoft.com/.default'], { forceRefresh: true }), ServerError);
    await assert.rejects(daemon.acquireTokenForClient(['https://graph.microsoft.com/.default'], { forceRefresh: true }), ServerError);

    const user = emulator.config.users[0];
    assert.ok(user?.password !== undefined);
    const pca = new PublicClientApplication(DEFAULT_IDS.publicClientId, {
      authority: emulator.authority,
      verify: emulator.caPath,
      instanceDiscovery: false,
      logger,
      piiLoggingEnabled,
      clientCapabilities: ['CP1'],
    });
    const signedIn: AuthenticationResult = await pca.acquireTokenByUsernamePassword(user.username, user.password, ['User.Read']);
    await assert.rejects(pca.acquireTokenByUsernamePassword(user.username, 'not-the-password-x1', ['User.Read']), ServerError);
    const [account] = await pca.getAccounts();
    assert.ok(account);
    const refreshed = await pca.acquireTokenSilent(['User.Read'], { account, forceRefresh: true });
    assert.ok(refreshed);
    const secrets = [
      DEFAULT_IDS.daemonSecret,
      user.password,
      'not-the-password-x1',
      user.username,
      appToken.access_token,
      signedIn.access_token,
      String(signedIn.refresh_token),
      String(signedIn.id_token),
      refreshed.access_token,
      String(refreshed.refresh_token),
      'xms_cc',
    ];
    return { lines: logger.lines, secrets };
  }

  it('PII off: nothing secret or personal reaches the log at any level', async () => {
    const { lines, secrets } = await runFlows(false);
    assert.ok(lines.some((l) => l.level === 'verbose'));
    assert.ok(
      lines.some((l) => l.level === 'warning'),
      'the faults were logged',
    );
    assert.ok(
      lines.some((l) => l.text.includes(PII_MASK)),
      'masked values are marked',
    );
    for (const line of lines) for (const secret of secrets) assert.ok(!line.text.includes(secret), `leaked in: ${line.text.slice(0, 80)}`);
  });

  it('PII on: the same run logs the personal values (the check above can fail), never a credential', async () => {
    const { lines, secrets } = await runFlows(true);
    const all = lines.map((l) => l.text).join('\n');
    assert.ok(all.includes(secrets[3] ?? '-'), 'the username');
    assert.ok(all.includes('xms_cc'), 'the claims');
    for (const credential of secrets.slice(4, 10)) assert.ok(!all.includes(credential), 'a token was logged');
  });

  it('verify: false on an application is a warning in its logger, once', async () => {
    const logger = collector('warning');
    const app = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: false,
      instanceDiscovery: false,
      logger,
    });
    await app.acquireTokenForClient(['https://graph.microsoft.com/.default'], { forceRefresh: true });
    await app.acquireTokenForClient(['https://graph.microsoft.com/.default'], { forceRefresh: true });
    assert.equal(logger.lines.length, 1);
    assert.equal(logger.lines[0]?.level, 'warning');
    assert.ok(logger.lines[0]?.text.includes('"tlsVerification":"off"'), 'the context says verification is off');
  });

  it('a logger filters by level and a throwing logger never breaks a request', async () => {
    const quiet = collector('error');
    const app = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      logger: quiet,
    });
    await app.acquireTokenForClient(['https://graph.microsoft.com/.default'], { forceRefresh: true });
    assert.deepEqual(quiet.lines, []);
    const throwing = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      logger: {
        level: 'verbose',
        log: () => {
          throw new Error('logger down');
        },
      },
    });
    assert.equal((await throwing.acquireTokenForClient(['https://graph.microsoft.com/.default'])).token_source, 'identity_provider');
    assert.throws(() => new ConfidentialClientApplication('x', { clientCredential: 's', logger: {} as Logger }), /logger must be/);
  });

  it('sends client-request-id, SKU/version/OS, capability and schema-4 telemetry headers', async () => {
    const http = recordingHttp(emulator);
    let t = Date.UTC(2030, 0, 1);
    const app = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      instanceDiscovery: false,
      httpClient: http,
      appName: 'contoso-daemon',
      appVersion: '2.1',
      maxRetries: 0,
      now: () => t,
    });
    const scopes = ['https://graph.microsoft.com/.default'];
    await app.acquireTokenForClient(scopes, { correlationId: 'corr-1' });
    await app.acquireTokenForClient(scopes); // a cache hit
    emulator.injectFault({ kind: 'status', status: 400, endpoint: 'token' });
    const failed = await app.acquireTokenForClient(scopes, { forceRefresh: true, correlationId: 'corr-2' }).catch((e: unknown) => e);
    assert.ok(failed instanceof ServerError);
    assert.equal(failed.correlationId, 'corr-2');
    t += 61_000;
    await app.acquireTokenForClient(scopes, { forceRefresh: true, correlationId: 'corr-3' });
    const sent = http.to('/token');
    assert.equal(sent.length, 3);
    const [first, second, third] = sent.map((r) => r.headers);
    assert.equal(first?.['client-request-id'], 'corr-1');
    assert.equal(first?.['x-client-sku'], 'msal-ts');
    assert.equal(first?.['x-client-os'], process.platform);
    assert.equal(typeof first?.['x-client-ver'], 'string');
    assert.equal(first?.['x-ms-lib-capability'], 'retry-after, h429');
    assert.equal(first?.['x-app-name'], 'contoso-daemon');
    assert.equal(first?.['x-app-ver'], '2.1');
    assert.equal(first?.['x-client-current-telemetry'], '4|730,2|');
    assert.equal(first?.['x-client-last-telemetry'], '4|0|||');
    assert.equal(second?.['x-client-current-telemetry'], '4|730,1|', 'force refresh');
    assert.equal(second?.['x-client-last-telemetry'], '4|1|||', 'the cache hit since the last request');
    assert.equal(third?.['x-client-last-telemetry'], '4|1|730,corr-2|invalid_request|', 'the failure of the previous request');
    await app.acquireTokenForClient(scopes, { forceRefresh: true });
    assert.equal(http.to('/token').at(-1)?.headers['x-client-last-telemetry'], '4|0|||', 'a success clears the buffer');
  });
});
