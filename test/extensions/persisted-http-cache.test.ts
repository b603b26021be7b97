// PersistedHttpCache: discovery documents fetched by one application instance serve another (a second process run)
// through the shared file, so the emulator sees one openid-configuration request in all.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { CacheFormatError, FilePersistence, PersistedHttpCache } from '../../src/extensions/index.js';
import { CacheTooLargeError } from '../../src/errors.js';
import { tempDir } from './helpers.js';

describe('PersistedHttpCache', () => {
  const { dir, cleanup } = tempDir('http-cache');
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator.close();
    cleanup();
  });

  async function appRun(file: string): Promise<string> {
    const httpCache = await PersistedHttpCache.open(new FilePersistence(file));
    const app = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      httpCache,
    });
    const result = await app.acquireTokenForClient(['https://graph.microsoft.com/.default']);
    await httpCache.flush();
    return result.access_token;
  }

  it('a second application instance needs no discovery request', async () => {
    const file = join(dir, 'http_cache.json');
    emulator.resetCounters();
    const first = await appRun(file);
    assert.equal(emulator.counters()['openid-configuration'], 1);
    const second = await appRun(file);
    assert.notEqual(second, first, 'the second run had its own (empty) token cache: it asked for a token');
    assert.equal(emulator.counters()['token'], 2);
    assert.equal(emulator.counters()['openid-configuration'], 1, 'discovery came from the persisted http cache');
    assert.match(readFileSync(file, 'utf8'), /openid-configuration/);
  });

  it('merges what two instances saved, and stays under maxBytes by dropping the oldest', async () => {
    const file = join(dir, 'merge.json');
    const a = await PersistedHttpCache.open(new FilePersistence(file));
    const b = await PersistedHttpCache.open(new FilePersistence(file));
    a.set('from-a', { n: 1 });
    await a.flush();
    b.set('from-b', { n: 2 });
    await b.flush();
    const c = await PersistedHttpCache.open(new FilePersistence(file), { maxBytes: 2048 });
    assert.deepEqual(c.get('from-a'), { n: 1 });
    assert.deepEqual(c.get('from-b'), { n: 2 });
    for (let i = 0; i < 50; i++) c.set(`big-${i}`, 'x'.repeat(100));
    await c.flush();
    assert.ok(readFileSync(file).length <= 2048);
    const d = await PersistedHttpCache.open(new FilePersistence(file));
    assert.equal(d.get('from-a'), undefined, 'the oldest went first');
    assert.equal(d.get('big-49'), 'x'.repeat(100));
  });

  it('refuses a file of another format (a token cache, say) and never overwrites it', async () => {
    const file = join(dir, 'token_cache.json');
    writeFileSync(file, '{"AccessToken": {}}');
    await assert.rejects(PersistedHttpCache.open(new FilePersistence(file)), CacheFormatError);
    writeFileSync(file, 'not json');
    await assert.rejects(PersistedHttpCache.open(new FilePersistence(file)), CacheFormatError);
    assert.equal(readFileSync(file, 'utf8'), 'not json');
  });

  it('refuses, unread, a file larger than maxBytes (a save never writes one), and never overwrites it', async () => {
    const file = join(dir, 'huge-http-cache.json');
    const huge = JSON.stringify({ format: 'msal-ts-http-cache/1', entries: { k: 'x'.repeat(2 * 1024 * 1024) } });
    writeFileSync(file, huge);
    await assert.rejects(PersistedHttpCache.open(new FilePersistence(file)), (err: unknown) => {
      assert.ok(err instanceof CacheTooLargeError, String(err));
      assert.equal(err.limit, 1024 * 1024);
      return true;
    });
    await assert.rejects(PersistedHttpCache.open(new FilePersistence(file), { maxBytes: 4096 }), CacheTooLargeError);
    assert.equal(readFileSync(file, 'utf8'), huge);
  });
});
