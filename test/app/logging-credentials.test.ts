// No log line, at any level and with PII logging on, carries a credential: access, refresh or id token, client secret,
// client assertion, password, device code, authorization code, PKCE verifier. PII means user names, object ids and
// tenant ids; it never means credentials. Every value is harvested from the wire (request forms and response bodies) of
// every flow against the emulator, so a credential the test did not think of is caught too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication, PublicClientApplication, ServerError } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { createHttpClient } from '../../src/http/undici-http-client.js';
import type { HttpClient } from '../../src/http/http-client.js';
import type { LogContext, LogLevel, Logger } from '../../src/logger.js';
import { authorizeWithoutUi, GRAPH_USER_READ } from './helpers.js';

/** Form fields and response fields that hold credentials. */
const SECRET_FORM_FIELDS = ['client_secret', 'client_assertion', 'password', 'code', 'device_code', 'refresh_token', 'assertion', 'code_verifier'];
const SECRET_RESPONSE_FIELDS = ['access_token', 'refresh_token', 'id_token', 'device_code'];

/** An HttpClient that keeps every credential that crossed the wire, by field name. */
function harvestingHttp(emulator: Emulator): HttpClient & { secrets: Map<string, Set<string>> } {
  const inner = createHttpClient({ verify: emulator.caPath });
  const secrets = new Map<string, Set<string>>();
  const keep = (field: string, value: unknown): void => {
    if (typeof value !== 'string' || value.length < 8) return;
    let set = secrets.get(field);
    if (set === undefined) secrets.set(field, (set = new Set()));
    set.add(value);
  };
  return {
    secrets,
    async send(req) {
      if (req.body !== undefined && req.headers['content-type']?.includes('application/x-www-form-urlencoded') === true) {
        const form = new URLSearchParams(req.body);
        for (const field of SECRET_FORM_FIELDS) keep(field, form.get(field));
      }
      const res = await inner.send(req);
      try {
        const json = JSON.parse(res.body) as Record<string, unknown>;
        for (const field of SECRET_RESPONSE_FIELDS) keep(field, json[field]);
      } catch {
        // not JSON: nothing to harvest
      }
      return res;
    },
  };
}

describe('logs never carry credentials, with PII logging on, at every level', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ config: { autoApprove: DEFAULT_IDS.aliceUsername } });
  });
  after(async () => {
    await emulator.close();
  });

  it('every flow against the emulator: no token, secret, assertion, password or code in any log line', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      level: 'verbose',
      log: (level: LogLevel, message: string, context: LogContext) => lines.push(`${level} ${message} ${JSON.stringify(context)}`),
    };
    const http = harvestingHttp(emulator);
    const common = { authority: emulator.authority, instanceDiscovery: false, httpClient: http, logger, piiLoggingEnabled: true, maxRetries: 0 };

    // Client credentials: a secret, then a certificate (a signed client assertion on the wire).
    const daemon = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, { ...common, clientCredential: DEFAULT_IDS.daemonSecret });
    await daemon.acquireTokenForClient(['https://graph.microsoft.com/.default']);
    const files = emulator.config.apps.find((a) => a.clientId === DEFAULT_IDS.certificateClientId)?.certificateFiles;
    assert.ok(files);
    const certApp = new ConfidentialClientApplication(DEFAULT_IDS.certificateClientId, {
      ...common,
      clientCredential: { privateKey: readFileSync(files.privateKeyPath, 'utf8'), publicCertificate: readFileSync(files.certificatePath, 'utf8') },
    });
    await certApp.acquireTokenForClient(['https://graph.microsoft.com/.default']);

    // Username/password, a wrong password, silent refresh, refresh token migration.
    const pca = new PublicClientApplication(DEFAULT_IDS.publicClientId, common);
    const signedIn = await pca.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    await assert.rejects(pca.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, 'wrong-password-for-alice', GRAPH_USER_READ), ServerError);
    const [account] = await pca.getAccounts();
    assert.ok(account);
    await pca.acquireTokenSilent(GRAPH_USER_READ, { account, forceRefresh: true });
    assert.ok(signedIn.refresh_token !== undefined);
    const migrated = new PublicClientApplication(DEFAULT_IDS.publicClientId, common);
    await migrated.acquireTokenByRefreshToken(signedIn.refresh_token, GRAPH_USER_READ);

    // Device code: one pending poll, then approved.
    const flow = await pca.initiateDeviceFlow(GRAPH_USER_READ);
    let polls = 0;
    await pca.acquireTokenByDeviceFlow(flow, {
      exitCondition: () => {
        polls += 1;
        if (polls === 1) emulator.approveDeviceCode(flow.user_code, DEFAULT_IDS.aliceUsername);
        return false;
      },
    });

    // Authorization code with PKCE (the emulator's no-UI authorize mode), and a code redeemed twice (an error).
    const redirectUri = 'http://localhost:8400';
    const codeFlow = await pca.initiateAuthCodeFlow(GRAPH_USER_READ, { redirectUri, loginHint: DEFAULT_IDS.aliceUsername });
    const response = await authorizeWithoutUi(emulator, codeFlow.auth_uri);
    await pca.acquireTokenByAuthCodeFlow(codeFlow, response);
    await assert.rejects(pca.acquireTokenByAuthCodeFlow(codeFlow, response), ServerError);

    // On-behalf-of: a web API trades the user's token (the incoming assertion).
    const apiScope = [`api://${DEFAULT_IDS.webApiClientId}/access_as_user`];
    const incoming = (await pca.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, apiScope)).access_token;
    const api = new ConfidentialClientApplication(DEFAULT_IDS.webApiClientId, { ...common, clientCredential: DEFAULT_IDS.webApiSecret });
    await api.acquireTokenOnBehalfOf(incoming, GRAPH_USER_READ);

    // The run must have logged at every level it can, and seen every kind of credential, or the check proves nothing.
    assert.ok(lines.some((l) => l.startsWith('verbose ')) && lines.some((l) => l.startsWith('info ')) && lines.some((l) => l.startsWith('warning ')));
    for (const field of [
      'client_secret',
      'client_assertion',
      'password',
      'code',
      'device_code',
      'refresh_token',
      'assertion',
      'code_verifier',
      'access_token',
      'id_token',
    ]) {
      assert.ok((http.secrets.get(field)?.size ?? 0) > 0, `the run sent or received no ${field}`);
    }
    assert.ok(lines.join('\n').includes(DEFAULT_IDS.aliceUsername), 'PII is on: the username is logged (the check below can fail)');

    for (const [field, values] of http.secrets) {
      for (const value of values) {
        const leaked = lines.find((l) => l.includes(value));
        assert.equal(leaked === undefined ? undefined : leaked.split(' ').slice(0, 3).join(' '), undefined, `a ${field} was logged`);
      }
    }
  });
});
