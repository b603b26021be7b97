// The real thing: a separate Node process started with each source's variables in its environment (as Azure sets
// them), no test seams, reading process.env by default.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { EmulatorManagedIdentitySource } from '../../src/emulator/index.js';
import { startMiTestBed, VAULT, type MiTestBed } from './helpers.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fixtures/acquire-from-env.ts', import.meta.url));

interface ChildOutput {
  source: string;
  moduleSource: string;
  result: { token_source: string; token_type: string; expires_in: number; access_token: string };
}

describe('managed identity from the real process environment', () => {
  let bed: MiTestBed;
  before(async () => {
    bed = await startMiTestBed();
    bed.clock.now = Math.floor(Date.now() / 1000);
  });
  after(async () => {
    await bed.close();
  });

  for (const source of [
    'APP_SERVICE',
    'SERVICE_FABRIC',
    'MACHINE_LEARNING',
    'CLOUD_SHELL',
    'DEFAULT_TO_VM',
  ] as const satisfies EmulatorManagedIdentitySource[]) {
    it(`${source}: detected from process.env and served by the emulator`, async () => {
      const before = bed.emulator.counters();
      const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...bed.emulator.managedIdentityEnvironment(source) };
      // The Windows lane loads its Wine TCP keep-alive shim through NODE_OPTIONS: without it no request leaves node.exe.
      if (process.env.NODE_OPTIONS !== undefined) env.NODE_OPTIONS = process.env.NODE_OPTIONS;
      const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, VAULT], { env, timeout: 30_000 });
      const out = JSON.parse(stdout.trim()) as ChildOutput;
      assert.equal(out.source, source);
      assert.equal(out.moduleSource, source);
      assert.equal(out.result.token_source, 'identity_provider');
      assert.equal(out.result.token_type, 'Bearer');
      assert.ok(out.result.expires_in > 3500 && out.result.expires_in <= 3600);
      const after = bed.emulator.counters();
      const changed = Object.keys(after).filter((k) => k.startsWith('mi-') && after[k] !== before[k]);
      assert.equal(changed.length, 1, `exactly one managed identity endpoint was used: ${changed.join(', ')}`);
    });
  }
});
