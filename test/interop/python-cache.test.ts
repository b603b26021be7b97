// The token cache file is shared with Debian's MSAL Python (python3-msal): a cache msal-ts serialized serves
// MSAL Python's silent lookup, and a cache MSAL Python serialized serves msal-ts's acquireTokenForClient, with no token
// request either way (the emulator's counters).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ConfidentialClientApplication, SerializableTokenCache } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'fixtures', 'msal-python-cache.py');
const SCOPE = 'https://graph.microsoft.com/.default';
const run = promisify(execFile);

interface PythonOutput {
  result: Record<string, unknown> | null;
  msal: string;
}

describe('token cache interop with MSAL Python', () => {
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
  async function python(mode: 'read' | 'write', cacheFile: string): Promise<PythonOutput> {
    const args = [SCRIPT, mode, emulator.authority, DEFAULT_IDS.daemonClientId, DEFAULT_IDS.daemonSecret, SCOPE, cacheFile];
    const { stdout } = await run(PYTHON, args, { env: { ...process.env, REQUESTS_CA_BUNDLE: emulator.caPath }, timeout: 60_000 });
    return JSON.parse(stdout) as PythonOutput;
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

  it('a cache serialized by msal-ts serves MSAL Python from the cache', async () => {
    const cache = new SerializableTokenCache();
    const ours = await app(cache).acquireTokenForClient([SCOPE]);
    const file = join(dir, 'from-msal-ts.json');
    writeFileSync(file, cache.serialize());
    emulator.resetCounters();
    const out = await python('read', file);
    assert.ok(out.result, `MSAL Python ${out.msal} found no token in the msal-ts cache`);
    assert.equal(out.result['access_token'], ours.access_token);
    assert.equal(emulator.counters()['token'] ?? 0, 0, 'MSAL Python made no token request');
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
});
