// The token cache file is shared with MSAL Python, in both lanes (Debian's 1.21 and 1.31, test/interop/python-lanes.ts):
// a cache msal-ts serialized serves MSAL Python's silent lookup, and a cache MSAL Python serialized serves msal-ts's
// acquireTokenForClient, with no token request either way (the emulator's counters). Where the versions differ (1.23+
// reads the cache in acquire_token_for_client), each lane checks its own behaviour. Each lane has its own emulator and
// folder, so the two run in parallel.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ConfidentialClientApplication, SerializableTokenCache } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { PYTHON, PYTHON_LANES, type PythonLane } from './python-lanes.js';

const SCRIPT = join(import.meta.dirname, 'fixtures', 'msal-python-cache.py');
const SCOPE = 'https://graph.microsoft.com/.default';
const run = promisify(execFile);

interface PythonOutput {
  result: Record<string, unknown> | null;
  msal: string;
}

describe('token cache interop with MSAL Python', { concurrency: true }, () => {
  // The lanes in parallel; inside one, the tests in turn (they read the lane's emulator counters).
  for (const lane of PYTHON_LANES) describe(lane.label, { skip: lane.skip, concurrency: 1 }, () => suite(lane));
});

function suite(lane: PythonLane): void {
  let emulator: Emulator;
  let dir: string;

  before(async () => {
    emulator = await startEmulator();
    dir = mkdtempSync(join(tmpdir(), 'msal-ts-py-cache-'));
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Asynchronous on purpose: the emulator runs in this process and must keep answering while Python waits.
  async function python(mode: 'read' | 'for-client' | 'write', cacheFile: string): Promise<PythonOutput> {
    const args = [SCRIPT, mode, emulator.authority, DEFAULT_IDS.daemonClientId, DEFAULT_IDS.daemonSecret, SCOPE, cacheFile];
    const env = { ...process.env, ...lane.env, REQUESTS_CA_BUNDLE: emulator.caPath };
    const { stdout } = await run(PYTHON, args, { env, timeout: 60_000 });
    const out = JSON.parse(stdout) as PythonOutput;
    assert.equal(out.msal, lane.msal);
    return out;
  }

  function app(cache: SerializableTokenCache): ConfidentialClientApplication {
    return new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      tokenCache: cache,
    });
  }

  const silent = lane.modern
    ? 'acquire_token_silent(account=None) answers None without a request (a no-op in 1.31)'
    : 'a cache serialized by msal-ts serves acquire_token_silent(account=None) from the cache (1.21 reads app tokens there)';
  it(silent, async () => {
    const cache = new SerializableTokenCache();
    const ours = await app(cache).acquireTokenForClient([SCOPE]);
    const file = join(dir, 'from-msal-ts.json');
    writeFileSync(file, cache.serialize());
    emulator.resetCounters();
    const out = await python('read', file);
    if (lane.modern) assert.equal(out.result, null);
    else assert.equal(out.result?.['access_token'], ours.access_token, `MSAL Python ${out.msal} found no token in the msal-ts cache`);
    assert.equal(emulator.counters()['token'] ?? 0, 0, 'MSAL Python made no token request');
  });

  const forClient = lane.modern
    ? 'acquire_token_for_client serves the token msal-ts cached (1.23+ reads the cache first)'
    : "acquire_token_for_client asks the identity provider even with msal-ts's token cached (1.21 never reads the cache there)";
  it(forClient, async () => {
    const cache = new SerializableTokenCache();
    const ours = await app(cache).acquireTokenForClient([SCOPE]);
    const file = join(dir, 'from-msal-ts-for-client.json');
    writeFileSync(file, cache.serialize());
    emulator.resetCounters();
    const out = await python('for-client', file);
    assert.equal(typeof out.result?.['access_token'], 'string', JSON.stringify(out.result));
    if (lane.modern) {
      assert.equal(out.result?.['access_token'], ours.access_token);
      assert.equal(out.result?.['token_source'], 'cache');
      assert.equal(emulator.counters()['token'] ?? 0, 0);
    } else {
      assert.notEqual(out.result?.['access_token'], ours.access_token);
      assert.equal(emulator.counters()['token:client_credentials'], 1);
    }
  });

  it('a cache serialized by MSAL Python serves msal-ts from the cache', async () => {
    const file = join(dir, 'from-python.json');
    const out = await python('write', file);
    assert.ok(out.result && typeof out.result['access_token'] === 'string', JSON.stringify(out.result));
    const cache = new SerializableTokenCache();
    cache.deserialize(readFileSync(file, 'utf8'));
    emulator.resetCounters();
    const ours = await app(cache).acquireTokenForClient([SCOPE]);
    assert.equal(ours.token_source, 'cache');
    assert.equal(ours.access_token, out.result['access_token']);
    assert.deepEqual(
      Object.entries(emulator.counters()).filter(([, n]) => n > 0),
      [],
      'msal-ts made no HTTP request at all',
    );
  });

  it('what msal-ts writes back keeps every entry and field MSAL Python wrote', async () => {
    const file = join(dir, 'round-trip.json');
    await python('write', file);
    const original = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    const cache = new SerializableTokenCache();
    cache.deserialize(readFileSync(file, 'utf8'));
    const rewritten = JSON.parse(cache.serialize()) as typeof original;
    for (const [section, entries] of Object.entries(original)) {
      for (const [key, entry] of Object.entries(entries)) {
        assert.deepEqual(rewritten[section]?.[key], entry, `${section} ${key}`);
      }
    }
  });
}
