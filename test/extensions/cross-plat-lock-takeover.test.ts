// CrossPlatLock under attack, with real processes: stale-lock takeover never lets two holders in (waiters racing over
// crashed holders' locks), a live holder is never broken (however old its file, even from another PID namespace), a
// stale lock that cannot be removed ends in LockTimeoutError on time, and a missing flock is a visible fallback.
// The cases that need root (another user, a PID namespace) skip without it, but fail under CI=true.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { CrossPlatLock, LockTimeoutError } from '../../src/extensions/index.js';
import { breakerBase, takeOver, type SeenLock } from '../../src/extensions/lock-takeover.js';
import { bundleFixture, closed, deadPid, exited, tempDir, waitForLine } from './helpers.js';

const MODES = [
  { name: 'flock', flock: true },
  { name: 'no-flock', flock: false },
] as const;

function canUnshare(): boolean {
  try {
    execFileSync('unshare', ['-pf', '--mount-proc', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Skips a test that needs root (or `unshare`), except under CI=true, where the CI machine has it and a skip would hide a hole. */
function requireRoot(t: TestContext, alsoUnshare = false): boolean {
  if (process.platform === 'win32') {
    // Checked before CI=true's "CI has root": these tests need another uid or a PID namespace, which Windows lacks.
    t.skip('another user (setuid) and PID namespaces (unshare) are POSIX; Windows has neither');
    return false;
  }
  const missing = process.getuid?.() !== 0 ? 'root' : alsoUnshare && !canUnshare() ? 'unshare -pf (PID namespaces)' : undefined;
  if (missing === undefined) return true;
  if (process.env.CI === 'true') assert.fail(`this test needs ${missing}, which CI has`);
  t.skip(`needs ${missing}`);
  return false;
}

/** Runs the probe and resolves with its first stdout line parsed as JSON; kills it after `killAfterMs`. */
function probe(bundle: string, args: readonly string[], options: { uid?: number; killAfterMs: number }): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // 'close', not 'exit': the probe prints its answer and exits at once, and 'exit' can come before it has been read.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n')[0] ?? '';
      if (line === '') reject(new Error(`probe gave no answer (exit ${code}, ${signal}) within ${options.killAfterMs} ms; stderr: ${err}`));
      else resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
}

/**
 * The stress run's plan, by count and never by time: workers that SIGKILL themselves while they hold the lock, each at
 * a chosen acquisition (1 to 4), then workers that take it `acquisitions` times and finish, SLOTS of them at once.
 * node.exe under Wine takes seconds to start, so the Windows lane runs fewer crashers: still every crash deterministic.
 */
const STRESS = process.platform === 'win32' ? { crashers: 3, finishers: 5, acquisitions: 5 } : { crashers: 20, finishers: 5, acquisitions: 50 };
const SLOTS = 5;

describe('CrossPlatLock takeover', () => {
  const { dir, cleanup } = tempDir('lock-takeover');
  let bundle = '';
  before(() => {
    bundle = bundleFixture('lock-probe.ts');
    chmodSync(dir, 0o755);
  });
  after(cleanup);

  for (const mode of MODES) {
    it(`N waiters over holders killed while holding: never two holders at once, each crashed lock recovered (${mode.name})`, async () => {
      const lockfile = join(dir, `stress-${mode.name}.lockfile`);
      const marker = join(dir, `stress-${mode.name}.inside`);
      const plans = [
        ...Array.from({ length: STRESS.crashers }, (_, i) => ({ acquisitions: (i % 4) + 1, crashAt: (i % 4) + 1 })),
        ...Array.from({ length: STRESS.finishers }, () => ({ acquisitions: STRESS.acquisitions, crashAt: 0 })),
      ];
      const expected = plans.reduce((sum, p) => sum + p.acquisitions, 0);
      let acquisitions = 0;
      let overlaps = 0;
      let crashes = 0;
      let finished = 0;
      // Each slot runs the next planned worker until none is left; a crashed holder's lock is left to the others.
      const runSlot = async (): Promise<void> => {
        for (let plan = plans.shift(); plan !== undefined; plan = plans.shift()) {
          const args = [bundle, 'stress', lockfile, marker, mode.flock ? '1' : '0', String(plan.acquisitions), String(plan.crashAt)];
          const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          // 'close', not 'exit': a crasher prints its report and SIGKILLs itself at once, and 'exit' can come before
          // the report has been read from the pipe.
          const { code, signal } = await closed(child);
          const match = /^(crash|done) (\d+) (\d+)$/m.exec(out);
          assert.ok(match !== null, `a worker ended without a report (exit code ${code}, signal ${signal}): ${out}`);
          assert.equal(match[1], plan.crashAt > 0 ? 'crash' : 'done', out);
          acquisitions += Number(match[2]);
          overlaps += Number(match[3]);
          if (match[1] === 'crash') crashes++;
          else finished++;
        }
      };
      await Promise.all(Array.from({ length: SLOTS }, runSlot));
      assert.equal(crashes, STRESS.crashers, 'every crasher died holding the lock');
      assert.equal(finished, STRESS.finishers, 'every other worker took the lock as often as planned');
      assert.equal(acquisitions, expected);
      assert.equal(overlaps, 0, `${overlaps} acquisitions overlapped another holder, in ${acquisitions} (${crashes} crashes)`);
      // The last crashed holder's lock may have outlived every worker: this process must get it too.
      const held = await new CrossPlatLock(lockfile, { flock: mode.flock, timeoutMs: 30_000 }).acquire();
      await held.release();
    });

    it(`a live holder's lock is never broken, however old its file (${mode.name})`, async () => {
      const lockfile = join(dir, `old-${mode.name}.lockfile`);
      const holder = spawn(process.execPath, [bundle, 'hold', lockfile, mode.flock ? '1' : '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const pid = Number((await waitForLine(holder, 'held')).split(' ')[1]);
        const content = readFileSync(lockfile, 'utf8');
        const t = Date.now() / 1000 - 3600;
        utimesSync(lockfile, t, t);
        const err = await new CrossPlatLock(lockfile, { flock: mode.flock, timeoutMs: 500, retryDelayMs: 10, staleAfterMs: 1000 })
          .acquire()
          .catch((e: unknown) => e);
        assert.ok(err instanceof LockTimeoutError, String(err));
        assert.equal(err.holderPid, pid);
        assert.equal(err.reason, 'holder_alive');
        assert.equal(readFileSync(lockfile, 'utf8'), content, 'the holder keeps its lock file');
      } finally {
        holder.kill('SIGKILL');
        await exited(holder);
      }
    });

    it(`a holder in another PID namespace is never broken (${mode.name})`, async (t) => {
      if (!requireRoot(t, true)) return;
      const lockfile = join(dir, `pidns-${mode.name}.lockfile`);
      // Inside the namespace the holder gets a pid that names no process here, so a local pid lookup calls it dead.
      const pid = await deadPid();
      const script = `echo ${pid - 1} > /proc/sys/kernel/ns_last_pid && "$0" "$@"; :`;
      const holder: ChildProcess = spawn(
        'unshare',
        ['-pf', '--mount-proc', '--kill-child', 'sh', '-c', script, process.execPath, bundle, 'hold', lockfile, mode.flock ? '1' : '0'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      try {
        assert.equal(Number((await waitForLine(holder, 'held')).split(' ')[1]), pid, 'the holder has the chosen pid in its namespace');
        const content = readFileSync(lockfile, 'utf8');
        assert.equal(content.split(' ')[0], String(pid));
        const err = await new CrossPlatLock(lockfile, { flock: mode.flock, timeoutMs: 1500, retryDelayMs: 10, staleAfterMs: 200 })
          .acquire()
          .catch((e: unknown) => e);
        assert.ok(err instanceof LockTimeoutError, String(err));
        assert.equal(readFileSync(lockfile, 'utf8'), content, 'the holder keeps its lock file');
        assert.equal(holder.exitCode, null, 'the holder still runs');
      } finally {
        holder.kill('SIGKILL');
        await exited(holder);
      }
    });

    it(`a stale lock owned by another user ends in LockTimeoutError within timeoutMs + 1 s, saying why (${mode.name})`, async (t) => {
      if (!requireRoot(t)) return;
      // A sticky, world-writable directory (like /tmp): only a file's owner may remove it.
      const sticky = join(dir, `sticky-${mode.name}`);
      mkdirSync(sticky);
      chmodSync(sticky, 0o1777);
      const lockfile = join(sticky, 'cache.json.lockfile');
      writeFileSync(lockfile, `${await deadPid()} other-user.py`, { mode: 0o644 });
      chownSync(lockfile, 65533, 65533);
      const timeoutMs = 1000;
      const answer = await probe(bundle, ['try', lockfile, mode.flock ? '1' : '0', String(timeoutMs)], { uid: 65534, killAfterMs: 20_000 });
      assert.equal(answer.outcome, 'error', JSON.stringify(answer));
      assert.equal(answer.code, 'lock_timeout', JSON.stringify(answer));
      assert.equal(answer.reason, 'not_removable');
      assert.match(String(answer.message), /cannot be removed .*uid 65533/);
      assert.ok(Number(answer.elapsedMs) <= timeoutMs + 1000, `ended after ${String(answer.elapsedMs)} ms`);
      assert.ok(existsSync(lockfile));
    });
  }

  /** Writes a lock file naming a dead process and returns it as a waiter would have judged it. */
  async function staleLock(path: string): Promise<SeenLock> {
    writeFileSync(path, `${await deadPid()} crashed.py`, { mode: 0o600 });
    const st = statSync(path, { bigint: true });
    return { dev: st.dev, ino: st.ino, text: readFileSync(path, 'utf8') };
  }

  it('a waiter acting on an outdated judgement never removes the lock file now in place (the check-then-unlink race)', async () => {
    const lockfile = join(dir, 'outdated.lockfile');
    const seen = await staleLock(lockfile);
    // Meanwhile another waiter removed that file and a live process took the lock.
    unlinkSync(lockfile);
    const holder = spawn(process.execPath, [bundle, 'hold', lockfile, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitForLine(holder, 'held');
      const fresh = readFileSync(lockfile, 'utf8');
      assert.deepEqual(await takeOver(lockfile, seen, undefined, 30_000), { kind: 'changed' });
      assert.equal(readFileSync(lockfile, 'utf8'), fresh, 'the live holder keeps its lock file');
    } finally {
      holder.kill('SIGKILL');
      await exited(holder);
    }
  });

  it('only one waiter at a time may remove a stale lock: a live breaker is respected, a dead one superseded', async () => {
    const lockfile = join(dir, 'breakers.lockfile');
    const seen = await staleLock(lockfile);
    const first = `${breakerBase(lockfile, seen)}1`;
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 60_000)']);
    try {
      writeFileSync(first, `${other.pid} another-waiter`);
      const busy = await takeOver(lockfile, seen, undefined, 30_000);
      assert.equal(busy.kind, 'busy');
      assert.ok(existsSync(lockfile), 'left to the waiter that holds the breaker');
    } finally {
      other.kill('SIGKILL');
      await exited(other);
    }
    // That waiter died holding its breaker: the next one takes the next generation, and cleans up both.
    assert.deepEqual(await takeOver(lockfile, seen, undefined, 30_000), { kind: 'removed' });
    assert.equal(existsSync(lockfile), false);
    assert.equal(existsSync(first), false);
    assert.equal(existsSync(`${breakerBase(lockfile, seen)}2`), false);
  });

  it('falls back to O_EXCL alone, visibly, when flock cannot be loaded (one process warning, a logged warning)', async () => {
    // A copy of the bundle outside node_modules cannot resolve koffi: what an install without the native module sees.
    const alone = join(dir, 'no-koffi');
    mkdirSync(alone);
    const copy = join(alone, 'lock-probe.mjs');
    copyFileSync(bundle, copy);
    const answer = await probe(copy, ['fallback', join(alone, 'cache.json.lockfile')], { killAfterMs: 30_000 });
    assert.deepEqual(answer.warnings, ['MSAL_TS_LOCK_NO_FLOCK'], 'one process warning, however many locks');
    const logged = answer.logged as { level: string; flock?: string }[];
    const warnings = logged.filter((l) => l.level === 'warning');
    assert.equal(warnings.length, 2, 'each lock logs the fallback once');
    assert.ok(warnings.every((w) => w.flock === 'unavailable'));
    assert.equal(existsSync(join(alone, 'cache.json.lockfile')), false, 'the lock still works and was released');
  });
});
