// LibsecretPersistence against the real Secret Service of this D-Bus session (gnome-keyring in CI), and, in private
// child sessions, a locked keyring, a session without a Secret Service and no session bus at all.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  buildEncryptedPersistence,
  FilePersistence,
  FilePersistenceWithDataProtection,
  KeychainPersistence,
  LibsecretPersistence,
  PersistenceNotFoundError,
  PersistenceUnavailableError,
} from '../../src/extensions/index.js';
import { sha256Hex } from '../../src/extensions/persistence.js';
import { assertMode, FIXTURES, KEYRING_HINT, ON_WINDOWS, PYTHON, tempDir } from './helpers.js';

const exec = promisify(execFile);

async function secretTool(...args: string[]): Promise<string> {
  const { stdout } = await exec('secret-tool', args, { timeout: 20_000 });
  return stdout;
}

interface Probe {
  ok: boolean;
  code?: string;
  reason?: string;
  message?: string;
  isEncrypted?: boolean;
  kind?: string;
  warnings?: string[];
}

/** Runs the probe in a private D-Bus session prepared by `setup` (a shell snippet), or with no session bus at all. */
async function probe(mode: string, location: string, setup: string | undefined, home: string): Promise<Probe> {
  const node = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(join(FIXTURES, 'libsecret-probe.ts'))} ${mode} ${JSON.stringify(location)}`;
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: home };
  delete env['DBUS_SESSION_BUS_ADDRESS'];
  delete env['DISPLAY'];
  delete env['WAYLAND_DISPLAY'];
  const { stdout } =
    setup === undefined
      ? await exec(process.execPath, ['--import', 'tsx', join(FIXTURES, 'libsecret-probe.ts'), mode, location], { env, timeout: 30_000 })
      : await exec('dbus-run-session', ['--', 'sh', '-c', `${setup} ${node}`], { env, timeout: 30_000 });
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `the probe printed no result: ${stdout}`);
  return JSON.parse(line) as Probe;
}

describe(
  'LibsecretPersistence (real Secret Service)',
  { skip: ON_WINDOWS && 'libsecret and D-Bus are Linux; Windows uses DPAPI (dpapi-persistence.test.ts)' },
  () => {
    const { dir, cleanup } = tempDir('libsecret');
    after(cleanup);

    before(async () => {
      const err = await new LibsecretPersistence(join(dir, 'probe.sig')).verify().catch((e: unknown) => e);
      if (err !== undefined) {
        const why = err instanceof Error ? err.message : 'unknown failure';
        throw new Error(`no usable Secret Service (${why}); ${KEYRING_HINT}`);
      }
    });

    it('stores under schema sha256(signal location as given), attributes none, and touches the 0600 signal file', async () => {
      const signal = join(dir, 'default.sig');
      const p = new LibsecretPersistence(signal);
      assert.equal(p.schemaName, sha256Hex(signal));
      assert.equal(p.isEncrypted, true);
      await assert.rejects(p.load(), PersistenceNotFoundError);
      assert.throws(() => p.timeLastModified(), PersistenceNotFoundError);
      await p.save('{"secret": "ünïcødé"}');
      assert.equal(await p.load(), '{"secret": "ünïcødé"}');
      assertMode(signal, 0o600);
      assert.equal(readFileSync(signal, 'utf8'), '', 'the signal file holds no secret');
      assert.equal((await secretTool('lookup', 'xdg:schema', p.schemaName)).trim(), '{"secret": "ünïcødé"}');
      const firstStamp = p.stamp();
      await p.save('second');
      assert.notDeepEqual(p.stamp(), firstStamp, 'the signal file changed');
      const items = await secretTool('search', '--all', 'xdg:schema', p.schemaName);
      assert.equal(items.match(/^\[/gm)?.length, 1, 'a save replaces the item');
    });

    it('hashes the location string exactly as given (before ~ expansion), as msal-extensions does', () => {
      const p = new LibsecretPersistence('~/.cache/msal-ts-test.sig');
      assert.equal(p.schemaName, sha256Hex('~/.cache/msal-ts-test.sig'));
      assert.notEqual(p.location, '~/.cache/msal-ts-test.sig');
    });

    it('uses a given schema name and attributes (+ xdg:schema), and two attribute sets are two items', async () => {
      const a = new LibsecretPersistence(join(dir, 'a.sig'), 'msal.ts.test', { app: 'a', env: 'ci' });
      const b = new LibsecretPersistence(join(dir, 'b.sig'), 'msal.ts.test', { app: 'b', env: 'ci' });
      await a.save('value-a');
      await b.save('value-b');
      assert.equal((await secretTool('lookup', 'xdg:schema', 'msal.ts.test', 'app', 'a', 'env', 'ci')).trim(), 'value-a');
      assert.equal(await b.load(), 'value-b');
      assert.throws(() => new LibsecretPersistence(join(dir, 'c.sig'), '', {}), TypeError);
    });

    it('buildEncryptedPersistence picks libsecret here, verified', async () => {
      const p = await buildEncryptedPersistence(join(dir, 'built.sig'));
      assert.ok(p instanceof LibsecretPersistence);
      assert.equal(p.isEncrypted, true);
    });

    it('Keychain and DPAPI persistences refuse clearly on Linux', () => {
      for (const make of [() => new KeychainPersistence(join(dir, 'k.sig')), () => new FilePersistenceWithDataProtection(join(dir, 'd.bin'))]) {
        assert.throws(
          make,
          (err: unknown) => err instanceof PersistenceUnavailableError && err.reason === 'platform' && /needs (macOS|Windows)/.test(err.message),
        );
      }
    });

    it('a locked keyring: a typed "locked" error that says to unlock or opt in to plaintext', async () => {
      const { dir: home, cleanup: done } = tempDir('locked');
      try {
        const setup = `printf %s pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && ${PYTHON} ${JSON.stringify(join(FIXTURES, 'lock-keyring.py'))} >/dev/null &&`;
        const out = await probe('verify', join(home, 'c.sig'), setup, home);
        assert.equal(out.ok, false);
        assert.equal(out.code, 'persistence_unavailable');
        assert.equal(out.reason, 'locked');
        assert.match(out.message ?? '', /unlock it .* or opt in to plaintext with fallbackToPlaintext/);
      } finally {
        done();
      }
    });

    it('a D-Bus session without a usable Secret Service: a typed error that says to start gnome-keyring', async () => {
      const { dir: home, cleanup: done } = tempDir('nosecrets');
      try {
        const out = await probe('verify', join(home, 'c.sig'), '', home);
        assert.equal(out.ok, false);
        assert.equal(out.code, 'persistence_unavailable');
        assert.equal(out.reason, 'no_secret_service');
        assert.match(out.message ?? '', /start gnome-keyring .* fallbackToPlaintext/);
      } finally {
        done();
      }
    });

    it('no D-Bus session at all: a typed error; buildEncryptedPersistence falls back to 0600 plaintext only when asked', async () => {
      const { dir: home, cleanup: done } = tempDir('nobus');
      try {
        const verify = await probe('verify', join(home, 'c.sig'), undefined, home);
        assert.equal(verify.ok, false);
        assert.equal(verify.reason, 'no_session_bus');
        assert.match(verify.message ?? '', /no D-Bus session bus/);

        const strict = await probe('build', join(home, 'strict.bin'), undefined, home);
        assert.equal(strict.ok, false);
        assert.equal(strict.code, 'persistence_unavailable');

        const fallback = await probe('build-fallback', join(home, 'fallback.bin'), undefined, home);
        assert.equal(fallback.ok, true);
        assert.equal(fallback.isEncrypted, false);
        assert.equal(fallback.kind, FilePersistence.name);
        assert.equal(fallback.warnings?.length, 1);
        assert.match(fallback.warnings?.[0] ?? '', /falling back to a plaintext file \(mode 0600\)/);
        assertMode(join(home, 'fallback.bin'), 0o600);
      } finally {
        done();
      }
    });
  },
);
