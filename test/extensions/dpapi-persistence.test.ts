// FilePersistenceWithDataProtection (DPAPI) with real node.exe processes: runs in the Windows lane
// (scripts/windows-lane.sh, Windows Node.js under Wine). Wine's DPAPI keeps its own blob format, so these prove our
// use of the API, not that files from real Windows or MSAL Python can be read (docs/extensions.md).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildEncryptedPersistence, FilePersistenceWithDataProtection, PersistenceDecryptionError } from '../../src/extensions/index.js';
import { runFixture, tempDir } from './helpers.js';

const NOT_WINDOWS = process.platform !== 'win32' && 'DPAPI exists on Windows only: this suite runs in the Windows lane';

describe('FilePersistenceWithDataProtection (DPAPI)', { skip: NOT_WINDOWS }, () => {
  const { dir, cleanup } = tempDir('dpapi');
  after(cleanup);
  const SECRET = '{"RefreshToken":{"k":{"secret":"rt-ünïcødé"}}}';

  it("round-trips across processes with MSAL Python's default (no entropy) and with an entropy", async () => {
    for (const entropy of ['', 'app-entropy']) {
      const file = join(dir, `cache-${entropy || 'none'}.bin`);
      await runFixture('worker.ts', ['dpapi-save', file, entropy, SECRET]);
      assert.equal(readFileSync(file).includes(Buffer.from('rt-')), false, 'the file holds no plaintext');
      assert.equal(await new FilePersistenceWithDataProtection(file, entropy).load(), SECRET);
      // And the reverse: written here, read by another process.
      await new FilePersistenceWithDataProtection(file, entropy).save(`${SECRET} again`);
      const printed = await runFixture('worker.ts', ['dpapi-load', file, entropy]);
      assert.equal(JSON.parse(printed.trim()), `${SECRET} again`);
    }
  });

  it('a wrong entropy or a tampered file is a PersistenceDecryptionError with the Win32 status', async () => {
    const file = join(dir, 'tamper.bin');
    await new FilePersistenceWithDataProtection(file, 'right').save(SECRET);
    const wrong = await new FilePersistenceWithDataProtection(file, 'wrong').load().catch((e: unknown) => e);
    assert.ok(wrong instanceof PersistenceDecryptionError, String(wrong));
    assert.equal(wrong.code, 'persistence_decryption');
    assert.equal(typeof wrong.status, 'number');

    const blob = readFileSync(file);
    const last = blob.length - 1;
    blob.writeUInt8((blob.readUInt8(last) ^ 0xff) & 0xff, last);
    writeFileSync(file, blob);
    const tampered = await new FilePersistenceWithDataProtection(file, 'right').load().catch((e: unknown) => e);
    assert.ok(tampered instanceof PersistenceDecryptionError, String(tampered));
    assert.equal(typeof tampered.status, 'number');
  });

  it('buildEncryptedPersistence picks DPAPI, verified, with no plaintext fallback needed', async () => {
    const warnings: string[] = [];
    const persistence = await buildEncryptedPersistence(join(dir, 'built.bin'), {
      onWarning: (m) => warnings.push(m),
    });
    assert.ok(persistence instanceof FilePersistenceWithDataProtection);
    assert.equal(persistence.isEncrypted, true);
    assert.deepEqual(warnings, []);
    await persistence.save(SECRET);
    assert.equal(await persistence.load(), SECRET);
  });
});
