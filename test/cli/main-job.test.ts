// README's main command, `npm start`, works as written: no network, no account. Checked twice:
// - the script `npm start` runs (examples/quickstart.mjs) against this checkout's built package;
// - a fresh `git clone` of the committed tree, where `npm start` is run exactly as README says (it builds dist/ in the
//   clone, then runs the script). The clone reuses this checkout's installed packages (a symlink to each) instead of
//   `npm ci`: the tests have no network, and node_modules was installed by `npm ci` from the same package-lock.json.
//   The workspace link msal-ts-emulator points at the clone's own packages/emulator, as `npm ci` makes it. So this
//   proves that the committed files are enough to build and run; it does not re-prove that the registry serves the
//   lock file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { ensureBuilt, ON_WINDOWS, privateEnv, REPO } from './helpers.js';

const exec = promisify(execFile);

/** The steps the main job must print, in order, with what each proves. */
function checkMainJobOutput(out: string): void {
  const steps = [
    /1\. Starting the msal-ts emulator/,
    /authority: https:\/\/127\.0\.0\.1:\d+\/aaaabbbb-0000-cccc-1111-dddd2222eeee/,
    /token cache: .*token-cache\.json \(plaintext file persistence, deleted at the end\)/,
    /To sign in, use a web browser to open the page https:\/\/127\.0\.0\.1:\d+\/devicelogin and enter the code [A-Z0-9]+/,
    /Approving as alice@contoso\.onmicrosoft\.com on the emulator/,
    /signed in as alice@contoso\.onmicrosoft\.com .*token_source: identity_provider/,
    /HTTP requests the emulator saw: .*devicecode=1/,
    /token_source: cache, same token: true/,
    /HTTP requests the emulator saw: none/,
    /msal-ts token --scope User\.Read --json/,
    /token_source: cache, account: alice@contoso\.onmicrosoft\.com/,
    /HTTP requests the emulator saw: none/,
    /Done: one sign-in, then tokens from the persisted cache with no HTTP request\./,
  ];
  let rest = out;
  for (const step of steps) {
    const m = step.exec(rest);
    assert.ok(m !== null, `missing, or out of order: ${step}\n--- output ---\n${out}`);
    rest = rest.slice(m.index + m[0].length);
  }
}

/**
 * Gives `clone` a node_modules of links to this checkout's installed packages, except the workspace package
 * msal-ts-emulator, linked to the clone's own packages/emulator (which its `npm start` builds).
 */
async function linkNodeModules(clone: string): Promise<void> {
  const modules = join(clone, 'node_modules');
  await mkdir(modules);
  for (const name of await readdir(join(REPO, 'node_modules'))) {
    const target = name === 'msal-ts-emulator' ? join(clone, 'packages', 'emulator') : join(REPO, 'node_modules', name);
    await symlink(target, join(modules, name), 'dir');
  }
}

describe('the main job (npm start)', () => {
  it('examples/quickstart.mjs signs in by device code and serves tokens from the persisted cache', async () => {
    ensureBuilt();
    const { home, env } = await privateEnv();
    try {
      const { stdout } = await exec(process.execPath, ['examples/quickstart.mjs'], { cwd: REPO, env, timeout: 60_000 });
      checkMainJobOutput(stdout);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it(
    'works from a fresh clone of the committed tree with `npm start`, as README says',
    {
      skip: ON_WINDOWS && 'the Wine prefix has no git, and npm there is only the registry tarball the shim suite runs by path; the Linux run covers the clone',
    },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'msal-ts-clone-'));
      const { home, env } = await privateEnv();
      try {
        const clone = join(dir, 'msal-ts');
        await exec('git', ['clone', '--quiet', '--no-hardlinks', REPO, clone], { timeout: 60_000 });
        await linkNodeModules(clone);
        const { stdout } = await exec('npm', ['start', '--silent'], { cwd: clone, env, timeout: 180_000 });
        checkMainJobOutput(stdout);
      } finally {
        await rm(dir, { recursive: true, force: true });
        await rm(home, { recursive: true, force: true });
      }
    },
  );
});
