// App tokens (client credentials) in a cache file shared with unmodified @azure/msal-node 7, for an authority named by
// a tenant domain (`.../contoso.onmicrosoft.com`). msal-node files such a token under the domain as written; MSAL Python
// and msal-ts under the tenant id that discovery returns. msal-ts reads the domain as another name of the tenant, so it
// serves msal-node's token instead of asking for a new one. The emulator's counters tell a hit from a token request.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication, SerializableTokenCache } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runPeer, type PeerLine } from './peer-process.js';

const SCRIPT = join(import.meta.dirname, 'fixtures', 'msal-node-client-credentials.mjs');
const SCOPE = 'https://graph.microsoft.com/.default';

type CacheJson = Record<string, Record<string, Record<string, unknown>>>;

describe('app tokens shared with @azure/msal-node 7 for a domain-named authority', () => {
  let emulator: Emulator;
  let dir: string;
  let domainAuthority: string;
  before(async () => {
    emulator = await startEmulator();
    dir = mkdtempSync(join(tmpdir(), 'msal-ts-node-app-'));
    domainAuthority = emulator.authorityFor(DEFAULT_IDS.tenantDomain);
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function msalNode(cacheFile: string): Promise<PeerLine> {
    const lines = await runPeer(process.execPath, [SCRIPT], {
      env: {
        NODE_EXTRA_CA_CERTS: emulator.caPath,
        EMU_AUTHORITY: domainAuthority,
        EMU_CLIENT_ID: DEFAULT_IDS.daemonClientId,
        EMU_CLIENT_SECRET: DEFAULT_IDS.daemonSecret,
        EMU_SCOPE: SCOPE,
        EMU_CACHE_FILE: cacheFile,
      },
    });
    const out = lines.at(-1) ?? {};
    assert.equal(out['ok'], true, JSON.stringify(out));
    return out;
  }

  function app(cache: SerializableTokenCache, authority: string): ConfidentialClientApplication {
    return new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      tokenCache: cache,
    });
  }

  function accessTokenRealms(file: string): unknown[] {
    const json = JSON.parse(readFileSync(file, 'utf8')) as CacheJson;
    return Object.values(json['AccessToken'] ?? {}).map((at) => at['realm']);
  }

  it('msal-ts serves the app token msal-node filed under the tenant domain, with no token request', async () => {
    const file = join(dir, 'msal-node-domain.json');
    const out = await msalNode(file);
    assert.deepEqual(accessTokenRealms(file), [DEFAULT_IDS.tenantDomain], 'msal-node files it under the domain');

    const cache = new SerializableTokenCache();
    cache.deserialize(readFileSync(file, 'utf8'));
    emulator.resetCounters();
    const result = await app(cache, domainAuthority).acquireTokenForClient([SCOPE]);
    assert.equal(result.token_source, 'cache');
    assert.equal(result.access_token, out['accessToken']);
    assert.equal(emulator.counters()['token'] ?? 0, 0, 'no token request');
    assert.equal(cache.hasStateChanged, false, 'a hit writes nothing');
  });

  it('the same token does not serve an authority of another tenant, nor the tenant id itself', async () => {
    const file = join(dir, 'msal-node-domain-other.json');
    await msalNode(file);
    const cache = new SerializableTokenCache();
    cache.deserialize(readFileSync(file, 'utf8'));
    emulator.resetCounters();
    // By its id the tenant's name is unknown without asking: the domain entry stays unread, as MSAL Python leaves it.
    const byId = await app(cache, emulator.authority).acquireTokenForClient([SCOPE]);
    assert.equal(byId.token_source, 'identity_provider');
    assert.equal(emulator.counters()['token:client_credentials'], 1);
    // What msal-ts wrote went under the tenant id, beside msal-node's entry.
    const written = JSON.parse(cache.serialize()) as CacheJson;
    assert.deepEqual(
      Object.values(written['AccessToken'] ?? {})
        .map((at) => at['realm'])
        .sort(),
      [DEFAULT_IDS.tenantDomain, DEFAULT_IDS.tenantId].sort(),
    );
  });

  it('msal-node asks again for the app token msal-ts filed under the tenant id (peer quirk)', async () => {
    const cache = new SerializableTokenCache();
    const ours = await app(cache, domainAuthority).acquireTokenForClient([SCOPE]);
    // msal-node also skips MSAL Python's `"home_account_id": null` and looks under `host:port` (docs/cache.md): set
    // both its way, so that only the realm differs.
    const hostWithPort = new URL(emulator.url).host;
    const refile = (realm: string): string => {
      const json = JSON.parse(cache.serialize()) as CacheJson;
      const moved: Record<string, Record<string, unknown>> = {};
      for (const at of Object.values(json['AccessToken'] ?? {})) {
        const key = ['', hostWithPort, 'accesstoken', at['client_id'], realm, at['target']].join('-');
        moved[key] = { ...at, home_account_id: '', environment: hostWithPort, realm };
      }
      const file = join(dir, `msal-ts-${realm}.json`);
      writeFileSync(file, JSON.stringify({ ...json, AccessToken: moved }));
      return file;
    };
    emulator.resetCounters();
    const out = await msalNode(refile(DEFAULT_IDS.tenantId));
    assert.equal(out['firstFromCache'], false, 'msal-node looks only under the domain');
    assert.notEqual(out['accessToken'], ours.access_token);
    assert.equal(emulator.counters()['token:client_credentials'], 1);

    // Control: the same entry filed under the domain is a hit for msal-node.
    const hit = await msalNode(refile(DEFAULT_IDS.tenantDomain));
    assert.equal(hit['firstFromCache'], true);
    assert.equal(hit['accessToken'], ours.access_token);
  });
});
