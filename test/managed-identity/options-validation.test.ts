// ManagedIdentityClient refuses options it would ignore, before any I/O: a typo in a constructor or request option (a
// misspelt forceRefresh would have served the cached token the caller wanted replaced), and a tokenCache that is not
// a cache. The transport records requests and must stay unused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManagedIdentityClient, SerializableTokenCache, SystemAssignedManagedIdentity, UnsupportedOptionError, type HttpClient } from '../../src/index.js';

const ENVIRONMENT = { IDENTITY_ENDPOINT: 'http://127.0.0.1:9/token', IDENTITY_HEADER: 'secret-header' };

function noIo(): HttpClient & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    send(req) {
      urls.push(req.url);
      return Promise.reject(new Error('this test expects no request'));
    },
  };
}

describe('ManagedIdentityClient options validation', () => {
  it('the constructor refuses a typo, naming the key and the option meant', () => {
    assert.throws(() => new ManagedIdentityClient(new SystemAssignedManagedIdentity(), { enviroment: ENVIRONMENT } as never), {
      name: 'TypeError',
      message: 'unknown option "enviroment" in ManagedIdentityClient options (did you mean "environment"?)',
    });
  });

  it('acquireTokenForClient refuses a typo before any request', async () => {
    const http = noIo();
    const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), { httpClient: http, environment: ENVIRONMENT });
    await assert.rejects(client.acquireTokenForClient({ resource: 'https://vault.azure.net', forceRefesh: true } as never), {
      name: 'TypeError',
      message: 'unknown option "forceRefesh" in acquireTokenForClient options (did you mean "forceRefresh"?)',
    });
    await assert.rejects(client.acquireTokenForClient({ resource: 'https://vault.azure.net', authScheme: {} } as never), UnsupportedOptionError);
    assert.deepEqual(http.urls, []);
  });

  it('a tokenCache that is not a cache fails at construction, naming tokenCache', () => {
    for (const bad of [{}, new Map(), 'cache.json']) {
      assert.throws(() => new ManagedIdentityClient(new SystemAssignedManagedIdentity(), { tokenCache: bad } as never), {
        name: 'TypeError',
        message: /^tokenCache must be a TokenCache/,
      });
    }
    const cache = new SerializableTokenCache();
    assert.equal(new ManagedIdentityClient(new SystemAssignedManagedIdentity(), { tokenCache: cache }).tokenCache, cache);
  });
});
