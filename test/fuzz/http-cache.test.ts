// The http cache's stored documents: entries of any shape in a user's store (cachedGet, readExpiring, writeExpiring
// over a Map), and any text in a persisted http-cache file (PersistedHttpCache over a real FilePersistence). A
// malformed entry is a miss, never an exception; a file that is not an http cache is refused with CacheFormatError
// and never overwritten, neither at open nor when another process put it there before a save.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { CacheFormatError } from '../../src/errors.js';
import { FilePersistence } from '../../src/extensions/file-persistence.js';
import { PersistedHttpCache } from '../../src/extensions/persisted-http-cache.js';
import { HTTP_CACHE_INDEX_KEY, cachedGet, readExpiring, writeExpiring, type HttpCacheStore } from '../../src/http/http-cache.js';
import type { HttpClient, HttpResponse } from '../../src/http/http-client.js';
import { fuzz, only, runs } from './budget.js';

const NOW = 1_700_000_000_000;
const URL_A = 'https://login.example.test/tenant/v2.0/.well-known/openid-configuration';
const KEY_A = `GET ${URL_A}`;
const FRESH: HttpResponse = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"fresh":true}' };

const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));
/** What a store may hold under a response key: well-formed entries, nearly well-formed ones, and anything. */
const storedEntry = fc.oneof(
  anyValue,
  fc.record(
    {
      expiresAt: fc.oneof(fc.constantFrom(NOW - 1, NOW, NOW + 1, NOW + 86_400_000, Number.NaN, Infinity, -Infinity), fc.double(), anyValue),
      value: fc.oneof(
        fc.record(
          {
            status: fc.oneof(fc.constantFrom(200, 204), anyValue),
            headers: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), anyValue), { maxKeys: 3 }), anyValue),
            body: fc.oneof(fc.string(), anyValue),
          },
          { requiredKeys: [] },
        ),
        anyValue,
      ),
    },
    { requiredKeys: [] },
  ),
);
const index = fc.oneof(
  anyValue,
  fc.array(
    fc.oneof(
      fc.tuple(fc.oneof(fc.constant(KEY_A), fc.string({ maxLength: 8 })), fc.oneof(fc.double(), fc.integer({ min: NOW - 10, max: NOW + 10 }))),
      anyValue,
    ),
    { maxLength: 6 },
  ),
);

function counting(): HttpClient & { calls: number } {
  const http = {
    calls: 0,
    send(): Promise<HttpResponse> {
      http.calls++;
      return Promise.resolve(FRESH);
    },
  };
  return http;
}

function isResponse(r: unknown): r is HttpResponse {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  const headers = o['headers'];
  return (
    typeof o['status'] === 'number' &&
    typeof o['body'] === 'string' &&
    typeof headers === 'object' &&
    headers !== null &&
    Object.values(headers).every((v) => typeof v === 'string')
  );
}

const dir = mkdtempSync(join(tmpdir(), 'msal-ts-fuzz-http-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Files that are not an msal-ts http cache, and files that are, with entries of any shape. */
const FORMAT = 'msal-ts-http-cache/1';
const fileText = fc.oneof(
  fc.string(),
  fc.json({ maxDepth: 3 }),
  fc
    .record(
      {
        format: fc.oneof(fc.constant(FORMAT), anyValue),
        entries: fc.oneof(
          fc.dictionary(fc.oneof(fc.constantFrom(KEY_A, HTTP_CACHE_INDEX_KEY, '__proto__'), fc.string({ maxLength: 8 })), storedEntry, { maxKeys: 4 }),
          anyValue,
        ),
      },
      { requiredKeys: [] },
    )
    .map((d) => JSON.stringify(d)),
  fc.dictionary(fc.constantFrom(KEY_A, HTTP_CACHE_INDEX_KEY, 'x'), storedEntry, { maxKeys: 3 }).map((entries) => JSON.stringify({ format: FORMAT, entries })),
);
const notHttpCache = fc.oneof(fc.string(), fc.json({ maxDepth: 2 })).filter((t) => {
  try {
    const d: unknown = JSON.parse(t);
    return typeof d !== 'object' || d === null || (d as Record<string, unknown>)['format'] !== FORMAT;
  } catch {
    return true;
  }
});

describe(`fuzzing stored http-cache documents (${runs({ ci: 150, fuzz: 20_000, long: 80_000 })} stores)`, () => {
  it('cachedGet serves a well-formed fresh entry or asks the network, whatever the store holds; writes stay readable', async () => {
    await fuzz(
      'http-cache-store',
      fc.asyncProperty(
        storedEntry,
        index,
        fc.dictionary(fc.string({ maxLength: 6 }), storedEntry, { maxKeys: 3 }),
        fc.integer({ min: 1, max: 4 }),
        async (entry, idx, others, maxEntries) => {
          const store: HttpCacheStore = new Map<string, unknown>([...Object.entries(others), [KEY_A, entry], [HTTP_CACHE_INDEX_KEY, idx]]);
          const http = counting();
          const res = await cachedGet(http, store, URL_A, {}, { now: () => NOW, maxEntries });
          assert.ok(isResponse(res));
          if (http.calls === 0) {
            const e = entry as { expiresAt: number; value: unknown };
            assert.ok(Number.isFinite(e.expiresAt) && e.expiresAt > NOW, 'only an unexpired entry is served');
            // As JSON: generated values may have a null prototype.
            assert.deepEqual(JSON.parse(JSON.stringify(res)), JSON.parse(JSON.stringify(e.value)));
          } else {
            assert.deepEqual(res, FRESH);
            assert.deepEqual(await cachedGet(counting(), store, URL_A, {}, { now: () => NOW, maxEntries }), FRESH, 'the fresh response was stored');
          }
          // The expiring store tolerates the same junk: the index may be anything.
          writeExpiring(store, 'x', { n: 1 }, NOW + 1000, { now: () => NOW, maxEntries });
          assert.deepEqual(readExpiring(store, 'x', { now: () => NOW }), { n: 1 });
          const kept = store.get(HTTP_CACHE_INDEX_KEY);
          assert.ok(Array.isArray(kept) && kept.length <= maxEntries);
        },
      ),
      { ci: 150, fuzz: 20_000, long: 80_000 },
    );
  });

  it('a persisted http cache opens any file or refuses it untouched; saves over a file another process spoiled are refused', async () => {
    let n = 0;
    await fuzz(
      'http-cache-file',
      fc.asyncProperty(fileText, notHttpCache, async (text, spoiled) => {
        const file = join(dir, `http_cache-${n++}.json`);
        writeFileSync(file, text);
        let cache: PersistedHttpCache | undefined;
        const refused = await only([CacheFormatError], async () => {
          cache = await PersistedHttpCache.open(new FilePersistence(file), { lock: { timeoutMs: 5000 }, onError: () => undefined });
        });
        if (cache === undefined) {
          assert.ok(refused instanceof CacheFormatError);
          assert.equal(readFileSync(file, 'utf8'), text, 'a refused file is never overwritten');
          rmSync(file, { force: true });
          return;
        }
        const res = await cachedGet(counting(), cache, URL_A, {}, { now: () => NOW });
        assert.ok(isResponse(res));
        await cache.flush();
        const saved = JSON.parse(readFileSync(file, 'utf8')) as { format: unknown; entries: Record<string, unknown> };
        assert.equal(saved.format, FORMAT);
        assert.ok(Object.hasOwn(saved.entries, KEY_A));

        // Another process replaces the file with something else: the next save must refuse, not overwrite it.
        writeFileSync(`${file}.other`, spoiled);
        renameSync(`${file}.other`, file);
        cache.set('later', { n: 1 });
        await assert.rejects(cache.flush(), CacheFormatError);
        assert.equal(readFileSync(file, 'utf8'), spoiled);
        rmSync(file, { force: true });
      }),
      { ci: 30, fuzz: 1000, long: 8000 },
    );
  });
});

describe('http cache fuzz regressions', () => {
  it('an entry whose expiresAt is NaN or Infinity is a miss, not served forever', () => {
    for (const expiresAt of [Number.NaN, Infinity]) {
      const store = new Map<string, unknown>([['k', { expiresAt, value: 1 }]]);
      assert.equal(readExpiring(store, 'k', { now: () => NOW }), undefined, String(expiresAt));
    }
  });
});
