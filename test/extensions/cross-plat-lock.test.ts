// CrossPlatLock with real processes: the lock file protocol, mutual exclusion, timeouts naming a live holder, and the
// recovery of locks left by dead processes (never a live holder's).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CrossPlatLock, LockTimeoutError } from '../../src/extensions/index.js';
import { assertMode, deadPid, exited, moduleSpecifier, ON_WINDOWS, PYTHON, startFixture, tempDir, waitForLine } from './helpers.js';

/**
 * A live peer holding the OS lock (flock; LockFileEx on Windows) on `path`, as .NET or portalocker would: Python's
 * fcntl.flock on Linux, our own binding in another node.exe on Windows (no Windows Python in the Wine lane).
 */
function startOsLockHolder(path: string): ChildProcess {
  if (ON_WINDOWS) return startFixture('worker.ts', ['os-lock-hold', path]);
  return spawn(PYTHON, [
    '-c',
    'import fcntl,sys,time\nf=open(sys.argv[1],"rb")\nfcntl.flock(f,fcntl.LOCK_EX)\nprint("flocked",flush=True)\ntime.sleep(60)',
    path,
  ]);
}

/** Whether another process finds the OS lock on `path` free or busy (see {@link startOsLockHolder}). */
function probeOsLock(path: string): ChildProcess {
  if (ON_WINDOWS) return startFixture('worker.ts', ['os-lock-probe', path]);
  const probe = `import fcntl,sys\nf=open(sys.argv[1],"rb")\ntry:\n  fcntl.flock(f,fcntl.LOCK_EX|fcntl.LOCK_NB); print("free")\nexcept OSError: print("busy")`;
  return spawn(PYTHON, ['-c', probe, path]);
}

function age(path: string, seconds: number): void {
  const t = Date.now() / 1000 - seconds;
  utimesSync(path, t, t);
}

describe('CrossPlatLock', () => {
  const { dir, cleanup } = tempDir('lock');
  after(cleanup);

  it('writes "<pid> <argv[1]>" into a 0600 lock file and removes it on release', async () => {
    const path = join(dir, 'a', 'cache.json.lockfile');
    const lock = new CrossPlatLock(path);
    const held = await lock.acquire();
    // The peers' line first (they only check that the file exists; a pid first is what a human or a tool expects),
    // then the identity line that tells where that pid means something.
    const [first, identity, rest] = readFileSync(path, 'utf8').split('\n');
    assert.equal(first, `${process.pid} ${process.argv[1] ?? ''}`);
    // Boot id, PID namespace and start time come from /proc: Linux only ('-' elsewhere). flock=1 is LockFileEx on Windows.
    const fields = process.platform === 'linux' ? 'boot=\\S+ pidns=\\S+ start=\\S+' : 'boot=- pidns=- start=-';
    assert.match(identity ?? '', new RegExp(`^msal-ts-lock/1 host=\\S+ ${fields} flock=1 nonce=[0-9a-f]{16}$`));
    assert.equal(rest, '');
    assertMode(path, 0o600);
    assert.equal(held.recoveredStale, false);
    await held.release();
    await held.release();
    assert.equal(existsSync(path), false);
  });

  it('releases through await using', async () => {
    const path = join(dir, 'using.lockfile');
    {
      await using held = await new CrossPlatLock(path).acquire();
      assert.ok(existsSync(path));
      void held;
    }
    assert.equal(existsSync(path), false);
  });

  it('times out with LockTimeoutError naming a live holder, and never breaks its lock', async () => {
    const path = join(dir, 'held.lockfile');
    const holder = startFixture('worker.ts', ['hold-lock', path]);
    try {
      const line = await waitForLine(holder, 'held');
      const pid = Number(line.split(' ')[1]);
      age(path, 3600);
      const err = await new CrossPlatLock(path, { timeoutMs: 300, retryDelayMs: 20, staleAfterMs: 1000 }).acquire().catch((e: unknown) => e);
      assert.ok(err instanceof LockTimeoutError, String(err));
      assert.equal(err.code, 'lock_timeout');
      assert.equal(err.holderPid, pid);
      assert.match(err.message, /delete the lock file/);
      assert.equal(readFileSync(path, 'utf8').split(' ')[0], String(pid), 'the live holder keeps its lock');
    } finally {
      holder.kill('SIGKILL');
      await exited(holder);
    }
  });

  it('recovers at once a lock whose holder was SIGKILLed', async () => {
    const path = join(dir, 'killed.json.lockfile');
    const holder = startFixture('worker.ts', ['hold-lock', path]);
    const pid = Number((await waitForLine(holder, 'held')).split(' ')[1]);
    holder.kill('SIGKILL');
    await exited(holder);
    assert.ok(existsSync(path), 'the killed holder left its lock file');
    // What a process killed mid-save or mid-acquire leaves behind, and a live process's file that must stay.
    const orphans = [join(dir, `.killed.json.${pid}.0a1b.tmp`), join(dir, `killed.json.lockfile.${pid}.0a1b.tmp`)];
    const live = join(dir, `.killed.json.${process.pid}.0a1b.tmp`);
    for (const f of [...orphans, live]) writeFileSync(f, 'partial');
    const held = await new CrossPlatLock(path, { timeoutMs: 2000 }).acquire();
    assert.equal(held.recoveredStale, true);
    for (const f of orphans) assert.equal(existsSync(f), false, `${f} was swept`);
    assert.ok(existsSync(live), "a live process's temporary file stays");
    assert.equal(readFileSync(path, 'utf8').split(' ')[0], String(process.pid));
    await held.release();
  });

  it('recovers a lock naming a dead pid, and one naming our own pid that we do not hold (pid reuse)', async () => {
    for (const pid of [await deadPid(), process.pid]) {
      const path = join(dir, `pid-${pid}.lockfile`);
      writeFileSync(path, `${pid} some-script.py`, { mode: 0o600 });
      const held = await new CrossPlatLock(path, { timeoutMs: 2000 }).acquire();
      assert.equal(held.recoveredStale, true);
      await held.release();
    }
  });

  it('recovers a lock file with no pid only once it is older than staleAfterMs', async () => {
    const path = join(dir, 'empty.lockfile');
    writeFileSync(path, '');
    const young = await new CrossPlatLock(path, { timeoutMs: 200, retryDelayMs: 20, staleAfterMs: 60_000 }).acquire().catch((e: unknown) => e);
    assert.ok(young instanceof LockTimeoutError);
    assert.equal(young.holderPid, undefined);
    age(path, 120);
    const held = await new CrossPlatLock(path, { timeoutMs: 2000, staleAfterMs: 60_000 }).acquire();
    assert.equal(held.recoveredStale, true);
    await held.release();
  });

  it('does not break a lock file whose holder still holds flock, even if the pid in it is dead', async () => {
    const path = join(dir, 'flocked.lockfile');
    writeFileSync(path, `${await deadPid()} dead`);
    age(path, 3600);
    // A live process (as .NET or portalocker would) holds flock on the file.
    const py = startOsLockHolder(path);
    try {
      await waitForLine(py, 'flocked');
      const err = await new CrossPlatLock(path, { timeoutMs: 300, retryDelayMs: 20, staleAfterMs: 1000 }).acquire().catch((e: unknown) => e);
      assert.ok(err instanceof LockTimeoutError, String(err));
      assert.ok(existsSync(path));
    } finally {
      py.kill('SIGKILL');
      await exited(py);
    }
    const held = await new CrossPlatLock(path, { timeoutMs: 2000 }).acquire();
    assert.equal(held.recoveredStale, true, 'recovered once the flock holder is gone');
    await held.release();
  });

  it('takes flock on the lock file, so a flock-only peer (.NET, portalocker) waits for it', async () => {
    const path = join(dir, 'peer.lockfile');
    const held = await new CrossPlatLock(path).acquire();
    const busy = await new Promise<string>((resolve) => {
      const py = probeOsLock(path);
      let out = '';
      py.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      py.on('close', () => resolve(out.trim())); // not 'exit', which can come before the answer has been read
    });
    await held.release();
    assert.equal(busy, 'busy');
  });

  it('serializes processes: 4 writers x 25 read-increment-write cycles lose no increment', async () => {
    const counter = join(dir, 'counter.txt');
    writeFileSync(counter, '0');
    const children = [0, 1, 2, 3].map(() =>
      spawn(process.execPath, [
        '--import',
        'tsx',
        '-e',
        `import { CrossPlatLock } from ${JSON.stringify(moduleSpecifier(join(import.meta.dirname, '../../src/extensions/index.ts')))};
         import { readFileSync, writeFileSync } from 'node:fs';
         const lock = new CrossPlatLock(${JSON.stringify(counter + '.lockfile')}, { retryDelayMs: 5 });
         for (let i = 0; i < 25; i++) await lock.withLock(async () => {
           const n = Number(readFileSync(${JSON.stringify(counter)}, 'utf8'));
           await new Promise((r) => setImmediate(r));
           writeFileSync(${JSON.stringify(counter)}, String(n + 1));
         });`,
      ]),
    );
    const codes = await Promise.all(children.map(exited));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    assert.equal(readFileSync(counter, 'utf8'), '100');
  });

  it('rejects bad options before any I/O', () => {
    assert.throws(() => new CrossPlatLock(''), TypeError);
    assert.throws(() => new CrossPlatLock('x', { timeoutMs: -1 }), RangeError);
    assert.throws(() => new CrossPlatLock('x', { retryDelayMs: 0 }), RangeError);
  });
});
