// The http cache's optional ready() (src/http/http-cache.ts): awaited before every request an application sends, before
// the store is read, so that a store kept in a file is read only by a process that sends one; never called for a
// token served from the token cache; its rejection fails the request, which then sends nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication, ManagedIdentityClient, SystemAssignedManagedIdentity, type HttpClient } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { HttpCacheStore } from '../../src/http/http-cache.js';

const GRAPH = ['https://graph.microsoft.com/.default'];

/** A store that logs each call, and whether the store was ready at the time. */
function loggingStore(ready: () => Promise<void>): HttpCacheStore & { log: string[]; map: Map<string, unknown> } {
  const log: string[] = [];
  const map = new Map<string, unknown>();
  let isReady = false;
  const note = (what: string): void => {
    log.push(isReady ? what : `${what} before ready`);
  };
  return {
    log,
    map,
    get: (key) => (note('get'), map.get(key)),
    set: (key, value) => (note('set'), map.set(key, value)),
    delete: (key) => (note('delete'), map.delete(key)),
    ready: async () => {
      log.push('ready');
      await ready();
      isReady = true;
    },
  };
}

describe('httpCache.ready()', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator.close();
  });

  const app = (httpCache: HttpCacheStore): ConfidentialClientApplication =>
    new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      httpCache,
    });

  it('is awaited before the store is first read, and not called for a token served from the cache', async () => {
    // Ready only after a turn of the event loop: a reader that did not await it would read first, and be logged so.
    const store = loggingStore(() => new Promise((resolve) => setImmediate(resolve)));
    const daemon = app(store);
    assert.equal(store.log.length, 0, 'constructing the application does not call it');
    const first = await daemon.acquireTokenForClient(GRAPH);
    assert.equal(first.token_source, 'identity_provider');
    assert.equal(store.log[0], 'ready');
    assert.deepEqual(
      store.log.filter((entry: string) => entry.endsWith('before ready')),
      [],
    );
    assert.ok(store.log.includes('set'), 'discovery was written to the store');
    const calls = store.log.length;
    const second = await daemon.acquireTokenForClient(GRAPH);
    assert.equal(second.token_source, 'cache');
    assert.equal(store.log.length, calls, 'a cache hit neither readies nor reads the store');
    await daemon.acquireTokenForClient(GRAPH, { forceRefresh: true });
    assert.ok(store.log.slice(calls).includes('ready'), 'awaited again before a later request');
  });

  it('a rejection fails the request, which sends nothing; the next request asks again', async () => {
    let fail = true;
    const store = loggingStore(() => (fail ? Promise.reject(new Error('the store is broken')) : Promise.resolve()));
    const daemon = app(store);
    emulator.resetCounters();
    await assert.rejects(daemon.acquireTokenForClient(GRAPH), /the store is broken/);
    const sent = Object.values(emulator.counters()).reduce((sum, n) => sum + n, 0);
    assert.equal(sent, 0, 'nothing was sent');
    fail = false;
    const result = await daemon.acquireTokenForClient(GRAPH);
    assert.equal(result.token_source, 'identity_provider');
  });

  it("a ready that is not a function (a flag of the store's own) is left alone: the store works as any other", async () => {
    const store = Object.assign(new Map<string, unknown>(), { ready: true }) as unknown as HttpCacheStore & Map<string, unknown>;
    const result = await app(store).acquireTokenForClient(GRAPH);
    assert.equal(result.token_source, 'identity_provider');
    assert.ok(store.size > 0, 'discovery was written to the store');
  });

  it('a managed identity client awaits it before its throttle state is read, and not for a cached token', async () => {
    const store = loggingStore(() => Promise.resolve());
    const sent: string[] = [];
    const http: HttpClient = {
      send() {
        sent.push(`${store.log.includes('ready') ? 'after' : 'before'} ready`);
        const body = JSON.stringify({
          access_token: 'mi-token',
          expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          resource: 'https://vault.azure.net',
          token_type: 'Bearer',
        });
        return Promise.resolve({ status: 200, headers: { 'content-type': 'application/json' }, body });
      },
    };
    const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
      httpClient: http,
      httpCache: store,
      environment: { IDENTITY_ENDPOINT: 'http://127.0.0.1:9/token', IDENTITY_HEADER: 'secret-header' },
    });
    const first = await client.acquireTokenForClient({ resource: 'https://vault.azure.net' });
    assert.equal(first.access_token, 'mi-token');
    assert.equal(store.log[0], 'ready');
    assert.deepEqual(sent, ['after ready']);
    assert.deepEqual(
      store.log.filter((entry: string) => entry.endsWith('before ready')),
      [],
    );
    const calls = store.log.length;
    await client.acquireTokenForClient({ resource: 'https://vault.azure.net' });
    assert.equal(store.log.length, calls, 'a cached token neither readies nor reads the store');
  });
});
