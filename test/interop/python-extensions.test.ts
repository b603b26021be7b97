// msal-ts/extensions shares its stores with Debian's MSAL Python msal-extensions 1.0: a libsecret item stored by one is
// loaded by the other, and both write one persisted cache file concurrently (3 Python + 3 Node processes, 40 tokens
// each) without losing a token. Runs in the suite's D-Bus session with an unlocked gnome-keyring.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FilePersistence, LibsecretPersistence, PersistedTokenCache } from '../../src/extensions/index.js';
import { tokenEvent } from '../extensions/fixtures/events.js';
import { exited, KEYRING_HINT, PYTHON, tempDir, waitForLine } from '../extensions/helpers.js';

const exec = promisify(execFile);
const PEER = join(import.meta.dirname, 'fixtures', 'msal-extensions-peer.py');
const WORKER = join(import.meta.dirname, '..', 'extensions', 'fixtures', 'worker.ts');

async function python(...args: string[]): Promise<string> {
  try {
    const { stdout } = await exec(PYTHON, [PEER, ...args], { timeout: 60_000 });
    return stdout;
  } catch (err) {
    throw new Error(`MSAL Python's msal-extensions failed (${KEYRING_HINT})`, { cause: err });
  }
}

describe('interop with MSAL Python msal-extensions 1.0', () => {
  const { dir, cleanup } = tempDir('py-ext');
  after(cleanup);

  it('a libsecret item stored by Python (default schema) is loaded by msal-ts, and the reverse', async () => {
    const signal = join(dir, 'default.sig');
    await python('libsecret-save', signal, '', '{}', 'from-python ünï');
    const ours = new LibsecretPersistence(signal);
    assert.equal(await ours.load(), 'from-python ünï');
    await ours.save('from-msal-ts ødé');
    const back = JSON.parse(await python('libsecret-load', signal, '', '{}')) as { value: string };
    assert.equal(back.value, 'from-msal-ts ødé');
  });

  it('the same with a custom schema name and attributes (Azure CLI style)', async () => {
    const signal = join(dir, 'custom.sig');
    const attributes = { type: 'token cache', env: 'ci' };
    await python('libsecret-save', signal, 'msal-ts interop', JSON.stringify(attributes), 'py-custom');
    const ours = new LibsecretPersistence(signal, 'msal-ts interop', attributes);
    assert.equal(await ours.load(), 'py-custom');
    await ours.save('ts-custom');
    assert.equal((JSON.parse(await python('libsecret-load', signal, 'msal-ts interop', JSON.stringify(attributes))) as { value: string }).value, 'ts-custom');
    // Different attributes are a different item.
    const other = new LibsecretPersistence(signal, 'msal-ts interop', { type: 'token cache', env: 'prod' });
    await assert.rejects(other.load(), { code: 'persistence_not_found' });
  });

  it('3 Python + 3 msal-ts processes writing one persisted cache concurrently keep all 240 tokens', async () => {
    const file = join(dir, 'shared_cache.json');
    const count = 40;
    const children = [
      ...[0, 1, 2].map((i) => spawn(PYTHON, [PEER, 'cache-writer', file, `py${i}`, String(count)])),
      ...[0, 1, 2].map((i) => spawn(process.execPath, ['--import', 'tsx', WORKER, 'cache-writer', file, `ts${i}`, String(count)])),
    ];
    const stderr: string[] = children.map(() => '');
    children.forEach((c, i) => c.stderr?.on('data', (d: Buffer) => (stderr[i] += d.toString())));
    const codes = await Promise.all(children.map(exited));
    assert.deepEqual(codes, [0, 0, 0, 0, 0, 0], stderr.join('\n'));
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { AccessToken: Record<string, { secret: string }> };
    const secrets = new Set(Object.values(doc.AccessToken).map((e) => e.secret));
    const missing: string[] = [];
    for (const prefix of ['py0', 'py1', 'py2', 'ts0', 'ts1', 'ts2']) {
      for (let i = 0; i < count; i++) if (!secrets.has(`${prefix}-secret-${i}`)) missing.push(`${prefix}-${i}`);
    }
    assert.deepEqual(missing, [], `lost ${missing.length} of 240 tokens`);
    assert.equal(secrets.size, 240);
  });

  // The mtime trap (docs/extensions.md): a Python reader whose _last_sync lags by 1 s misses a write whose file mtime is
  // the present, and its next locked write drops that token. Dating our mtime 2 s ahead makes it reload.
  for (const [lead, kept] of [
    [undefined, true],
    [0, false],
  ] as const) {
    it(`a lagging msal-extensions reader ${kept ? 'keeps' : 'loses (lead 0: the trap shown)'} a token msal-ts wrote meanwhile`, async () => {
      const file = join(dir, `trap-${lead ?? 'default'}.json`);
      const ours = new PersistedTokenCache(new FilePersistence(file, { mtimeLeadMs: lead }));
      const ctx = { clientId: 'c', partition: { kind: 'any' } } as const;
      await ours.write(ctx, () => ours.add(tokenEvent('https://before.example/.default', 'ts-before')));
      const reader = spawn(PYTHON, [PEER, 'lagging-reader', file, '1.0']);
      try {
        await waitForLine(reader, 'synced');
        await ours.write(ctx, () => ours.add(tokenEvent('https://meanwhile.example/.default', 'ts-meanwhile')));
        reader.stdin.end('go\n');
        const seen = JSON.parse(await waitForLine(reader, '[')) as string[];
        assert.equal(await exited(reader), 0);
        assert.equal(seen.includes('ts-meanwhile'), kept);
        const doc = JSON.parse(readFileSync(file, 'utf8')) as { AccessToken: Record<string, { secret: string }> };
        const secrets = Object.values(doc.AccessToken).map((e) => e.secret);
        assert.ok(secrets.includes('python-after'));
        assert.equal(secrets.includes('ts-meanwhile'), kept);
      } finally {
        if (reader.exitCode === null) reader.kill('SIGKILL');
      }
    });
  }
});
