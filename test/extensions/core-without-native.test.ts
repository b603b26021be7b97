// Importing msal-ts (and msal-ts/extensions) loads no native code: koffi is loaded only when a native store or flock is
// first used. Checked in a fresh process by the shared objects mapped into it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run, tempDir } from './helpers.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

describe('native code is loaded lazily', () => {
  it('msal-ts and msal-ts/extensions import without koffi; the first lock loads it', async () => {
    const { dir, cleanup } = tempDir('lazy');
    try {
      const script = `
        import { readFileSync } from 'node:fs';
        const koffiMapped = () => readFileSync('/proc/self/maps', 'utf8').includes('koffi');
        await import(${JSON.stringify(join(SRC, 'index.ts'))});
        const afterCore = koffiMapped();
        const ext = await import(${JSON.stringify(join(SRC, 'extensions', 'index.ts'))});
        const afterExtensions = koffiMapped();
        const held = await new ext.CrossPlatLock(${JSON.stringify(join(dir, 'x.lockfile'))}).acquire();
        await held.release();
        console.log(JSON.stringify({ afterCore, afterExtensions, afterLock: koffiMapped() }));`;
      const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000 });
      assert.deepEqual(JSON.parse(stdout), { afterCore: false, afterExtensions: false, afterLock: true });
    } finally {
      cleanup();
    }
  });
});
