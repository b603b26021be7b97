// The CLI's use of Node's compile cache (src/cli/compile-cache.ts): only in a folder this user alone can write, never
// Node's default one under the shared temporary folder, where another user could plant compiled code that every later
// `msal-ts` run would execute. `module.enableCompileCache` is replaced by a recorder, so this runs on Node 20 too.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { enableCompileCache, type CompileCacheHost } from '../../src/cli/compile-cache.js';

// Skips, each for a check that cannot exist where it is skipped (the Linux run of the test command runs all of them):
// Windows (the Wine lane) has no POSIX owners, modes or unprivileged symbolic links, and only root can give a folder
// to another user. The test command runs as root.
const isRoot = process.getuid?.() === 0;
const posixOnly = process.platform === 'win32' ? 'POSIX modes and owners' : false;

describe('the CLI compile cache', () => {
  let base: string;
  let n = 0;
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'msal-ts-compile-cache-'));
  });
  after(() => {
    rmSync(base, { recursive: true, force: true });
  });

  /** A host whose cache folder is `<fresh XDG_CACHE_HOME>/msal-ts/node-compile-cache`, recording enable() calls. */
  function host(extraEnv: Record<string, string> = {}): { host: CompileCacheHost; calls: string[]; folder: string; xdg: string } {
    const xdg = join(base, `xdg-${n++}`);
    const calls: string[] = [];
    // The CLI cache folder's base: XDG_CACHE_HOME, or LOCALAPPDATA on Windows (the lane that runs this under Wine).
    const h: CompileCacheHost = {
      enable: (directory) => calls.push(directory),
      env: { HOME: join(base, 'home'), XDG_CACHE_HOME: xdg, LOCALAPPDATA: xdg, ...extraEnv },
      platform: process.platform,
    };
    return { host: h, calls, folder: join(xdg, 'msal-ts', 'node-compile-cache'), xdg };
  }

  it('is enabled in the CLI cache folder, created private (0700 where modes exist), never under the temporary folder', () => {
    const { host: h, calls, folder } = host();
    assert.deepEqual(enableCompileCache(h), { status: 'enabled', directory: folder });
    assert.deepEqual(calls, [folder]);
    if (process.platform !== 'win32') assert.equal(lstatSync(folder).mode & 0o777, 0o700);
  });

  it('closes a folder of this user that others could write, then uses it', { skip: posixOnly }, () => {
    const { host: h, calls, folder } = host();
    mkdirSync(folder, { recursive: true });
    chmodSync(folder, 0o777);
    assert.equal(enableCompileCache(h).status, 'enabled');
    assert.deepEqual(calls, [folder]);
    assert.equal(lstatSync(folder).mode & 0o777, 0o700);
  });

  it(
    'refuses a folder that another user owns, and leaves it as it is',
    { skip: posixOnly || (!isRoot && 'needs root to give a folder to another user') },
    () => {
      const { host: h, calls, folder } = host();
      mkdirSync(folder, { recursive: true, mode: 0o777 });
      chmodSync(folder, 0o777);
      chownSync(folder, 65534, 65534);
      const outcome = enableCompileCache(h);
      assert.equal(outcome.status, 'refused');
      assert.match(outcome.status === 'refused' ? outcome.reason : '', /belongs to uid 65534/);
      assert.deepEqual(calls, [], 'enableCompileCache was not called');
      assert.equal(lstatSync(folder).mode & 0o777, 0o777, 'not changed');
    },
  );

  it('refuses a symbolic link in place of the folder, even to a private folder', { skip: posixOnly }, () => {
    const { host: h, calls, folder } = host();
    const target = join(base, `target-${n++}`);
    mkdirSync(target, { mode: 0o700 });
    mkdirSync(join(folder, '..'), { recursive: true });
    symlinkSync(target, folder);
    const outcome = enableCompileCache(h);
    assert.equal(outcome.status, 'refused');
    assert.match(outcome.status === 'refused' ? outcome.reason : '', /symbolic link/);
    assert.deepEqual(calls, []);
  });

  it('runs without it when the folder cannot be created (a file in the way)', () => {
    const { host: h, calls, xdg } = host();
    mkdirSync(xdg, { recursive: true });
    writeFileSync(join(xdg, 'msal-ts'), 'not a folder');
    const outcome = enableCompileCache(h);
    assert.equal(outcome.status, 'refused');
    assert.deepEqual(calls, []);
  });

  it('leaves the choice to NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE, creating nothing', () => {
    for (const [env, status] of [
      [{ NODE_COMPILE_CACHE: join(base, 'chosen') }, 'set-by-environment'],
      [{ NODE_DISABLE_COMPILE_CACHE: '1' }, 'disabled-by-environment'],
    ] as const) {
      const { host: h, calls, xdg } = host(env);
      assert.deepEqual(enableCompileCache(h), { status });
      assert.deepEqual(calls, []);
      assert.throws(() => lstatSync(xdg), { code: 'ENOENT' });
    }
  });

  it('does nothing on a Node without a compile cache (Node 20)', () => {
    const { host: h, xdg } = host();
    assert.deepEqual(enableCompileCache({ ...h, enable: undefined }), { status: 'unsupported' });
    assert.throws(() => lstatSync(xdg), { code: 'ENOENT' });
  });
});
