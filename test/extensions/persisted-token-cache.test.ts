// PersistedTokenCache over real files: cheap unchanged reads, one locked save per write, other processes' writes seen,
// bad files reported typed and never overwritten, and the change check that holds when stamps cannot tell.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { CacheAccessContext } from '../../src/cache/cache-access.js';
import {
  CacheFormatError,
  FilePersistence,
  PersistedTokenCache,
  PersistenceDecryptionError,
  PersistenceNotFoundError,
  type Persistence,
  type PersistenceStamp,
} from '../../src/extensions/index.js';
import { tokenEvent } from './fixtures/events.js';
import { assertMode, ON_WINDOWS, runFixture, tempDir, WINDOWS_SKIP } from './helpers.js';

const CTX: CacheAccessContext = { clientId: '00001111-aaaa-2222-bbbb-3333cccc4444', partition: { kind: 'any' } };
const TENANT = 'aaaabbbb-0000-cccc-1111-dddd2222eeee';

function find(cache: PersistedTokenCache, scope: string): string | undefined {
  return cache.findAccessToken({
    clientId: CTX.clientId,
    environments: ['login.microsoftonline.com'],
    realm: TENANT,
    homeAccountId: undefined,
    scopes: [scope],
  })?.entry.secret;
}

/** Counts the loads and saves of a real persistence. */
class Counting implements Persistence {
  loads = 0;
  saves = 0;
  constructor(readonly inner: Persistence) {}
  get location(): string {
    return this.inner.location;
  }
  get isEncrypted(): boolean {
    return this.inner.isEncrypted;
  }
  async save(content: string): Promise<void> {
    this.saves++;
    await this.inner.save(content);
  }
  async load(): Promise<string> {
    this.loads++;
    return this.inner.load();
  }
  timeLastModified(): number {
    return this.inner.timeLastModified();
  }
  stamp(): PersistenceStamp | undefined {
    return this.inner.stamp();
  }
}

/** A custom store whose stamp the test controls: content can change while the stamp stays identical. */
class StubbornStamp implements Persistence {
  readonly location: string;
  readonly isEncrypted = true;
  text: string | undefined;
  mtimeMs = Date.now();
  failLoad = false;
  constructor(location: string) {
    this.location = location;
  }
  save(content: string): Promise<void> {
    this.text = content;
    return Promise.resolve();
  }
  load(): Promise<string> {
    if (this.failLoad) return Promise.reject(new PersistenceDecryptionError('cannot decrypt (test)'));
    if (this.text === undefined) return Promise.reject(new PersistenceNotFoundError(this.location, 'nothing'));
    return Promise.resolve(this.text);
  }
  timeLastModified(): number {
    return this.mtimeMs;
  }
  stamp(): PersistenceStamp | undefined {
    if (this.text === undefined) return undefined;
    const ns = BigInt(Math.round(this.mtimeMs)) * 1_000_000n;
    return { dev: 1n, ino: 1n, size: 100n, mtimeNs: ns, ctimeNs: ns };
  }
}

describe('PersistedTokenCache', () => {
  const { dir, cleanup } = tempDir('ptc');
  after(cleanup);

  it('a write is saved once, under the lock, and read by another instance; unchanged reads cost no load', async () => {
    const file = join(dir, 'shared.json');
    const a = new Counting(new FilePersistence(file));
    const b = new Counting(new FilePersistence(file));
    const cacheA = new PersistedTokenCache(a);
    const cacheB = new PersistedTokenCache(b);
    assert.equal(cacheA.isEncrypted, false);
    assert.equal(cacheA.lock.lockfilePath, `${file}.lockfile`);

    assert.equal(cacheB.beforeRead(CTX), undefined, 'nothing persisted yet: no load');
    await cacheA.write(CTX, () => cacheA.add(tokenEvent('https://one/.default', 'secret-one')));
    assert.equal(a.saves, 1);
    assertMode(file, 0o600);

    const pending = cacheB.beforeRead(CTX);
    assert.ok(pending instanceof Promise, 'a changed file is reloaded');
    await pending;
    assert.equal(find(cacheB, 'https://one/.default'), 'secret-one');
    const loads = b.loads;
    for (let i = 0; i < 100; i++) assert.equal(cacheB.beforeRead(CTX), undefined, 'unchanged: synchronous, no promise');
    assert.equal(b.loads, loads, 'unchanged: no load, no parse');

    await cacheB.write(CTX, () => cacheB.add(tokenEvent('https://two/.default', 'secret-two')));
    await cacheA.beforeRead(CTX);
    assert.equal(find(cacheA, 'https://one/.default'), 'secret-one');
    assert.equal(find(cacheA, 'https://two/.default'), 'secret-two');
  });

  it('concurrent writes in one process share lock cycles and all land', async () => {
    const file = join(dir, 'burst.json');
    const p = new Counting(new FilePersistence(file));
    const cache = new PersistedTokenCache(p);
    await Promise.all(Array.from({ length: 20 }, (_, i) => cache.write(CTX, () => cache.add(tokenEvent(`https://b${i}/.default`, `s${i}`)))));
    assert.ok(p.saves >= 1 && p.saves < 20, `${p.saves} saves for 20 writes`);
    const fresh = new PersistedTokenCache(new FilePersistence(file));
    await fresh.beforeRead(CTX);
    for (let i = 0; i < 20; i++) assert.equal(find(fresh, `https://b${i}/.default`), `s${i}`);
  });

  it('a failing mutation rejects only its own write', async () => {
    const cache = new PersistedTokenCache(new FilePersistence(join(dir, 'mutate.json')));
    const bad = cache.write(CTX, () => {
      throw new RangeError('boom');
    });
    const good = cache.write(CTX, () => cache.add(tokenEvent('https://ok/.default', 'ok')));
    await assert.rejects(bad, RangeError);
    await good;
    assert.equal(find(cache, 'https://ok/.default'), 'ok');
  });

  it('sees a change that keeps size and stamp (an in-place rewrite in the same clock tick)', async () => {
    const store = new StubbornStamp(join(dir, 'stubborn'));
    const writer = new PersistedTokenCache(new FilePersistence(join(dir, 'scratch.json')));
    await writer.write(CTX, () => writer.add(tokenEvent('https://x/.default', 'first')));
    store.text = writer.serialize();
    const cache = new PersistedTokenCache(store);
    await cache.beforeRead(CTX);
    assert.equal(find(cache, 'https://x/.default'), 'first');
    await writer.write(CTX, () => writer.add(tokenEvent('https://x/.default', 'second')));
    store.text = writer.serialize();
    // Same stamp, but modified just now: the stamp cannot be trusted, the content hash decides.
    await cache.beforeRead(CTX);
    assert.equal(find(cache, 'https://x/.default'), 'second');
    // Once the stamp is old enough to be trusted, an unchanged read is one stat.
    store.mtimeMs = Date.now() - 10_000;
    await cache.beforeRead(CTX);
    assert.equal(cache.beforeRead(CTX), undefined);
  });

  it('propagates a decryption error typed', async () => {
    const store = new StubbornStamp(join(dir, 'undecryptable'));
    store.text = '{}';
    store.failLoad = true;
    const cache = new PersistedTokenCache(store);
    await assert.rejects(Promise.resolve(cache.beforeRead(CTX)), PersistenceDecryptionError);
  });

  for (const [name, content] of [
    ['corrupt', '{"AccessToken": {"k": '],
    ['a JSON array', '[1, 2, 3]'],
    ['binary garbage', '\u0000\u0001\u0002PK\u0003\u0004'],
    ['a section of the wrong type', '{"AccessToken": "nope"}'],
  ] as const) {
    it(`a cache file holding ${name} gives CacheFormatError on read and write, and is never overwritten`, async () => {
      const file = join(dir, `bad-${name.replace(/\W/g, '-')}.json`);
      writeFileSync(file, content, { mode: 0o600 });
      const cache = new PersistedTokenCache(new FilePersistence(file));
      await assert.rejects(Promise.resolve(cache.beforeRead(CTX)), CacheFormatError);
      const err = await cache.write(CTX, () => cache.add(tokenEvent('https://y/.default', 'y'))).catch((e: unknown) => e);
      assert.ok(err instanceof CacheFormatError, String(err));
      assert.match(err.message, /left as is: move or delete it/);
      assert.equal(readFileSync(file, 'utf8'), content);
    });
  }

  it('a truncated cache file is reported, and the tokens in a valid file are never lost by a failed write', async () => {
    const file = join(dir, 'truncated.json');
    const cache = new PersistedTokenCache(new FilePersistence(file));
    await cache.write(CTX, () => cache.add(tokenEvent('https://t/.default', 'kept')));
    const whole = readFileSync(file, 'utf8');
    writeFileSync(file, whole.slice(0, Math.floor(whole.length / 2)));
    const other = new PersistedTokenCache(new FilePersistence(file));
    await assert.rejects(
      other.write(CTX, () => other.add(tokenEvent('https://u/.default', 'u'))),
      CacheFormatError,
    );
    writeFileSync(file, whole);
    await other.beforeRead(CTX);
    assert.equal(find(other, 'https://t/.default'), 'kept');
  });

  it('keeps the other sections of a JSON object it did not write (documented recovery: nothing dropped)', async () => {
    const file = join(dir, 'foreign.json');
    writeFileSync(file, JSON.stringify({ settings: { theme: 'dark' } }));
    const cache = new PersistedTokenCache(new FilePersistence(file));
    await cache.write(CTX, () => cache.add(tokenEvent('https://f/.default', 'f')));
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(doc['settings'], { theme: 'dark' });
    assert.ok(typeof doc['AccessToken'] === 'object');
  });

  it('creates a missing directory on the first write', async () => {
    const file = join(dir, 'not', 'yet', 'there.json');
    const cache = new PersistedTokenCache(new FilePersistence(file));
    assert.equal(cache.beforeRead(CTX), undefined);
    await cache.write(CTX, () => cache.add(tokenEvent('https://d/.default', 'd')));
    assertMode(join(dir, 'not'), 0o700);
  });

  it(
    'in a read-only directory, a write fails with PersistenceAccessError and the cache file keeps its tokens',
    { skip: ON_WINDOWS && WINDOWS_SKIP.readOnlyDir },
    async () => {
      const ro = join(dir, 'ro');
      mkdirSync(ro);
      const file = join(ro, 'cache.json');
      const cache = new PersistedTokenCache(new FilePersistence(file));
      await cache.write(CTX, () => cache.add(tokenEvent('https://r/.default', 'r')));
      const before = readFileSync(file, 'utf8');
      chmodSync(dir, 0o755);
      chmodSync(ro, 0o555);
      const asNobody = process.getuid?.() === 0;
      if (asNobody) chownSync(file, 65534, 65534);
      const out = await runFixture('cache-as.ts', [file], asNobody ? { uid: 65534 } : {});
      assert.match(out, /^read r$/m, 'reads need no lock: the token is served');
      assert.match(out, /^PersistenceAccessError EACCES cannot create the lock file .*permission denied/m);
      assert.equal(readFileSync(file, 'utf8'), before);
    },
  );

  it('refuses a cache file over maxCacheBytes with CacheTooLargeError before reading it, and never overwrites it', async () => {
    const file = join(dir, 'big.json');
    // Valid JSON that a larger limit loads: only the size is wrong.
    const content = JSON.stringify({ Padding: 'x'.repeat(300_000) });
    writeFileSync(file, content, { mode: 0o600 });
    const persistence = new Counting(new FilePersistence(file));
    const cache = new PersistedTokenCache(persistence, { maxCacheBytes: 256 * 1024 });
    const tooLarge = { code: 'cache_too_large', location: file, limit: 256 * 1024, size: content.length };
    await assert.rejects(Promise.resolve(cache.beforeRead(CTX)), tooLarge);
    await assert.rejects(
      cache.write(CTX, () => cache.add(tokenEvent('https://big/.default', 'b'))),
      tooLarge,
    );
    assert.equal(persistence.loads, 0, 'refused from its stat, never read');
    assert.equal(readFileSync(file, 'utf8'), content);
    const roomy = new PersistedTokenCache(new FilePersistence(file), { maxCacheBytes: 512 * 1024 });
    await roomy.beforeRead(CTX);
  });

  it('the default maxCacheBytes is 32 MiB: a 33 MiB file is refused unread', async () => {
    const file = join(dir, 'sparse.json');
    writeFileSync(file, '');
    truncateSync(file, 33 * 1024 * 1024);
    const persistence = new Counting(new FilePersistence(file));
    const cache = new PersistedTokenCache(persistence);
    await assert.rejects(Promise.resolve(cache.beforeRead(CTX)), { code: 'cache_too_large', limit: 32 * 1024 * 1024 });
    assert.equal(persistence.loads, 0);
  });

  it('a persistence whose stamp cannot tell the size (a keyring signal file): the loaded text is checked before parsing', async () => {
    const file = join(dir, 'keyring-like.json');
    const content = JSON.stringify({ Padding: 'y'.repeat(100_000) });
    writeFileSync(file, content, { mode: 0o600 });
    const inner = new FilePersistence(file);
    const signalLike: Persistence = {
      location: file,
      isEncrypted: true,
      save: (text) => inner.save(text),
      load: () => inner.load(),
      timeLastModified: () => inner.timeLastModified(),
      stamp: () => {
        const st = inner.stamp();
        return st === undefined ? undefined : { ...st, size: 0n };
      },
    };
    const cache = new PersistedTokenCache(signalLike, { maxCacheBytes: 64 * 1024 });
    await assert.rejects(Promise.resolve(cache.beforeRead(CTX)), { code: 'cache_too_large', limit: 64 * 1024, size: content.length });
  });

  it('refuses a maxCacheBytes that is not a positive integer, before any I/O', () => {
    const p = new FilePersistence(join(dir, 'never.json'));
    for (const bad of [0, -1, 1.5, Number.NaN, '1' as unknown as number]) {
      assert.throws(
        () => new PersistedTokenCache(p, { maxCacheBytes: bad }),
        (e: unknown) => e instanceof RangeError && /maxCacheBytes/.test(e.message),
      );
    }
  });

  it('rejects a persistence without the Persistence members', () => {
    assert.throws(() => new PersistedTokenCache({} as Persistence), TypeError);
  });
});
