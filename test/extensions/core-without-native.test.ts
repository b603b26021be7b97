// Importing msal-ts (and msal-ts/extensions) loads no native code: koffi is loaded only when a native store or flock is
// first used. Checked in a fresh process: on Linux by the shared objects mapped into it; on Windows (no /proc; the
// diagnostic report's list of DLLs takes over 30 s under Wine) by whether the koffi module was required.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { moduleSpecifier, ON_WINDOWS, run, tempDir } from './helpers.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

const KOFFI_LOADED = ON_WINDOWS
  ? `() => Object.keys(createRequire(import.meta.url).cache).some((p) => /[\\\\/]koffi[\\\\/]/.test(p))`
  : `() => readFileSync('/proc/self/maps', 'utf8').includes('koffi')`;

// Under Wine on a busy machine, tsx's first compile of the whole core in node.exe took over 30 s (8 s when idle).
const CHILD_TIMEOUT_MS = ON_WINDOWS ? 120_000 : 30_000;

describe('native code is loaded lazily', () => {
  it('msal-ts and msal-ts/extensions import without koffi; the first lock loads it', async () => {
    const { dir, cleanup } = tempDir('lazy');
    try {
      const script = `
        import { readFileSync } from 'node:fs';
        import { createRequire } from 'node:module';
        const koffiMapped = ${KOFFI_LOADED};
        await import(${JSON.stringify(moduleSpecifier(join(SRC, 'index.ts')))});
        const afterCore = koffiMapped();
        const ext = await import(${JSON.stringify(moduleSpecifier(join(SRC, 'extensions', 'index.ts')))});
        const afterExtensions = koffiMapped();
        const held = await new ext.CrossPlatLock(${JSON.stringify(join(dir, 'x.lockfile'))}).acquire();
        await held.release();
        console.log(JSON.stringify({ afterCore, afterExtensions, afterLock: koffiMapped() }));`;
      const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: CHILD_TIMEOUT_MS });
      assert.deepEqual(JSON.parse(stdout), { afterCore: false, afterExtensions: false, afterLock: true });
    } finally {
      cleanup();
    }
  });
});
