// The emulator's state folder holds the CA that users are told to trust: it must be private to the user running the
// emulator, and nothing another local user placed there may be loaded. Runs as root to make "another user" (65534).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, win32 } from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import { defaultStateDir } from '../../src/util/emulator-state-dir.js';
import { opensslCa, removeDir, tempDir } from './helpers.js';

const OTHER_UID = 65534;
// Files owned by another user can only be made as root. CI runs as root, so there a missing root is a failure, never a
// skip; a developer's non-root run skips these two tests and says why.
const asRoot = process.getuid?.() === 0 ? false : 'needs root to make files owned by another user';
if (asRoot !== false && process.env.CI === 'true') throw new Error(`test/emulator/state-dir.test.ts: ${asRoot}, and CI must run them`);

/** A CA whose key "the other user" holds: CA:TRUE, no name constraints, as an attacker would plant it. */
function plantCa(stateDir: string): string {
  const dir = join(stateDir, 'ca');
  mkdirSync(dir, { recursive: true });
  return opensslCa(dir, {
    subject: '/CN=planted CA',
    days: 30,
    extensions: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'],
  });
}

function isStateError(path: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.equal((err as { code?: unknown }).code, 'emulator_state');
    assert.ok(err.message.includes(path), err.message);
    return true;
  };
}

describe('emulator state folder: private to the user', () => {
  const root = tempDir();
  after(() => removeDir(root));

  it('the default is a per-user folder outside the shared temp folder', () => {
    assert.equal(defaultStateDir({ XDG_STATE_HOME: '/home/u/.state' }, 'linux'), join('/home/u/.state', 'msal-ts', 'emulator'));
    const fallback = defaultStateDir({}, 'linux');
    assert.equal(fallback, join(homedir(), '.local', 'state', 'msal-ts', 'emulator'));
    assert.ok(!fallback.startsWith(tmpdir()), fallback);
    // A relative XDG_STATE_HOME is invalid by the XDG spec and ignored.
    assert.equal(defaultStateDir({ XDG_STATE_HOME: 'rel' }, 'linux'), fallback);
    assert.equal(defaultStateDir({}, 'darwin'), join(homedir(), 'Library', 'Application Support', 'msal-ts', 'emulator'));
    assert.equal(defaultStateDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32'), win32.join('C:\\Users\\u\\AppData\\Local', 'msal-ts', 'emulator'));
  });

  it('creates a missing default folder and its parents 0700', async () => {
    const xdg = join(root, 'xdg-state');
    const saved = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = xdg;
    try {
      const emulator = await startEmulator();
      await emulator.close();
      assert.equal(emulator.stateDir, join(xdg, 'msal-ts', 'emulator'));
      assert.equal(statSync(emulator.stateDir).mode & 0o777, 0o700);
      assert.equal(statSync(join(xdg, 'msal-ts')).mode & 0o777, 0o700);
    } finally {
      if (saved === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = saved;
    }
  });

  it('refuses a state folder owned by another user, and never loads the CA planted in it', { skip: asRoot }, async () => {
    const dir = join(root, 'foreign');
    mkdirSync(dir, { mode: 0o700 });
    const planted = plantCa(dir);
    execFileSync('chown', ['-R', `${OTHER_UID}:${OTHER_UID}`, dir]);
    let loaded: string | undefined;
    await assert.rejects(
      startEmulator({ stateDir: dir }).then(async (e) => {
        loaded = e.caPem;
        await e.close();
      }),
      isStateError(dir),
    );
    assert.notEqual(loaded, planted);
  });

  it('refuses a group- or other-writable state folder', async () => {
    for (const mode of [0o770, 0o707, 0o777]) {
      const dir = join(root, `writable-${mode.toString(8)}`);
      mkdirSync(dir);
      chmodSync(dir, mode);
      await assert.rejects(
        startEmulator({ stateDir: dir }).then((e) => e.close()),
        isStateError(dir),
        mode.toString(8),
      );
    }
  });

  it('refuses a state folder that is a symbolic link', async () => {
    const target = join(root, 'link-target');
    mkdirSync(target, { mode: 0o700 });
    const link = join(root, 'link');
    symlinkSync(target, link);
    await assert.rejects(
      startEmulator({ stateDir: link }).then((e) => e.close()),
      isStateError(link),
    );
    assert.ok(lstatSync(link).isSymbolicLink());
  });

  it('never loads a CA owned by another user inside an own folder: it is replaced', { skip: asRoot }, async () => {
    const dir = join(root, 'own-with-foreign-ca');
    mkdirSync(dir, { mode: 0o700 });
    const planted = plantCa(dir);
    execFileSync('chown', ['-R', `${OTHER_UID}:${OTHER_UID}`, join(dir, 'ca')]);
    const emulator = await startEmulator({ stateDir: dir });
    await emulator.close();
    assert.notEqual(emulator.caPem, planted);
    assert.equal(statSync(join(dir, 'ca', 'cert.pem')).uid, process.getuid?.());
  });

  it('never loads a CA key that others could read or write: it is replaced', async () => {
    const dir = join(root, 'own-with-open-key');
    mkdirSync(dir, { mode: 0o700 });
    const planted = plantCa(dir);
    chmodSync(join(dir, 'ca', 'key.pem'), 0o644);
    const emulator = await startEmulator({ stateDir: dir });
    await emulator.close();
    assert.notEqual(emulator.caPem, planted);
    assert.equal(statSync(join(dir, 'ca', 'key.pem')).mode & 0o777, 0o600);
  });

  it('keeps 0600 keys in 0700 folders', async () => {
    const dir = join(root, 'fresh');
    const emulator = await startEmulator({ stateDir: dir, managedIdentity: true });
    await emulator.close();
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const sub of ['ca', 'signing', 'app-certificate', 'ssh-ca']) {
      assert.equal(statSync(join(dir, sub)).mode & 0o777, 0o700, sub);
      assert.equal(statSync(join(dir, sub, 'key.pem')).mode & 0o777, 0o600, sub);
    }
  });
});
