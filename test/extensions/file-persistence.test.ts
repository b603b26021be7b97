// FilePersistence on a real file system: modes, atomic replacement (a reader in this process never sees a torn file
// while another process rewrites large content), not-found and access errors with what to do.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_MTIME_LEAD_MS, FilePersistence, PersistenceAccessError, PersistenceNotFoundError } from '../../src/extensions/index.js';
import { SYNC_READ_MAX_BYTES } from '../../src/extensions/file-io.js';
import { assertMode, bundleFixture, exited, ON_WINDOWS, runFixture, startFixture, tempDir, waitForLine, WINDOWS_SKIP } from './helpers.js';

describe('FilePersistence', () => {
  const { dir, cleanup } = tempDir('file');
  after(cleanup);

  it('creates the file 0600 and missing parent directories 0700', async () => {
    const file = join(dir, 'a', 'b', 'cache.json');
    const p = new FilePersistence(file);
    await p.save('{"x": 1}');
    assertMode(file, 0o600);
    assertMode(join(dir, 'a'), 0o700);
    assertMode(join(dir, 'a', 'b'), 0o700);
    assert.equal(await p.load(), '{"x": 1}');
    assert.equal(p.isEncrypted, false);
  });

  it('replaces the file by rename (a new inode every save), 0600 even when the old file was 0644', async () => {
    const file = join(dir, 'replace.json');
    writeFileSync(file, 'old', { mode: 0o644 });
    const before = statSync(file).ino;
    const p = new FilePersistence(file);
    await p.save('new ünïcødé');
    const st = statSync(file);
    assert.notEqual(st.ino, before);
    assertMode(file, 0o600);
    assert.equal(readFileSync(file, 'utf8'), 'new ünïcødé');
  });

  it('dates the mtime ahead of the clock (the mtime trap remedy), and not when the lead is 0', async () => {
    const file = join(dir, 'mtime.json');
    const ahead = new FilePersistence(file);
    const t0 = Date.now();
    await ahead.save('a');
    assert.ok(ahead.timeLastModified() >= t0 + DEFAULT_MTIME_LEAD_MS - 5, 'mtime is dated ahead');
    const plain = new FilePersistence(file, { mtimeLeadMs: 0 });
    await plain.save('b');
    assert.ok(plain.timeLastModified() <= Date.now() + 5, 'mtime is the present');
    assert.throws(() => new FilePersistence(file, { mtimeLeadMs: -1 }), RangeError);
  });

  it('throws PersistenceNotFoundError before the first save, from load and timeLastModified', async () => {
    const p = new FilePersistence(join(dir, 'missing', 'nothing.json'));
    await assert.rejects(p.load(), PersistenceNotFoundError);
    assert.throws(() => p.timeLastModified(), PersistenceNotFoundError);
    assert.equal(p.stamp(), undefined);
  });

  it('expands ~ and rejects an empty location before any I/O', () => {
    assert.equal(new FilePersistence('~/x/y.json').location, join(homedir(), 'x', 'y.json'));
    assert.throws(() => new FilePersistence(''), TypeError);
  });

  it('touch() creates an empty 0600 file and moves its mtime', async () => {
    const p = new FilePersistence(join(dir, 'touched'));
    await p.touch();
    assertMode(p.location, 0o600);
    assert.equal(readFileSync(p.location, 'utf8'), '');
  });

  it('reports a parent that is a file as PersistenceAccessError (ENOTDIR), not a crash', async () => {
    writeFileSync(join(dir, 'plainfile'), 'x');
    const p = new FilePersistence(join(dir, 'plainfile', 'cache.json'));
    const err = await p.save('x').catch((e: unknown) => e);
    assert.ok(err instanceof PersistenceAccessError, String(err));
    assert.equal(err.code, 'persistence_access');
    assert.ok(err.errno === 'ENOTDIR' || err.errno === 'EEXIST', err.errno);
  });

  it('reports a read-only directory as PersistenceAccessError and leaves the file as it was', { skip: ON_WINDOWS && WINDOWS_SKIP.readOnlyDir }, async () => {
    const ro = join(dir, 'readonly');
    mkdirSync(ro);
    const file = join(ro, 'cache.json');
    writeFileSync(file, 'precious', { mode: 0o644 });
    chmodSync(dir, 0o755);
    chmodSync(ro, 0o555);
    // root ignores directory permissions: run the writer as nobody then.
    const asNobody = process.getuid?.() === 0;
    if (asNobody) chownSync(file, 65534, 65534);
    const out = await runFixture('save-as.ts', [file], asNobody ? { uid: 65534 } : {});
    assert.match(out, /^PersistenceAccessError EACCES cannot write .*permission denied/m);
    assert.equal(readFileSync(file, 'utf8'), 'precious');
  });

  it(
    'writes through a symlink of our own to its target, and keeps the link (a dotfiles-managed cache)',
    { skip: ON_WINDOWS && WINDOWS_SKIP.symlink },
    async () => {
      mkdirSync(join(dir, 'real'));
      mkdirSync(join(dir, 'links'));
      const target = join(dir, 'real', 'cache.json');
      const link = join(dir, 'links', 'cache.json');
      writeFileSync(target, 'old');
      symlinkSync(target, link);
      const p = new FilePersistence(link);
      await p.save('new');
      assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
      assert.equal(readFileSync(target, 'utf8'), 'new');
      assertMode(target, 0o600);
      await p.touch();
      assert.equal(await p.load(), 'new');
    },
  );

  const asRoot = process.getuid?.() === 0 ? false : 'needs root, to make a link another user owns';
  it('refuses to write or touch through a symlink another user owns, and changes nothing', { skip: asRoot }, async () => {
    const home = join(dir, 'victim-home');
    mkdirSync(home);
    const target = join(home, 'precious');
    writeFileSync(target, 'precious', { mode: 0o600 });
    const link = join(home, 'cache.json');
    symlinkSync(target, link);
    lchownSync(link, 65534, 65534);
    const p = new FilePersistence(link);
    const err = await p.save('overwritten').catch((e: unknown) => e);
    assert.ok(err instanceof PersistenceAccessError, String(err));
    assert.equal(err.location, link);
    await assert.rejects(p.touch(), PersistenceAccessError);
    assert.equal(readFileSync(target, 'utf8'), 'precious');
    assert.ok(lstatSync(link).isSymbolicLink());
  });

  it(
    'refuses to write through a symlink in a world-writable directory (sticky or not), even one of our own',
    { skip: ON_WINDOWS && WINDOWS_SKIP.symlink },
    async () => {
      const target = join(dir, 'precious-too');
      writeFileSync(target, 'precious', { mode: 0o600 });
      for (const mode of [0o1777, 0o777]) {
        const shared = join(dir, `shared-${mode.toString(8)}`);
        mkdirSync(shared);
        chmodSync(shared, mode);
        const link = join(shared, 'cache.json');
        symlinkSync(target, link);
        const err = await new FilePersistence(link).save('overwritten').catch((e: unknown) => e);
        assert.ok(err instanceof PersistenceAccessError, `${mode.toString(8)}: ${String(err)}`);
        assert.equal(readFileSync(target, 'utf8'), 'precious');
        // The same directory without a link is fine: the file is ours, created 0600.
        const plain = new FilePersistence(join(shared, 'plain.json'));
        await plain.save('ok');
        assert.equal(await plain.load(), 'ok');
      }
    },
  );

  it('load({ maxBytes }) stops reading at the limit even when the file grows after its stat (a FIFO)', { skip: ON_WINDOWS && WINDOWS_SKIP.fifo }, async () => {
    const fifo = join(dir, 'growing');
    execFileSync('mkfifo', [fifo]);
    // A FIFO's stat says 0 bytes; the writer then sends 4 MiB.
    const writer = spawn('sh', ['-c', 'head -c 4194304 /dev/zero > "$0"', fifo], { stdio: 'ignore' });
    try {
      await assert.rejects(new FilePersistence(fifo).load({ maxBytes: 1024 * 1024 }), { code: 'cache_too_large', limit: 1024 * 1024 });
    } finally {
      writer.kill('SIGKILL');
    }
    await assert.rejects(new FilePersistence(fifo).load({ maxBytes: 0 }), RangeError);
  });

  it(
    "reads a file of up to 256 KiB without libuv's thread pool (a fresh process then starts none), a larger one through it",
    // Linux only: threads are counted in /proc/self/task, which Windows and macOS lack (the test command runs on Linux).
    { skip: process.platform !== 'linux' && 'counts threads in /proc/self/task' },
    () => {
      // CommonJS, run by plain node: an ES module's loader reads files asynchronously, which would start the pool first.
      const probe = bundleFixture('thread-pool-probe.ts', 'cjs');
      const run = (file: string): { before: number; after: number; length: number } =>
        JSON.parse(execFileSync(process.execPath, [probe, file], { encoding: 'utf8' })) as { before: number; after: number; length: number };
      const small = join(dir, 'small-cache.json');
      writeFileSync(small, 'x'.repeat(SYNC_READ_MAX_BYTES));
      const smallRun = run(small);
      assert.equal(smallRun.length, SYNC_READ_MAX_BYTES);
      assert.equal(smallRun.after, smallRun.before, 'no thread started for a small file');
      const large = join(dir, 'large-cache.json');
      writeFileSync(large, 'y'.repeat(SYNC_READ_MAX_BYTES + 1));
      const largeRun = run(large);
      assert.equal(largeRun.length, SYNC_READ_MAX_BYTES + 1);
      assert.ok(largeRun.after > largeRun.before, 'the thread pool reads a larger file');
    },
  );

  it(
    'a FIFO in place of the file does not block the event loop: it is read through the thread pool when a writer comes',
    // Windows has no mkfifo (its named pipes are not files); the Linux run of the test command runs it.
    { skip: ON_WINDOWS && WINDOWS_SKIP.fifo },
    async () => {
      const fifo = join(dir, 'later');
      execFileSync('mkfifo', [fifo]);
      // In a child: a load that blocked its thread in open() would never say "pending" (waitForLine then fails).
      const reader = startFixture('fifo-load-probe.ts', [fifo]);
      let out = '';
      reader.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      const closed = new Promise((resolve) => reader.once('close', resolve));
      try {
        await waitForLine(reader, 'pending');
        const writer = spawn('sh', ['-c', 'printf %s "{\\"a\\": 1}" > "$0"', fifo], { stdio: 'ignore' });
        await closed;
        assert.equal(out, 'pending\ncontent {"a": 1}\n');
        await exited(writer);
      } finally {
        reader.kill('SIGKILL');
      }
    },
  );

  it('a reader never sees a torn file while another process rewrites megabytes', async () => {
    const file = join(dir, 'atomic.txt');
    const size = 1_000_000;
    const writer = startFixture('worker.ts', ['save-loop', file, '40', String(size)]);
    try {
      await waitForLine(writer, 'ready');
      let reads = 0;
      let sawB = false;
      while (writer.exitCode === null) {
        const text = await readFile(file, 'utf8');
        reads++;
        const whole = text === 'A'.repeat(size) || text === 'B'.repeat(size * 2);
        assert.ok(whole, `read ${reads} saw a torn file of ${text.length} characters`);
        if (text.startsWith('B')) sawB = true;
        if (reads > 2000) break;
      }
      assert.ok(reads > 1);
      assert.ok(sawB || writer.exitCode !== null, 'the reader overlapped the writer');
      assert.equal(await exited(writer), 0);
    } finally {
      if (writer.exitCode === null) writer.kill('SIGKILL');
    }
  });
});
