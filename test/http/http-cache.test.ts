import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HTTP_CACHE_INDEX_KEY, cachedGet, readExpiring, writeExpiring } from '../../src/http/http-cache.js';
import type { HttpCacheStore } from '../../src/http/http-cache.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/http/http-client.js';

/** A transport that answers from a function and records what it was asked. */
function countingHttp(answer: (req: HttpRequest) => HttpResponse): HttpClient & { calls: HttpRequest[] } {
  const calls: HttpRequest[] = [];
  return {
    calls,
    send: (req) => {
      calls.push(req);
      return Promise.resolve(answer(req));
    },
  };
}

const ok = (body = '{"ok":true}'): HttpResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body });

function clock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('cachedGet', () => {
  it('serves a 2xx GET from the cache until the TTL passes (default 24 h)', async () => {
    const http = countingHttp(() => ok());
    const cache = new Map<string, unknown>();
    const c = clock();
    const url = 'https://login.example/common/v2.0/.well-known/openid-configuration';
    const first = await cachedGet(http, cache, url, {}, { now: c.now });
    const second = await cachedGet(http, cache, url, {}, { now: c.now });
    assert.equal(http.calls.length, 1);
    assert.deepEqual(second, first);
    c.advance(86_400_000 - 1);
    await cachedGet(http, cache, url, {}, { now: c.now });
    assert.equal(http.calls.length, 1);
    c.advance(1);
    await cachedGet(http, cache, url, {}, { now: c.now });
    assert.equal(http.calls.length, 2);
  });

  it('honours a custom ttlSeconds', async () => {
    const http = countingHttp(() => ok());
    const cache = new Map<string, unknown>();
    const c = clock();
    await cachedGet(http, cache, 'https://a/x', {}, { now: c.now, ttlSeconds: 10 });
    c.advance(9_999);
    await cachedGet(http, cache, 'https://a/x', {}, { now: c.now, ttlSeconds: 10 });
    assert.equal(http.calls.length, 1);
    c.advance(1);
    await cachedGet(http, cache, 'https://a/x', {}, { now: c.now, ttlSeconds: 10 });
    assert.equal(http.calls.length, 2);
  });

  it('does not cache non-2xx responses', async () => {
    for (const status of [301, 400, 404, 429, 500, 503]) {
      const http = countingHttp(() => ({ status, headers: {}, body: '' }));
      const cache = new Map<string, unknown>();
      await cachedGet(http, cache, 'https://a/x', {}, {});
      const res = await cachedGet(http, cache, 'https://a/x', {}, {});
      assert.equal(res.status, status);
      assert.equal(http.calls.length, 2, `status ${status}`);
    }
  });

  it('always asks the network when no cache is given', async () => {
    const http = countingHttp(() => ok());
    await cachedGet(http, undefined, 'https://a/x', {});
    await cachedGet(http, undefined, 'https://a/x', {});
    assert.equal(http.calls.length, 2);
  });

  it('keys on the URL only: different request headers still hit', async () => {
    const http = countingHttp(() => ok());
    const cache = new Map<string, unknown>();
    await cachedGet(http, cache, 'https://a/x', { 'client-request-id': '1' });
    await cachedGet(http, cache, 'https://a/x', { 'client-request-id': '2' });
    await cachedGet(http, cache, 'https://a/x?q=1', { 'client-request-id': '3' });
    assert.deepEqual(
      http.calls.map((c) => c.headers['client-request-id']),
      ['1', '3'],
    );
  });

  it('passes headers and the signal to the transport', async () => {
    const http = countingHttp(() => ok());
    const controller = new AbortController();
    await cachedGet(http, new Map(), 'https://a/x', { 'x-a': 'b' }, { signal: controller.signal });
    assert.deepEqual(http.calls[0]?.headers, { 'x-a': 'b' });
    assert.equal(http.calls[0]?.signal, controller.signal);
    assert.equal(http.calls[0]?.method, 'GET');
  });

  it('stores plain JSON: the cache survives JSON.stringify + new Map(JSON.parse())', async () => {
    const http = countingHttp(() => ok('{"issuer":"x"}'));
    const cache = new Map<string, unknown>();
    const c = clock();
    await cachedGet(http, cache, 'https://a/x', {}, { now: c.now });
    const restored = new Map<string, unknown>(JSON.parse(JSON.stringify([...cache])) as Array<[string, unknown]>);
    const res = await cachedGet(http, restored, 'https://a/x', {}, { now: c.now });
    assert.equal(http.calls.length, 1);
    assert.deepEqual(res, ok('{"issuer":"x"}'));
  });

  it('a cache hit returns a copy: mutating it does not change the cache', async () => {
    const http = countingHttp(() => ok());
    const cache = new Map<string, unknown>();
    const first = await cachedGet(http, cache, 'https://a/x', {});
    first.headers['content-type'] = 'changed';
    const hit = await cachedGet(http, cache, 'https://a/x', {});
    assert.equal(hit.headers['content-type'], 'application/json');
  });

  it('ignores malformed entries (treats them as absent) and repairs them on the next write', async () => {
    const malformed: unknown[] = [
      'garbage',
      42,
      null,
      [],
      { expiresAt: 'tomorrow', value: {} },
      { expiresAt: Number.MAX_SAFE_INTEGER },
      { expiresAt: Number.MAX_SAFE_INTEGER, value: 'not a response' },
      { expiresAt: Number.MAX_SAFE_INTEGER, value: { status: '200', headers: {}, body: '' } },
      { expiresAt: Number.MAX_SAFE_INTEGER, value: { status: 200, headers: { a: 1 }, body: '' } },
      { expiresAt: Number.MAX_SAFE_INTEGER, value: { status: 200, headers: [], body: '' } },
      { expiresAt: Number.MAX_SAFE_INTEGER, value: { status: 200, headers: {}, body: 7 } },
    ];
    for (const entry of malformed) {
      const http = countingHttp(() => ok());
      const cache = new Map<string, unknown>([
        ['GET https://a/x', entry],
        [HTTP_CACHE_INDEX_KEY, entry],
      ]);
      const res = await cachedGet(http, cache, 'https://a/x', {});
      assert.equal(res.status, 200, JSON.stringify(entry));
      assert.equal(http.calls.length, 1);
      await cachedGet(http, cache, 'https://a/x', {});
      assert.equal(http.calls.length, 1, `repaired after ${JSON.stringify(entry)}`);
    }
  });

  it('rejects a bad ttlSeconds with RangeError before any request', async () => {
    const http = countingHttp(() => ok());
    for (const ttlSeconds of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(cachedGet(http, new Map(), 'https://a/x', {}, { ttlSeconds }), RangeError);
    }
    assert.equal(http.calls.length, 0);
  });

  it('rejects a store without get/set/delete with TypeError naming httpCache', async () => {
    const http = countingHttp(() => ok());
    await assert.rejects(
      cachedGet(http, { get: () => undefined } as unknown as HttpCacheStore, 'https://a/x', {}),
      (e: unknown) => e instanceof TypeError && /httpCache/.test(e.message),
    );
  });
});

describe('writeExpiring / readExpiring', () => {
  it('keeps at most maxEntries, evicting the oldest first', () => {
    const cache = new Map<string, unknown>();
    const c = clock();
    for (let i = 0; i < 5; i++) {
      writeExpiring(cache, `k${i}`, { i }, c.now() + 60_000, { now: c.now, maxEntries: 3 });
    }
    assert.deepEqual(
      ['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => readExpiring(cache, k, { now: c.now })),
      [undefined, undefined, { i: 2 }, { i: 3 }, { i: 4 }],
    );
    // Three entries plus the index, nothing else.
    assert.equal(cache.size, 4);
  });

  it('the default capacity is 1024 entries', () => {
    const cache = new Map<string, unknown>();
    for (let i = 0; i < 1100; i++) writeExpiring(cache, `k${i}`, i, Number.MAX_SAFE_INTEGER);
    assert.equal(cache.size, 1025);
    assert.equal(readExpiring(cache, 'k75'), undefined);
    assert.equal(readExpiring(cache, 'k76'), 76);
  });

  it('rewriting a key moves it to the newest position', () => {
    const cache = new Map<string, unknown>();
    writeExpiring(cache, 'a', 1, Number.MAX_SAFE_INTEGER, { maxEntries: 2 });
    writeExpiring(cache, 'b', 2, Number.MAX_SAFE_INTEGER, { maxEntries: 2 });
    writeExpiring(cache, 'a', 3, Number.MAX_SAFE_INTEGER, { maxEntries: 2 });
    writeExpiring(cache, 'c', 4, Number.MAX_SAFE_INTEGER, { maxEntries: 2 });
    assert.equal(readExpiring(cache, 'a'), 3);
    assert.equal(readExpiring(cache, 'b'), undefined);
    assert.equal(readExpiring(cache, 'c'), 4);
  });

  it('drops expired entries from the store on the next write', () => {
    const cache = new Map<string, unknown>();
    const c = clock();
    writeExpiring(cache, 'old', 1, c.now() + 1_000, { now: c.now });
    c.advance(1_000);
    assert.equal(readExpiring(cache, 'old', { now: c.now }), undefined);
    writeExpiring(cache, 'new', 2, c.now() + 1_000, { now: c.now });
    assert.equal(cache.has('old'), false);
  });

  it('works with any store that has get/set/delete (not only Map)', () => {
    const data: Record<string, unknown> = {};
    const store: HttpCacheStore = {
      get: (k) => data[k],
      set: (k, v) => {
        data[k] = v;
      },
      delete: (k) => delete data[k],
    };
    writeExpiring(store, 'k', { v: 1 }, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(readExpiring(store, 'k'), { v: 1 });
  });

  it('refuses the reserved index key and bad capacities', () => {
    assert.throws(() => writeExpiring(new Map(), HTTP_CACHE_INDEX_KEY, 1, 1), TypeError);
    assert.throws(() => writeExpiring(new Map(), 'k', 1, 1, { maxEntries: 0 }), RangeError);
    assert.throws(() => writeExpiring(new Map(), 'k', 1, Number.NaN), RangeError);
  });
});
