// Regions end to end against the emulator. The app is configured with the public cloud's authority
// (login.microsoftonline.com) and an HttpClient that routes that host and every {region}.login.microsoft.com host to
// the emulator and answers the IMDS address itself, recording every URL: so the tests see where each request was
// meant to go (the regional host) and still get real tokens. The environment is injected, never process.env.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication, NetworkError, RequestAbortedError, SerializableTokenCache } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { HttpRequest, HttpResponse } from '../../src/http/http-client.js';
import { createHttpClient } from '../../src/http/undici-http-client.js';

const GRAPH = ['https://graph.microsoft.com/.default'];
const TENANT = DEFAULT_IDS.tenantId;
const regionalToken = (region: string): string => `https://${region}.login.microsoft.com/${TENANT}/oauth2/v2.0/token`;

/** A location IMDS answers, or `unreachable` / `hang`. */
type ImdsAnswer = string;

describe('regional token endpoints (acquireTokenForClient)', () => {
  let emulator: Emulator;

  // The global token endpoint is the discovered one, which the emulator names on its own address.
  let GLOBAL_TOKEN: string;

  before(async () => {
    emulator = await startEmulator();
    GLOBAL_TOKEN = `${emulator.url}/${TENANT}/oauth2/v2.0/token`;
  });
  after(() => emulator.close());

  /** Routes Entra's public hosts to the emulator; IMDS answers `imds`. Records each request's intended URL. */
  function routedHttp(imds: ImdsAnswer = 'unreachable') {
    const inner = createHttpClient({ verify: emulator.caPath });
    const urls: string[] = [];
    const imdsRequests: HttpRequest[] = [];
    return {
      urls,
      imdsRequests,
      tokenUrls: () => urls.filter((u) => u.endsWith('/token')),
      async send(req: HttpRequest): Promise<HttpResponse> {
        urls.push(req.url);
        const url = new URL(req.url);
        if (url.hostname === '169.254.169.254') {
          imdsRequests.push(req);
          if (imds === 'unreachable') throw new NetworkError('connect EHOSTUNREACH 169.254.169.254:80');
          if (imds === 'hang') {
            return new Promise<HttpResponse>((_, reject) => {
              req.signal?.addEventListener('abort', () => reject(new NetworkError('IMDS timed out')), { once: true });
            });
          }
          return { status: 200, headers: { 'content-type': 'text/plain' }, body: imds };
        }
        if (url.hostname === 'login.microsoftonline.com' || url.hostname.endsWith('.login.microsoft.com')) {
          url.host = `127.0.0.1:${emulator.port}`;
        }
        return inner.send({ ...req, url: url.href });
      },
    };
  }

  function daemon(options: { azureRegion?: string | false; environment?: Record<string, string>; imds?: ImdsAnswer; tokenCache?: SerializableTokenCache }) {
    const http = routedHttp(options.imds);
    const tokenCache = options.tokenCache ?? new SerializableTokenCache();
    const app = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: `https://login.microsoftonline.com/${TENANT}`,
      clientCredential: DEFAULT_IDS.daemonSecret,
      httpClient: http,
      tokenCache,
      environment: options.environment ?? {},
      ...(options.azureRegion === undefined ? {} : { azureRegion: options.azureRegion }),
    });
    return { app, http, tokenCache };
  }

  const accessTokenEnvironments = (cache: SerializableTokenCache): string[] =>
    Object.values((JSON.parse(cache.serialize()) as { AccessToken?: Record<string, { environment: string }> }).AccessToken ?? {}).map((at) => at.environment);

  it('sends the token request to {region}.login.microsoft.com and caches it under the global host', async () => {
    const { app, http, tokenCache } = daemon({ azureRegion: 'westus2' });
    const result = await app.acquireTokenForClient(GRAPH);
    assert.equal(result.token_source, 'identity_provider');
    assert.deepEqual(http.tokenUrls(), [regionalToken('westus2')]);
    assert.equal(http.imdsRequests.length, 0, 'a configured region needs no detection');
    assert.ok(
      http.urls.filter((u) => !u.endsWith('/token')).every((u) => new URL(u).hostname === 'login.microsoftonline.com'),
      'discovery stays on the global authority',
    );
    assert.deepEqual(accessTokenEnvironments(tokenCache), ['login.microsoftonline.com']);

    // A global app on the same cache finds the regional token: same environment, realm and client.
    const global = daemon({ azureRegion: false, tokenCache });
    const hit = await global.app.acquireTokenForClient(GRAPH);
    assert.equal(hit.token_source, 'cache');
    assert.equal(hit.access_token, result.access_token);
    assert.deepEqual(global.http.tokenUrls(), []);
  });

  it('only acquireTokenForClient is regional: a refresh token redemption of the same app goes to the global host', async () => {
    const { app, http } = daemon({ azureRegion: 'westus2' });
    await assert.rejects(app.acquireTokenByRefreshToken('not-a-refresh-token', ['User.Read']), { code: 'server_error' });
    assert.deepEqual(http.tokenUrls(), [GLOBAL_TOKEN]);
  });

  const precedence: Array<[string, Parameters<typeof daemon>[0], string, number]> = [
    ['no option, no environment: global', {}, 'global', 0],
    ['MSAL_FORCE_REGION alone', { environment: { MSAL_FORCE_REGION: 'eastus' } }, regionalToken('eastus'), 0],
    ['azureRegion over MSAL_FORCE_REGION', { azureRegion: 'westus2', environment: { MSAL_FORCE_REGION: 'eastus' } }, regionalToken('westus2'), 0],
    ['azureRegion false turns MSAL_FORCE_REGION off', { azureRegion: false, environment: { MSAL_FORCE_REGION: 'eastus' } }, 'global', 0],
    ["azureRegion 'disabled' turns MSAL_FORCE_REGION off", { azureRegion: 'disabled', environment: { MSAL_FORCE_REGION: 'eastus' } }, 'global', 0],
    ['auto: REGION_NAME, no IMDS probe', { azureRegion: 'auto', environment: { REGION_NAME: 'East US 2' }, imds: 'westeurope' }, regionalToken('eastus2'), 0],
    ['auto: IMDS when REGION_NAME is absent', { azureRegion: 'auto', imds: 'westeurope' }, regionalToken('westeurope'), 1],
    ['MSAL_FORCE_REGION=auto detects too', { environment: { MSAL_FORCE_REGION: 'auto' }, imds: 'northeurope' }, regionalToken('northeurope'), 1],
    ['REGION_NAME without azureRegion: regions stay off', { environment: { REGION_NAME: 'westus' } }, 'global', 0],
    ['auto with IMDS unreachable: the global endpoint', { azureRegion: 'auto', imds: 'unreachable' }, 'global', 1],
    ['auto with a slow IMDS: the global endpoint after the timeout', { azureRegion: 'auto', imds: 'hang' }, 'global', 1],
  ];
  for (const [name, options, expected, probes] of precedence) {
    it(name, async () => {
      const { app, http } = daemon(options);
      const result = await app.acquireTokenForClient(GRAPH);
      assert.equal(result.token_source, 'identity_provider');
      assert.deepEqual(http.tokenUrls(), [expected === 'global' ? GLOBAL_TOKEN : expected]);
      assert.equal(http.imdsRequests.length, probes);
      for (const req of http.imdsRequests) assert.equal(req.headers['metadata'], 'true');
    });
  }

  it('detects once per application, a failure included', async () => {
    const { app, http } = daemon({ azureRegion: 'auto', imds: 'unreachable' });
    await app.acquireTokenForClient(GRAPH, { forceRefresh: true });
    await app.acquireTokenForClient(GRAPH, { forceRefresh: true });
    await Promise.all([app.acquireTokenForClient(GRAPH, { forceRefresh: true }), app.acquireTokenForClient(['https://vault.azure.net/.default'])]);
    assert.equal(http.imdsRequests.length, 1);
    assert.deepEqual(new Set(http.tokenUrls()), new Set([GLOBAL_TOKEN]));
  });

  it('an abort while the region is detected ends the call with RequestAbortedError and caches nothing', async () => {
    const { app, http, tokenCache } = daemon({ azureRegion: 'auto', imds: 'hang' });
    const controller = new AbortController();
    const pending = app.acquireTokenForClient(GRAPH, { signal: controller.signal });
    while (http.imdsRequests.length === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    await assert.rejects(pending, RequestAbortedError);
    assert.deepEqual(http.tokenUrls(), []);
    assert.deepEqual(accessTokenEnvironments(tokenCache), []);
  });

  it('an authority on an IP address has no regional host: the global endpoint, and a token', async () => {
    const http = routedHttp();
    const app = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      httpClient: http,
      instanceDiscovery: false,
      azureRegion: 'westus2',
      environment: {},
    });
    assert.equal((await app.acquireTokenForClient(GRAPH)).token_source, 'identity_provider');
    assert.deepEqual(http.tokenUrls(), [`${emulator.authority}/oauth2/v2.0/token`]);
  });

  it('refuses a malformed azureRegion at construction', () => {
    for (const azureRegion of ['west us!', 'westus.attacker.example', '']) {
      assert.throws(
        () => daemon({ azureRegion }),
        (err: unknown) => err instanceof TypeError && err.message.includes('azureRegion'),
      );
    }
  });
});
