// PersistedTokenCache's lockLocation (msal-extensions' lock_location): the lock is taken there, not beside the cache.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FilePersistence, PersistedTokenCache } from '../../src/extensions/index.js';
import { tokenEvent } from './fixtures/events.js';
import { tempDir } from './helpers.js';

describe('PersistedTokenCache lockLocation', () => {
  const { dir, cleanup } = tempDir('lock-location');
  after(cleanup);

  it('holds the lock at lockLocation during a write, and never creates <cache>.lockfile', async () => {
    const file = join(dir, 'cache.json');
    const custom = join(dir, 'locks', 'my.lock');
    const cache = new PersistedTokenCache(new FilePersistence(file), { lockLocation: custom });
    const seen: boolean[] = [];
    await cache.write({ clientId: 'c', partition: { kind: 'any' } }, () => {
      seen.push(existsSync(custom), existsSync(`${file}.lockfile`));
      cache.add(tokenEvent('https://a.example/.default', 'x'));
    });
    assert.deepEqual(seen, [true, false]);
    assert.ok(existsSync(file));
  });

  it('a write settles only after its lock is released: a process exiting right after it leaves no lock file', async () => {
    const file = join(dir, 'released.json');
    const custom = join(dir, 'locks', 'released.lock');
    const cache = new PersistedTokenCache(new FilePersistence(file), { lockLocation: custom });
    await cache.write({ clientId: 'c', partition: { kind: 'any' } }, () => cache.add(tokenEvent('https://b.example/.default', 'y')));
    assert.equal(existsSync(custom), false);
  });
});
