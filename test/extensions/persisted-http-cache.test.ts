// PersistedHttpCache: discovery documents fetched by one application instance serve another (a second process run)
// through the shared file, so the emulator sees one openid-configuration request in all.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication, SerializableTokenCache, type HttpCacheStore } from '../../src/index.js';
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

  describe('onDemand', () => {
    /** A FilePersistence that counts its loads. */
    class CountingPersistence extends FilePersistence {
      loads = 0;
      override load(options?: { maxBytes?: number | undefined }): Promise<string> {
        this.loads++;
        return super.load(options);
      }
    }

    const daemon = (httpCache: HttpCacheStore, tokenCache = new SerializableTokenCache()): ConfidentialClientApplication =>
      new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
        authority: emulator.authority,
        clientCredential: DEFAULT_IDS.daemonSecret,
        verify: emulator.caPath,
        instanceDiscovery: false,
        tokenCache,
        httpCache,
      });

    it('reads the file before the first request (discovery comes from it), and never for a token served from the cache', async () => {
      const file = join(dir, 'on-demand.json');
      await appRun(file); // fills the file with discovery
      const tokenCache = new SerializableTokenCache();
      const first = new CountingPersistence(file);
      emulator.resetCounters();
      await daemon(PersistedHttpCache.onDemand(first), tokenCache).acquireTokenForClient(['https://graph.microsoft.com/.default']);
      assert.equal(first.loads, 1);
      assert.equal(emulator.counters()['openid-configuration'] ?? 0, 0, 'discovery came from the file');
      assert.equal(emulator.counters()['token'], 1);

      const second = new CountingPersistence(file);
      const hit = await daemon(PersistedHttpCache.onDemand(second), tokenCache).acquireTokenForClient(['https://graph.microsoft.com/.default']);
      assert.equal(hit.token_source, 'cache');
      assert.equal(second.loads, 0, 'a cache hit never reads the http cache');
    });

    it('a damaged file fails the first request, not the construction, and is never overwritten', async () => {
      const file = join(dir, 'on-demand-damaged.json');
      writeFileSync(file, 'not json');
      const httpCache = PersistedHttpCache.onDemand(new FilePersistence(file));
      await assert.rejects(daemon(httpCache).acquireTokenForClient(['https://graph.microsoft.com/.default']), CacheFormatError);
      await assert.rejects(httpCache.ready(), CacheFormatError, 'asked again, read again');
      assert.equal(readFileSync(file, 'utf8'), 'not json');
    });

    it("entries set before ready() stay over the file's, and the save merges both", async () => {
      const file = join(dir, 'on-demand-merge.json');
      writeFileSync(file, JSON.stringify({ format: 'msal-ts-http-cache/1', entries: { a: 1, b: 2, c: 3 } }));
      const httpCache = PersistedHttpCache.onDemand(new FilePersistence(file));
      assert.equal(httpCache.get('a'), undefined, 'not read yet');
      httpCache.set('b', 20);
      httpCache.delete('c');
      await httpCache.ready();
      assert.deepEqual([httpCache.get('a'), httpCache.get('b'), httpCache.get('c')], [1, 20, undefined]);
      await httpCache.flush();
      assert.deepEqual((JSON.parse(readFileSync(file, 'utf8')) as { entries: object }).entries, { a: 1, b: 20 });
    });

    it('checks its arguments at once, as open() does; a cache made by open() is ready from the start', async () => {
      assert.throws(() => PersistedHttpCache.onDemand({} as never), TypeError);
      assert.throws(() => PersistedHttpCache.onDemand(new FilePersistence(join(dir, 'x.json')), { maxBytes: 10 }), RangeError);
      assert.throws(() => PersistedHttpCache.onDemand(new FilePersistence(join(dir, 'x.json')), { maxbytes: 4096 } as never), TypeError);
      const persistence = new CountingPersistence(join(dir, 'opened.json'));
      const opened = await PersistedHttpCache.open(persistence);
      await opened.ready();
      assert.equal(persistence.loads, 1, 'read once, by open()');
    });
  });
});
