// scripts/wine/spawn-retry-shim.cjs, which the Windows lane loads into every node.exe: a start that Wine fails with
// `spawn UNKNOWN` is retried on the same ChildProcess, whatever API started it, and nothing else changes. Runs on Linux
// with the native start made to fail (fixtures/fail-spawns.cjs); the lane itself does not run it (the shim would be
// loaded twice there).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SHIM = join(import.meta.dirname, '../../scripts/wine/spawn-retry-shim.cjs');
const FAIL = join(import.meta.dirname, 'fixtures/fail-spawns.cjs');
const STARTS = join(import.meta.dirname, 'fixtures/starts.cjs');

async function start(how: string, failures: number, withShim = true) {
  const preload = withShim ? ['--require', FAIL, '--require', SHIM] : ['--require', FAIL];
  const env = { ...process.env, FAIL_SPAWNS: String(failures), NODE_OPTIONS: '' };
  try {
    const { stdout, stderr } = await run(process.execPath, [...preload, STARTS, how], { env });
    return {
      code: 0,
      lines: stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
      stderr,
    };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, lines: [], stderr: e.stderr };
  }
}

const retries = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('[wine spawn-retry shim] spawn UNKNOWN')).length;

describe('the Windows lane shim that retries a start Wine fails with spawn UNKNOWN', () => {
  it('fails without the shim, as the lane did: the injected failure is the one Node throws', async () => {
    const r = await start('spawn', 1, false);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: spawn UNKNOWN/);
  });

  it('spawn: starts after two failures, with its pipes working, and says so twice on stderr', async () => {
    const r = await start('spawn', 2);
    assert.deepEqual(r.lines, [{ code: 0, out: 'through the pipes' }]);
    assert.equal(retries(r.stderr), 2);
  });

  it('execFile: the arguments reach the child after a failure', async () => {
    const r = await start('execFile', 1);
    assert.deepEqual(r.lines, [{ err: null, out: 'an argument\n' }]);
    assert.equal(retries(r.stderr), 1);
  });

  it('fork: the IPC channel works after a failure (its variables are not added twice)', async () => {
    const r = await start('fork', 1);
    assert.deepEqual(r.lines, [{ message: { channelFds: 1 } }, { code: 0 }]);
    assert.equal(retries(r.stderr), 1);
  });

  it('spawnSync: the input and output after two failures', async () => {
    const r = await start('spawnSync', 2);
    assert.deepEqual(r.lines, [{ err: null, code: 0, out: 'given as input' }]);
    assert.equal(retries(r.stderr), 2);
  });

  it('execFileSync and execSync: the output after a failure', async () => {
    const file = await start('execFileSync', 1);
    assert.deepEqual(file.lines, [{ out: 'an argument\n' }]);
    assert.equal(retries(file.stderr), 1);
    const shell = await start('execSync', 1);
    assert.deepEqual(shell.lines, [{ out: 'through a shell\n' }]);
    assert.equal(retries(shell.stderr), 1);
  });

  it("an ES module's import of node:child_process gets the retrying functions", async () => {
    const r = await start('esm', 1);
    assert.deepEqual(r.lines, [{ out: '1\n' }]);
    assert.equal(retries(r.stderr), 1);
  });

  it('a process that started and failed is not started again', async () => {
    const r = await start('exits-1', 0);
    assert.deepEqual(r.lines, [{ err: null, code: 1 }]);
    assert.equal(retries(r.stderr), 0);
  });

  it('gives up after three attempts, throwing what Node threw', async () => {
    const r = await start('spawn', 3);
    assert.equal(r.code, 1);
    assert.equal(retries(r.stderr), 2);
    assert.match(r.stderr, /Error: spawn UNKNOWN/);
    const sync = await start('spawnSync', 3);
    assert.equal(sync.lines[0]?.err, 'UNKNOWN'); // (no output: null or absent, by Node version)
    assert.equal(retries(sync.stderr), 2);
  });

  it('leaves other start errors alone: a missing program is ENOENT at once, not retried', async () => {
    const r = await start('missing', 0);
    assert.deepEqual(r.lines, [{ err: 'ENOENT' }]);
    assert.equal(retries(r.stderr), 0);
  });
});
