// Regions: the regional host rules as a table, the choice between azureRegion and MSAL_FORCE_REGION, and detection
// (REGION_NAME, then IMDS: its exact request, its timeout, and every way it can fail giving "no region").
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import {
  AZURE_REGION_AUTO_DETECT,
  detectRegion,
  IMDS_REGION_URL,
  normalizeRegion,
  regionalHost,
  regionalTokenEndpoint,
  resolveRegionChoice,
} from '../../src/authority/region.js';
import { NetworkError } from '../../src/errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/http/http-client.js';
import { createHttpClient } from '../../src/http/undici-http-client.js';
import { SILENT_LOG } from '../../src/logger.js';

describe('regionalHost', () => {
  const table: Array<[string, string, string | undefined]> = [
    ['login.microsoftonline.com', 'westus2', 'westus2.login.microsoft.com'],
    ['login.microsoft.com', 'eastus', 'eastus.login.microsoft.com'],
    ['login.windows.net', 'westeurope', 'westeurope.login.microsoft.com'],
    ['sts.windows.net', 'centralus', 'centralus.login.microsoft.com'],
    ['LOGIN.MicrosoftOnline.com', 'westus2', 'westus2.login.microsoft.com'],
    ['login.chinacloudapi.cn', 'chinaeast2', 'chinaeast2.login.chinacloudapi.cn'],
    ['login.microsoftonline.us', 'usgovvirginia', 'usgovvirginia.login.microsoftonline.us'],
    ['login-us.microsoftonline.com', 'usgovtexas', 'usgovtexas.login-us.microsoftonline.com'],
    ['contoso.ciamlogin.com', 'westus', 'westus.contoso.ciamlogin.com'],
    ['login.emulator.test:8443', 'westus2', 'westus2.login.emulator.test:8443'],
    ['localhost:8443', 'westus2', 'westus2.localhost:8443'],
    // An IP address has no regional form: "westus2.127.0.0.1" is not a host name (URL parsers refuse it).
    ['127.0.0.1:8443', 'westus2', undefined],
    ['10.0.0.1', 'westus2', undefined],
    ['[::1]:8443', 'westus2', undefined],
  ];
  for (const [host, region, expected] of table) {
    it(`${host} in ${region} -> ${expected ?? 'none'}`, () => {
      assert.equal(regionalHost(host, region), expected);
      if (expected !== undefined) assert.equal(new URL(`https://${expected}/`).host, expected, 'a valid URL host');
    });
  }

  it('refuses a region that is not one DNS label', () => {
    for (const bad of ['', 'West US', 'westus.evil.com', '-westus', 'west_us', 'a'.repeat(64)]) {
      assert.throws(() => regionalHost('login.microsoftonline.com', bad), TypeError, bad);
    }
  });

  it('moves the token endpoint to the regional host of the configured authority, path kept', () => {
    assert.equal(
      regionalTokenEndpoint('https://login.microsoftonline.com/tid/oauth2/v2.0/token', 'login.microsoftonline.com', 'westus2'),
      'https://westus2.login.microsoft.com/tid/oauth2/v2.0/token',
    );
    assert.equal(regionalTokenEndpoint('https://127.0.0.1:9/tid/oauth2/v2.0/token', '127.0.0.1:9', 'westus2'), undefined);
  });

  it('normalizes region names as REGION_NAME gives them', () => {
    assert.equal(normalizeRegion('East US 2'), 'eastus2');
    assert.equal(normalizeRegion('westus2'), 'westus2');
    assert.equal(normalizeRegion('west.us'), undefined);
    assert.equal(normalizeRegion('<html>'), undefined);
  });
});

describe('resolveRegionChoice: azureRegion, then MSAL_FORCE_REGION', () => {
  const table: Array<[string, unknown, Record<string, string>, ReturnType<typeof resolveRegionChoice>]> = [
    ['nothing', undefined, {}, { kind: 'off' }],
    ['a region name', 'westus2', {}, { kind: 'fixed', region: 'westus2', source: 'option' }],
    ['a region name with capitals and spaces', 'West US 2', {}, { kind: 'fixed', region: 'westus2', source: 'option' }],
    ['auto', AZURE_REGION_AUTO_DETECT, {}, { kind: 'detect', source: 'option' }],
    ["MSAL .NET's TryAutoDetect", 'TryAutoDetect', {}, { kind: 'detect', source: 'option' }],
    ['MSAL_FORCE_REGION alone', undefined, { MSAL_FORCE_REGION: 'eastus' }, { kind: 'fixed', region: 'eastus', source: 'MSAL_FORCE_REGION' }],
    ['MSAL_FORCE_REGION=auto', undefined, { MSAL_FORCE_REGION: 'auto' }, { kind: 'detect', source: 'MSAL_FORCE_REGION' }],
    ['the option over MSAL_FORCE_REGION', 'westus2', { MSAL_FORCE_REGION: 'eastus' }, { kind: 'fixed', region: 'westus2', source: 'option' }],
    ['false over MSAL_FORCE_REGION', false, { MSAL_FORCE_REGION: 'eastus' }, { kind: 'off' }],
    ["'disabled' over MSAL_FORCE_REGION", 'disabled', { MSAL_FORCE_REGION: 'eastus' }, { kind: 'off' }],
    ['an empty MSAL_FORCE_REGION', undefined, { MSAL_FORCE_REGION: ' ' }, { kind: 'off' }],
    ['a malformed MSAL_FORCE_REGION is ignored', undefined, { MSAL_FORCE_REGION: 'evil.example.com/' }, { kind: 'off' }],
    ['REGION_NAME alone does not turn regions on', undefined, { REGION_NAME: 'westus' }, { kind: 'off' }],
  ];
  for (const [name, option, env, expected] of table) {
    it(name, () => assert.deepEqual(resolveRegionChoice(option, env, SILENT_LOG), expected));
  }

  it('throws a TypeError naming azureRegion for a malformed option', () => {
    for (const bad of [42, true, null, 'westus.evil.com', '', {}]) {
      assert.throws(
        () => resolveRegionChoice(bad, {}, SILENT_LOG),
        (err: unknown) => err instanceof TypeError && err.message.includes('azureRegion'),
      );
    }
  });
});

/** An HttpClient that answers every request with `answer`, recording what was asked. */
function stub(answer: (req: HttpRequest) => Promise<HttpResponse>): HttpClient & { requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  return {
    requests,
    send(req) {
      requests.push(req);
      return answer(req);
    },
  };
}

describe('detectRegion', () => {
  it('prefers REGION_NAME (spaces removed, lower-cased) and asks nothing', async () => {
    const http = stub(() => Promise.reject(new Error('must not be called')));
    assert.equal(await detectRegion({ environment: { REGION_NAME: 'East US 2' }, http, log: SILENT_LOG }), 'eastus2');
    assert.equal(http.requests.length, 0);
  });

  it('asks IMDS for its location as text, with Metadata: true and a timeout signal', async () => {
    const http = stub(() => Promise.resolve({ status: 200, headers: {}, body: 'westus2\n' }));
    assert.equal(await detectRegion({ environment: {}, http, log: SILENT_LOG }), 'westus2');
    assert.equal(http.requests.length, 1);
    const [req] = http.requests;
    assert.equal(req?.method, 'GET');
    assert.equal(req?.url, 'http://169.254.169.254/metadata/instance/compute/location?format=text&api-version=2021-01-01');
    assert.equal(req?.url, IMDS_REGION_URL);
    assert.equal(req?.headers['metadata'], 'true');
    assert.ok(req?.signal instanceof AbortSignal, 'a timeout signal, so a user HttpClient gives up too');
  });

  it('asks IMDS when REGION_NAME is not a region name', async () => {
    const http = stub(() => Promise.resolve({ status: 200, headers: {}, body: 'centralus' }));
    assert.equal(await detectRegion({ environment: { REGION_NAME: 'no/such region' }, http, log: SILENT_LOG }), 'centralus');
  });

  it('gives no region for every IMDS failure: network error, non-200, a body that is not a region', async () => {
    const failures: Array<() => Promise<HttpResponse>> = [
      () => Promise.reject(new NetworkError('connect EHOSTUNREACH 169.254.169.254:80')),
      () => Promise.resolve({ status: 400, headers: {}, body: '{"error":"bad_request"}' }),
      () => Promise.resolve({ status: 200, headers: {}, body: '<html>captive portal</html>' }),
      () => Promise.resolve({ status: 200, headers: {}, body: '' }),
    ];
    for (const answer of failures) {
      assert.equal(await detectRegion({ environment: {}, http: stub(answer), log: SILENT_LOG }), undefined);
    }
  });

  async function localImds(t: { after: (fn: () => void) => void }, answer: boolean) {
    const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
    const server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', headers: req.headers });
      // Without an answer, as 169.254.169.254 off Azure.
      if (answer) res.end('westus3');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    const port = (server.address() as AddressInfo).port;
    return { seen, url: `http://127.0.0.1:${port}/metadata/instance/compute/location?format=text&api-version=2021-01-01` };
  }

  // A proxy that does not exist: a request reaches the local IMDS only because local targets bypass it.
  const probe = () => createHttpClient({ proxy: 'http://127.0.0.1:9', bypassProxyForLocalTargets: true });

  it('reaches a local IMDS directly, past a configured proxy (the default probe transport)', async (t) => {
    const imds = await localImds(t, true);
    const region = await detectRegion({ environment: {}, http: probe(), log: SILENT_LOG, imdsUrl: imds.url, timeoutMs: 30_000 });
    assert.equal(region, 'westus3');
    assert.equal(imds.seen[0]?.headers['metadata'], 'true');
    assert.equal(imds.seen[0]?.path, '/metadata/instance/compute/location?format=text&api-version=2021-01-01');
  });

  it('gives up on an IMDS that does not answer within the timeout', async (t) => {
    const imds = await localImds(t, false);
    assert.equal(await detectRegion({ environment: {}, http: probe(), log: SILENT_LOG, imdsUrl: imds.url, timeoutMs: 200 }), undefined);
  });
});
