// msal-ts/distributed refuses options it would ignore, at construction: a misspelt key prefix would have mixed two
// applications' partitions under the default `msal` prefix, a misspelt staleness or timeout silently used the default.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DistributedTokenCache, InMemoryDistributedCacheStore, RedisDistributedCacheStore } from '../../src/distributed/index.js';

function typo(key: string, where: string, meant: string): { name: string; message: string } {
  return { name: 'TypeError', message: `unknown option "${key}" in ${where} options (did you mean "${meant}"?)` };
}

describe('distributed options validation', () => {
  it('DistributedTokenCache, RedisDistributedCacheStore and InMemoryDistributedCacheStore refuse a misspelt option', () => {
    const store = new InMemoryDistributedCacheStore();
    assert.throws(() => new DistributedTokenCache(store, { keyprefix: 'app1' } as never), typo('keyprefix', 'DistributedTokenCache', 'keyPrefix'));
    assert.throws(() => new DistributedTokenCache(store, { maxStaleness: 30 } as never), typo('maxStaleness', 'DistributedTokenCache', 'maxStalenessSeconds'));
    const runner = { run: () => Promise.reject(new Error('this test expects no Redis command')) };
    assert.throws(
      () => new RedisDistributedCacheStore(runner, { operationTimeout: 100 } as never),
      typo('operationTimeout', 'RedisDistributedCacheStore', 'operationTimeoutMs'),
    );
    assert.throws(() => new InMemoryDistributedCacheStore({ clok: { now: () => 0 } } as never), typo('clok', 'InMemoryDistributedCacheStore', 'clock'));
  });
});
