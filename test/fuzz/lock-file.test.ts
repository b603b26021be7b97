// Lock-file contents, through CrossPlatLock's public API only: whatever an existing lock file holds ("<pid> <argv>"
// with live, dead, own, absurd or missing pids, or any bytes) and however old it is, acquire() gets the lock or throws
// LockTimeoutError, and a lock it could not take is left as it was.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { LockTimeoutError } from '../../src/errors.js';
import { CrossPlatLock } from '../../src/extensions/cross-plat-lock.js';
import { fuzz, only, runs } from './budget.js';

const BUDGET = { ci: 20, fuzz: 400, long: 3000 } as const;
const dir = mkdtempSync(join(tmpdir(), 'msal-ts-fuzz-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Above any pid_max: no such process.
const DEAD = 4_194_305;
const pid = fc.oneof(
  fc.constantFrom(process.pid, 1, DEAD, 0, -1, 2 ** 31, 2 ** 53 + 1).map(String),
  fc.constantFrom('NaN', '1e3', '0x10', '+1', '', ' '),
  fc.integer().map(String),
);
const contents = fc.oneof(
  fc.tuple(pid, fc.constantFrom(' ', '  ', '\t', '\n', ''), fc.string({ maxLength: 40 })).map(([p, sep, argv]) => Buffer.from(`${p}${sep}${argv}`, 'utf8')),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.string({ unit: 'binary', maxLength: 60 }).map((s) => Buffer.from(s, 'utf8')),
);

describe(`fuzzing lock-file contents (${runs(BUDGET)} lock files)`, () => {
  it('acquire gets the lock or throws LockTimeoutError; a lock it could not take is left as it was', async () => {
    let n = 0;
    await fuzz(
      'lock-file',
      fc.asyncProperty(contents, fc.constantFrom(0, 5_000, 3_600_000), fc.constantFrom(10, 60_000), fc.boolean(), async (bytes, ageMs, staleAfterMs, flock) => {
        const path = join(dir, `cache-${n++}.json.lockfile`);
        writeFileSync(path, bytes, { mode: 0o600 });
        const then = (Date.now() - ageMs) / 1000;
        utimesSync(path, then, then);
        const lock = new CrossPlatLock(path, { timeoutMs: 40, retryDelayMs: 5, staleAfterMs, flock });
        let handle: Awaited<ReturnType<CrossPlatLock['acquire']>> | undefined;
        const err = await only([LockTimeoutError], async () => {
          handle = await lock.acquire();
        });
        if (handle !== undefined) {
          await handle.release();
          // Released means gone: the next process gets it at once.
          await (await new CrossPlatLock(path, { timeoutMs: 40 }).acquire()).release();
        } else {
          assert.ok(err instanceof LockTimeoutError);
          assert.deepEqual(readFileSync(path), bytes);
        }
        rmSync(path, { force: true });
      }),
      BUDGET,
    );
  });
});
