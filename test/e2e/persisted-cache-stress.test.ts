// Many msal-ts processes on one persisted token cache (bounded, loopback only): no lost update, a lock holder killed
// with SIGKILL does not stall the others beyond the recovery bound, and a writer killed mid-write never leaves a file
// that fails to parse.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FilePersistence, PersistedTokenCache } from '../../src/extensions/index.js';
import { exited, startFixture, tempDir, waitForLine } from '../extensions/helpers.js';

const ctx = { clientId: 'stress', partition: { kind: 'any' } } as const;

function secrets(file: string): Set<string> {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { AccessToken?: Record<string, { secret: string }> };
  return new Set(Object.values(doc.AccessToken ?? {}).map((e) => e.secret));
}

describe('persisted token cache under multi-process stress', () => {
  const { dir, cleanup } = tempDir('stress');
  after(cleanup);

  it('8 processes x 25 writes into one cache lose no update', async () => {
    const file = join(dir, 'eight.json');
    const children = Array.from({ length: 8 }, (_, i) => startFixture('worker.ts', ['cache-writer', file, `w${i}`, '25']));
    const stderr = children.map(() => '');
    children.forEach((c, i) => c.stderr?.on('data', (d: Buffer) => (stderr[i] += d.toString())));
    assert.deepEqual(await Promise.all(children.map(exited)), Array(8).fill(0), stderr.join('\n'));
    const all = secrets(file);
    const missing: string[] = [];
    for (let w = 0; w < 8; w++) for (let i = 0; i < 25; i++) if (!all.has(`w${w}-secret-${i}`)) missing.push(`w${w}-${i}`);
    assert.deepEqual(missing, []);
  });

  it('a writer SIGKILLed while holding the lock is recovered from by waiters well within their 10 s timeout', async () => {
    const file = join(dir, 'killed-holder.json');
    const holder = startFixture('worker.ts', ['die-in-write', file]);
    await waitForLine(holder, 'in-write');
    // Waiters with a lock timeout far below the 30 s age rule: only the dead-pid check can let them through.
    const waiters = [0, 1, 2].map((i) => startFixture('worker.ts', ['cache-writer', file, `after${i}`, '10', '10000']));
    await Promise.all(waiters.map((w) => waitForLine(w, 'started')));
    holder.kill('SIGKILL');
    await exited(holder);
    const stderr = waiters.map(() => '');
    waiters.forEach((c, i) => c.stderr?.on('data', (d: Buffer) => (stderr[i] += d.toString())));
    assert.deepEqual(await Promise.all(waiters.map(exited)), [0, 0, 0], stderr.join('\n'));
    assert.equal(secrets(file).size, 30);
  });

  it('writers SIGKILLed at random moments mid-write never leave a file that fails to parse, nor lose saved tokens', async () => {
    const file = join(dir, 'mid-write.json');
    let known = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const writer = startFixture('worker.ts', ['cache-writer', file, `r${round}`, '400']);
      await waitForLine(writer, 'started');
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 300));
      writer.kill('SIGKILL');
      await exited(writer);
      const cache = new PersistedTokenCache(new FilePersistence(file), { lock: { timeoutMs: 10_000 } });
      await cache.beforeRead(ctx);
      // A writer killed before its first save (a slow start on a loaded machine) leaves no file yet: nothing to lose.
      const now = existsSync(file) ? secrets(file) : new Set<string>();
      for (const s of known) assert.ok(now.has(s), `token ${s} was lost`);
      // The next writer gets the lock even if the killed one held it.
      await cache.write(ctx, () => cache.removeTokensForClient('nobody', ['login.microsoftonline.com']));
      known = now;
    }
    assert.ok(known.size > 0);
  });
});
