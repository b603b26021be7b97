// The Node.js versions msal-ts runs on: package.json's engines names them, and on a Node outside them (one without
// process.getBuiltinModule, which every built file loads Node's modules through: before 20.16, 21.x, 22.0 to 22.2) the
// built package refuses at import, saying which Node it needs, and the command says so in one line with exit code 2.
// Without the check the import succeeded there and the first call failed as a PersistenceAccessError ("cannot examine
// the cache file") or a TypeError. Such a Node is stood in for by deleting process.getBuiltinModule before anything
// loads; scripts/node-lanes.sh runs the built package on real Node binaries at each supported line's lowest version.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { EMULATOR_PACKAGE_DIR, ensureBuilt, REPO } from './consumer.js';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
const ENTRIES = ['index.js', 'extensions.js', 'azure.js', 'distributed.js'];
const NEEDS = `msal-ts needs Node.js ${pkg.engines.node}; this process runs Node.js ${process.version}`;

describe('Node.js versions', () => {
  let dir: string;
  let olderNode: string;

  before(async () => {
    ensureBuilt([...ENTRIES, 'cli.cjs'].map((f) => `dist/${f}`));
    dir = await mkdtemp(join(tmpdir(), 'msal-ts-node-versions-'));
    olderNode = join(dir, 'older-node.cjs');
    writeFileSync(olderNode, 'delete process.getBuiltinModule;\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("the emulator package declares the same engines as msal-ts (package.test.ts pins msal-ts's)", () => {
    const emulator = JSON.parse(readFileSync(join(EMULATOR_PACKAGE_DIR, 'package.json'), 'utf8')) as { engines: unknown };
    assert.deepEqual(emulator.engines, pkg.engines);
  });

  for (const entry of ENTRIES) {
    it(`importing dist/${entry} on an older Node fails at once, saying which Node it needs, quoting one short line`, () => {
      const url = pathToFileURL(join(REPO, 'dist', entry)).href;
      const r = spawnSync(process.execPath, ['--require', olderNode, '--input-type=module', '-e', `await import(${JSON.stringify(url)});`], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 1, r.stderr);
      assert.ok(r.stderr.includes(`Error: ${NEEDS}`), r.stderr);
      // Node quotes the line that threw above its report: the check's own line, not a whole minified file.
      assert.ok(r.stderr.length < 2_000, `a short report, not the minified file (${r.stderr.length} characters)`);
    });
  }

  it('a CommonJS require() of msal-ts on an older Node throws the same error', () => {
    const code = `try { require(${JSON.stringify(join(REPO, 'dist', 'index.js'))}); } catch (e) { process.stdout.write(e.message); }`;
    const r = spawnSync(process.execPath, ['--require', olderNode, '-e', code], { encoding: 'utf8' });
    // Caught where Node lets it be; Node 22.12's require of an ES module lets an error of its evaluation escape the
    // catch, and the process ends with it (the node lanes run this test there too).
    assert.ok(r.status === 0 ? r.stdout === NEEDS : r.stderr.includes(`Error: ${NEEDS}`), `${r.status}: ${r.stdout}${r.stderr}`);
  });

  it('the msal-ts command on an older Node says which Node it needs in one line, and exits 2', () => {
    for (const args of [['--version'], ['token', '--scope', 'https://graph.microsoft.com/.default']]) {
      const r = spawnSync(process.execPath, ['--require', olderNode, join(REPO, 'dist', 'cli.cjs'), ...args], { encoding: 'utf8' });
      assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `msal-ts: needs Node.js ${pkg.engines.node}; this is Node.js ${process.version}\n`);
    }
  });

  it('on this Node (inside engines) every entry point imports and the command runs', () => {
    for (const entry of ENTRIES) {
      const url = pathToFileURL(join(REPO, 'dist', entry)).href;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(url)});`], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${entry}: ${r.stderr}`);
    }
    const r = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.cjs'), '--version'], { encoding: 'utf8' });
    assert.equal(r.stdout, `${pkg.version}\n`);
  });
});
