// msal-ts/extensions refuses options it would ignore, before any I/O: a misspelt fallbackToPlaintext would have
// probed the keyring (and, wanting plaintext, failed), a misspelt lock timeout would have waited the default, a
// misspelt lock location would have locked another file. Nothing is created on disk by a refused call.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  buildEncryptedPersistence,
  CrossPlatLock,
  FilePersistence,
  FilePersistenceWithDataProtection,
  KeychainPersistence,
  LibsecretPersistence,
  PersistedHttpCache,
  PersistedTokenCache,
} from '../../src/extensions/index.js';

function typo(key: string, where: string, meant: string): { name: string; message: string } {
  return { name: 'TypeError', message: `unknown option "${key}" in ${where} options (did you mean "${meant}"?)` };
}

describe('extensions options validation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msal-ts-ext-opts-'));
  const path = join(dir, 'cache.json');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('persistences refuse a misspelt option, on every platform before the platform check', () => {
    assert.throws(() => new FilePersistence(path, { mtimeLead: 5 } as never), typo('mtimeLead', 'FilePersistence', 'mtimeLeadMs'));
    assert.throws(() => new LibsecretPersistence(path, undefined, undefined, { lable: 'x' } as never), typo('lable', 'LibsecretPersistence', 'label'));
    assert.throws(
      () => new KeychainPersistence(path, undefined, undefined, { mtimeLeadMS: 5 } as never),
      typo('mtimeLeadMS', 'KeychainPersistence', 'mtimeLeadMs'),
    );
    assert.throws(
      () => new FilePersistenceWithDataProtection(path, '', { mtime_lead_ms: 5 } as never),
      typo('mtime_lead_ms', 'FilePersistenceWithDataProtection', 'mtimeLeadMs'),
    );
  });

  it('buildEncryptedPersistence refuses a misspelt option before probing any store', async () => {
    await assert.rejects(
      buildEncryptedPersistence(path, { fallbackToPlainText: true } as never),
      typo('fallbackToPlainText', 'buildEncryptedPersistence', 'fallbackToPlaintext'),
    );
  });

  it('PersistedTokenCache, PersistedHttpCache and CrossPlatLock refuse a misspelt option, the lock options inside them too', async () => {
    const persistence = new FilePersistence(path);
    assert.throws(
      () => new PersistedTokenCache(persistence, { lockLocaton: `${path}.lock` } as never),
      typo('lockLocaton', 'PersistedTokenCache', 'lockLocation'),
    );
    assert.throws(() => new PersistedTokenCache(persistence, { lock: { timeOutMs: 5 } } as never), typo('timeOutMs', 'CrossPlatLock', 'timeoutMs'));
    assert.throws(() => new CrossPlatLock(`${path}.lockfile`, { staleAfter: 5 } as never), typo('staleAfter', 'CrossPlatLock', 'staleAfterMs'));
    await assert.rejects(PersistedHttpCache.open(persistence, { maxbytes: 5 } as never), typo('maxbytes', 'PersistedHttpCache', 'maxBytes'));
    assert.deepEqual(readdirSync(dir), []);
  });
});
