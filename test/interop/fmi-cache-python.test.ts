// FMI tokens in a cache shared with MSAL Python. No MSAL Python with fmi_path can run here (Debian's python3-msal is
// 1.21 and ../shared/peers/python is 1.31; fmi_path arrived in 1.36), so the entries MSAL Python 1.36+ writes are built
// from its published layout (tests/test_token_cache.py: the "-atext-" key ending with the hash, the entry's
// ext_cache_key field), in both hash forms it has used, and msal-ts must serve them with no request. The other
// direction runs against MSAL Python 1.31, which predates ext_cache_key: it is shown to hand msal-ts's FMI token to a
// request without fmi_path, which is why docs/differences.md warns against sharing such a cache with MSAL Python < 1.36.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication } from '../../src/app/confidential-client-application.js';
import { extCacheKey, legacyExtCacheKey } from '../../src/cache/ext-cache-key.js';
import { SerializableTokenCache } from '../../src/cache/serializable-token-cache.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { total } from '../app/helpers.js';
import { runPeer } from './peer-process.js';
import { PEERS_LANE, PYTHON } from './python-lanes.js';

const GRAPH = 'https://graph.microsoft.com/.default';

/** An app token entry as MSAL Python 1.36+ writes one for an fmi_path (key and fields). */
function pythonFmiEntry(environment: string, hash: string, secret: string, now: number): [string, Record<string, unknown>] {
  const fields = {
    credential_type: 'AccessToken',
    secret,
    home_account_id: null,
    environment,
    client_id: DEFAULT_IDS.daemonClientId,
    target: GRAPH,
    realm: DEFAULT_IDS.tenantId,
    token_type: 'Bearer',
    cached_at: String(now),
    expires_on: String(now + 3600),
    extended_expires_on: String(now + 3600),
    ext_cache_key: hash,
  };
  const key = ['', environment, 'atext', DEFAULT_IDS.daemonClientId, DEFAULT_IDS.tenantId, GRAPH, hash].join('-').toLowerCase();
  return [key, fields];
}

describe('FMI tokens in a cache shared with MSAL Python', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator.close();
  });

  function daemon(cache: SerializableTokenCache): ConfidentialClientApplication {
    return new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      tokenCache: cache,
    });
  }

  it('serves the entries MSAL Python 1.38+ (length-prefixed hash) and 1.36-1.37 (older hash) wrote, only for their path', async () => {
    const environment = new URL(emulator.authority).hostname;
    const now = Math.floor(Date.now() / 1000);
    const current = pythonFmiEntry(environment, extCacheKey({ fmi_path: 'agents/new' }) ?? '', 'written-by-1.38', now);
    const legacy = pythonFmiEntry(environment, legacyExtCacheKey({ fmi_path: 'agents/old' }) ?? '', 'written-by-1.36', now);
    const cache = new SerializableTokenCache();
    cache.deserialize(JSON.stringify({ AccessToken: Object.fromEntries([current, legacy]) }));
    const app = daemon(cache);
    emulator.resetCounters();
    const a = await app.acquireTokenForClient([GRAPH], { fmiPath: 'agents/new' });
    const b = await app.acquireTokenForClient([GRAPH], { fmiPath: 'agents/old' });
    assert.deepEqual([a.token_source, a.access_token], ['cache', 'written-by-1.38']);
    assert.deepEqual([b.token_source, b.access_token], ['cache', 'written-by-1.36']);
    assert.equal(total(emulator.counters()), 0);
    // Neither is the app's own token, nor another path's.
    assert.equal((await app.acquireTokenForClient([GRAPH])).token_source, 'identity_provider');
    assert.equal((await app.acquireTokenForClient([GRAPH], { fmiPath: 'agents/other' })).token_source, 'identity_provider');
  });

  it(
    'MSAL Python 1.31, which predates ext_cache_key, serves the FMI token to a request without fmi_path',
    // Under CI the peer must be there: a missing one fails the test instead of skipping it.
    { skip: PEERS_LANE.skip },
    async () => {
      const cache = new SerializableTokenCache();
      const fmi = await daemon(cache).acquireTokenForClient([GRAPH], { fmiPath: 'agents/one' });
      const script = `
import json, os
import msal
data = json.loads(os.environ["PEER_INPUT"])
cache = msal.SerializableTokenCache()
cache.deserialize(data["cache"])
app = msal.ConfidentialClientApplication(data["client_id"], client_credential="unused", authority=data["authority"],
    token_cache=cache, instance_discovery=False, verify=data["ca"])
result = app.acquire_token_for_client([data["scope"]])
print(json.dumps({"access_token": result.get("access_token"), "source": result.get("token_source")}))
`;
      const input = JSON.stringify({
        cache: cache.serialize(),
        client_id: DEFAULT_IDS.daemonClientId,
        authority: emulator.authority,
        ca: emulator.caPath,
        scope: GRAPH,
      });
      // Asynchronously: the peer asks the in-process emulator for discovery while it runs.
      const [out] = (await runPeer(PYTHON, ['-c', script], { env: { ...PEERS_LANE.env, PEER_INPUT: input, REQUESTS_CA_BUNDLE: emulator.caPath } })) as Array<{
        access_token: string;
        source: string;
      }>;
      assert.equal(out?.access_token, fmi.access_token, 'MSAL Python 1.31 knows no ext_cache_key: it serves the FMI token');
      assert.equal(out?.source, 'cache');
    },
  );
});
