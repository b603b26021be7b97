// The CLI's code cache (src/cli/code-cache.ts): V8's compiled code of the command's program, kept between runs. The
// cache holds code every later `msal-ts` run executes, so it is only ever read from a folder this user alone can write,
// never from a folder another user owns or could write, never through a symbolic link; and it is only ever used for
// the very program file that wrote it.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { PROGRAM_HEAD, PROGRAM_TAIL, type CodeCacheHost } from '../../src/cli/code-cache.js';
import type * as Esbuild from 'esbuild';

// Skips, each for a check that cannot exist where it is skipped (the Linux run of the test command runs all of them):
// Windows (the Wine lane) has no POSIX owners, modes or unprivileged symbolic links, and only root can give a folder
// to another user. The test command runs as root.
const isRoot = process.getuid?.() === 0;
const posixOnly = process.platform === 'win32' ? 'POSIX modes and owners' : false;

/**
 * A CommonJS program that reports what its wrapper gave it, with enough functions for V8 to cache, wrapped as the build
 * wraps dist/cli-core.cjs (the wrapper's "use strict" makes it strict).
 */
const BODY = `const path = require('node:path');
function sum(a, b) { return a + b; }
exports.main = async (args) => sum(args.length, 0);
exports.seen = { dirname: path.basename(__dirname), filename: path.basename(__filename), sum: sum(20, 22), strict: (function () { return this === undefined; })() };
`;
const PROGRAM = `${PROGRAM_HEAD}${BODY}${PROGRAM_TAIL}`;

interface Loaded {
  cacheUsed: boolean;
  cacheFile: string | undefined;
  description: string;
  seen: { dirname: string; filename: string; sum: number; strict: boolean };
  save(): void;
}

describe('the CLI code cache', () => {
  let base: string;
  let child: string;
  let n = 0;
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'msal-ts-code-cache-'));
    // Bundled once, then run by plain node for each load.
    // Required and built synchronously, as bundleFixture (test/extensions/helpers.ts) does, for the reason it gives.
    const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
    child = join(base, 'code-cache-child.mjs');
    buildSync({
      entryPoints: [join(import.meta.dirname, 'fixtures', 'code-cache-child.ts')],
      outfile: child,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      define: { __MSAL_TS_VERSION__: '"test"' },
      logLevel: 'warning',
    });
  });

  /** Loads `program` through the cache in a fresh process; `save()` loads it again in another one and saves there. */
  function loadProgram(program: string, command: string | undefined, host: CodeCacheHost): Loaded {
    const run = (save: boolean): Loaded => {
      const out = execFileSync(process.execPath, [child, program, command ?? '', JSON.stringify(host), save ? 'save' : ''], { encoding: 'utf8' });
      return { ...(JSON.parse(out) as Omit<Loaded, 'save'>), save: () => run(true) };
    };
    return run(false);
  }
  after(() => {
    rmSync(base, { recursive: true, force: true });
  });

  /** A program file and a host whose cache folder is `<fresh XDG_CACHE_HOME>/msal-ts/code-cache`. */
  function setup(extraEnv: Record<string, string> = {}): { host: CodeCacheHost; program: string; folder: string; xdg: string } {
    const dir = join(base, `case-${n++}`);
    const xdg = join(dir, 'xdg');
    const programDir = join(dir, 'dist');
    mkdirSync(programDir, { recursive: true });
    const program = join(programDir, 'cli-core.cjs');
    writeFileSync(program, PROGRAM);
    // The CLI cache folder's base: XDG_CACHE_HOME, or LOCALAPPDATA on Windows (the lane that runs this under Wine).
    const host: CodeCacheHost = {
      env: { HOME: join(dir, 'home'), XDG_CACHE_HOME: xdg, LOCALAPPDATA: xdg, ...extraEnv },
      platform: process.platform,
      execArgv: [],
    };
    return { host, program, folder: join(xdg, 'msal-ts', 'code-cache'), xdg };
  }

  it('runs the program as CommonJS, writes the cache after the run, and uses it the next time', () => {
    const { host, program, folder } = setup();
    const first = loadProgram(program, 'token', host);
    assert.deepEqual(first.seen, { dirname: 'dist', filename: 'cli-core.cjs', sum: 42, strict: true });
    assert.equal(first.cacheUsed, false);
    assert.match(first.description, /code cache none yet \(written if this run succeeds\)/);
    assert.ok(first.cacheFile?.startsWith(folder));
    first.save();
    if (process.platform !== 'win32') {
      assert.equal(lstatSync(folder).mode & 0o777, 0o700, 'the folder is private');
      assert.equal(lstatSync(first.cacheFile ?? '').mode & 0o777, 0o600, 'the file is private');
    }
    const second = loadProgram(program, 'token', host);
    assert.equal(second.cacheUsed, true, second.description);
    assert.match(second.description, /code cache used/);
    assert.deepEqual(second.seen, { dirname: 'dist', filename: 'cli-core.cjs', sum: 42, strict: true });
    assert.deepEqual(readdirSync(folder), [first.cacheFile?.slice(folder.length + 1)], 'one file, no temporary left');
  });

  it('refuses a program file the build did not wrap (a damaged or foreign file), before compiling it', () => {
    const { host, program } = setup();
    for (const text of [BODY, `${PROGRAM_HEAD}${BODY}`, `${BODY}${PROGRAM_TAIL}`]) {
      writeFileSync(program, text);
      assert.throws(() => loadProgram(program, 'token', host), /is not a program msal-ts built/);
    }
  });

  it('keeps one cache per command, and none for a command line without a command word', () => {
    const { host, program, folder } = setup();
    loadProgram(program, 'token', host).save();
    loadProgram(program, 'accounts', host).save();
    for (const line of [undefined, '--version', '../x', 'a b']) {
      const loaded = loadProgram(program, line, host);
      assert.equal(loaded.cacheFile, undefined);
      loaded.save();
    }
    assert.deepEqual(
      readdirSync(folder)
        .map((f) => f.split('-')[0])
        .sort(),
      ['accounts', 'token'],
    );
  });

  it('never uses a cache written for another program file: a rebuilt program gets a new one and the old is removed', () => {
    const { host, program, folder } = setup();
    const old = loadProgram(program, 'token', host);
    old.save();
    // The same length (V8 compares only that), other code, another modification time.
    writeFileSync(program, PROGRAM.replace('sum(20, 22)', 'sum(30, 12)').replace('a + b', 'b + a'));
    const later = new Date(Date.now() + 5_000);
    utimesSync(program, later, later);
    const rebuilt = loadProgram(program, 'token', host);
    assert.notEqual(rebuilt.cacheFile, old.cacheFile);
    assert.equal(rebuilt.cacheUsed, false);
    rebuilt.save();
    assert.deepEqual(readdirSync(folder), [rebuilt.cacheFile?.slice(folder.length + 1)]);
  });

  it('compiles from the source when V8 refuses the file (damaged), and writes a good one after the run', () => {
    const { host, program } = setup();
    const first = loadProgram(program, 'token', host);
    writeFileSync(first.cacheFile ?? '', 'not V8 code at all');
    const damaged = loadProgram(program, 'token', host);
    assert.equal(damaged.cacheUsed, false);
    assert.match(damaged.description, /refused by V8/);
    assert.equal(damaged.seen.sum, 42);
    damaged.save();
    assert.equal(loadProgram(program, 'token', host).cacheUsed, true);
  });

  it('closes a folder of this user that others could write, then uses it', { skip: posixOnly }, () => {
    const { host, program, folder } = setup();
    mkdirSync(folder, { recursive: true });
    chmodSync(folder, 0o777);
    const loaded = loadProgram(program, 'token', host);
    assert.ok(loaded.cacheFile !== undefined);
    assert.equal(lstatSync(folder).mode & 0o777, 0o700);
  });

  it(
    'never reads a folder that another user owns (a planted cache there is not used), and leaves it as it is',
    { skip: posixOnly || (!isRoot && 'needs root to give a folder to another user') },
    () => {
      const { host, program, folder } = setup();
      // A good cache, written where it belongs, then the folder handed to another user, as a planted one would be.
      loadProgram(program, 'token', host).save();
      chmodSync(folder, 0o777);
      chownSync(folder, 65534, 65534);
      const loaded = loadProgram(program, 'token', host);
      assert.equal(loaded.cacheUsed, false);
      assert.equal(loaded.cacheFile, undefined);
      assert.match(loaded.description, /belongs to uid 65534/);
      assert.equal(lstatSync(folder).mode & 0o777, 0o777, 'not changed');
    },
  );

  it('refuses a symbolic link in place of the folder, even to a private folder', { skip: posixOnly }, () => {
    const { host, program, folder } = setup();
    const target = join(base, `target-${n++}`);
    mkdirSync(target, { mode: 0o700 });
    mkdirSync(join(folder, '..'), { recursive: true });
    symlinkSync(target, folder);
    const loaded = loadProgram(program, 'token', host);
    assert.equal(loaded.cacheFile, undefined);
    assert.match(loaded.description, /symbolic link/);
    loaded.save();
    assert.deepEqual(readdirSync(target), []);
  });

  it('runs without it when the folder cannot be created (a file in the way)', () => {
    const { host, program, xdg } = setup();
    mkdirSync(xdg, { recursive: true });
    writeFileSync(join(xdg, 'msal-ts'), 'not a folder');
    const loaded = loadProgram(program, 'token', host);
    assert.equal(loaded.cacheFile, undefined);
    assert.equal(loaded.seen.sum, 42);
  });

  it('is off with NODE_DISABLE_COMPILE_CACHE, creating nothing', () => {
    const { host, program, xdg } = setup({ NODE_DISABLE_COMPILE_CACHE: '1' });
    const loaded = loadProgram(program, 'token', host);
    assert.equal(loaded.cacheFile, undefined);
    assert.match(loaded.description, /NODE_DISABLE_COMPILE_CACHE/);
    loaded.save();
    assert.throws(() => lstatSync(xdg), { code: 'ENOENT' });
  });

  it('keeps the caches of other Node options apart, both usable in turn (V8 refuses code compiled under other flags)', () => {
    const { host, program, folder } = setup();
    const flaggedHost = { ...host, execArgv: ['--max-old-space-size=100'] };
    loadProgram(program, 'token', host).save();
    loadProgram(program, 'token', flaggedHost).save();
    assert.equal(readdirSync(folder).length, 2, 'one file each: switching options (or Node versions) does not thrash');
    assert.equal(loadProgram(program, 'token', host).cacheUsed, true);
    assert.equal(loadProgram(program, 'token', flaggedHost).cacheUsed, true);
  });

  it('a write removes the files no run has written for 30 days (installations removed since, npx versions), and only those', () => {
    const { host, program, folder } = setup();
    loadProgram(program, 'token', host).save();
    const [ours] = readdirSync(folder);
    const stale = join(folder, 'token-v0.0.0-x64-aaa-bbb@0.0.1-1-1.v8');
    const staleTemporary = join(folder, 'token-v0.0.0-x64-aaa-bbb@0.0.1-1-1.v8.123.tmp');
    const recent = join(folder, 'token-v0.0.0-x64-aaa-ccc@0.0.1-1-1.v8');
    for (const file of [stale, staleTemporary, recent]) writeFileSync(file, 'another installation');
    const longAgo = new Date(Date.now() - 31 * 24 * 3600 * 1000);
    utimesSync(stale, longAgo, longAgo);
    utimesSync(staleTemporary, longAgo, longAgo);
    loadProgram(program, 'accounts', host).save();
    const left = readdirSync(folder);
    assert.ok(!left.includes('token-v0.0.0-x64-aaa-bbb@0.0.1-1-1.v8') && !left.some((f) => f.endsWith('.tmp')), left.join(', '));
    assert.ok(left.includes('token-v0.0.0-x64-aaa-ccc@0.0.1-1-1.v8'), 'a recent file of another installation stays');
    assert.ok(ours !== undefined && left.includes(ours), 'this installation’s other command stays');
  });

  it('keeps the caches of two installations apart, both usable in turn (a global msal-ts and a project one)', () => {
    const { host, program, folder } = setup();
    // Another installation of another version: another folder, another program file, the same user's cache folder.
    const otherDir = join(program, '..', '..', 'other-install', 'dist');
    mkdirSync(otherDir, { recursive: true });
    const other = join(otherDir, 'cli-core.cjs');
    writeFileSync(other, `${PROGRAM_HEAD}${BODY}// another build${PROGRAM_TAIL}`);
    loadProgram(program, 'token', host).save();
    loadProgram(other, 'token', host).save();
    assert.equal(readdirSync(folder).length, 2, 'one file each: running them in turn does not rewrite the cache every run');
    assert.equal(loadProgram(program, 'token', host).cacheUsed, true);
    assert.equal(loadProgram(other, 'token', host).cacheUsed, true);
  });
});
