// The build gives the same bytes every time, wherever the checkout is, so that a release can be checked against its
// sources. It once did not: a module that the library both imports and loads on demand was now and then loaded before
// esbuild had seen the import() naming it, and the chunks differed from run to run (2 of 8 builds), and the command's
// two program files carried a random build mark (scripts/build.mjs: onDemandModules, buildMark). The old race showed in
// about one build in four, so one run of this test catches it only sometimes; what it proves every time is that the
// build does not depend on where it runs, on the time or on chance.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '../..');
/** What scripts/build.mjs reads, besides node_modules. */
const INPUTS = [
  'src',
  'scripts',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'LICENSE',
  'packages/emulator/package.json',
  'packages/emulator/README.md',
];
const OUTPUTS = ['dist', 'packages/emulator/dist'];

/** Every file under `dir`, as its path relative to `root` and the SHA-256 of its bytes. */
async function digests(root: string, dir: string, into: Map<string, string>): Promise<Map<string, string>> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await digests(root, path, into);
    else
      into.set(
        relative(root, path),
        createHash('sha256')
          .update(await readFile(path))
          .digest('hex'),
      );
  }
  return into;
}

/** Copies the build's inputs into `dir`, builds there and returns what it wrote. */
async function buildIn(dir: string): Promise<Map<string, string>> {
  for (const input of INPUTS) await cp(join(REPO, input), join(dir, input), { recursive: true });
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'junction');
  await run(process.execPath, ['scripts/build.mjs'], { cwd: dir, timeout: 300_000 });
  const out = new Map<string, string>();
  for (const output of OUTPUTS) await digests(dir, join(dir, output), out);
  return out;
}

describe('the build', () => {
  const made: string[] = [];
  after(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  it('gives the same files, byte for byte, built twice in two folders', async () => {
    const first = await mkdtemp(join(tmpdir(), 'msal-ts-build-a-'));
    const second = await mkdtemp(join(tmpdir(), 'msal-ts-build-b-'));
    made.push(first, second);
    const a = await buildIn(first);
    const deeper = join(second, 'a folder', 'deeper');
    await mkdir(deeper, { recursive: true });
    const b = await buildIn(deeper);
    assert.ok(a.size > 50, `the build wrote ${a.size} files`);
    const differing = [...new Set([...a.keys(), ...b.keys()])].filter((file) => a.get(file) !== b.get(file)).sort();
    assert.deepEqual(differing, [], 'files that differ between the two builds (or exist in one only)');
  });
});
