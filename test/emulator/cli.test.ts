import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { Agent, request } from 'undici';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, tempDir } from './helpers.js';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

describe('msal-ts command', () => {
  it('prints help and version', () => {
    const help = spawnSync(process.execPath, [...CLI, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /msal-ts <command>/);
    const version = spawnSync(process.execPath, [...CLI, '--version'], { encoding: 'utf8' });
    assert.equal(version.status, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+/);
    const bad = spawnSync(process.execPath, [...CLI, 'emulator', '--port', 'x'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--port/);
    const unknown = spawnSync(process.execPath, [...CLI, 'frobnicate'], { encoding: 'utf8' });
    assert.equal(unknown.status, 2);
  });

  it('refuses a state folder that others can write: exit code 2, naming the folder', () => {
    const dir = tempDir();
    try {
      chmodSync(dir, 0o777);
      const r = spawnSync(process.execPath, [...CLI, 'emulator', '--port', '0', '--state-dir', dir], { encoding: 'utf8' });
      assert.equal(r.status, 2, r.stderr);
      assert.ok(r.stderr.includes(dir), r.stderr);
      assert.match(r.stderr, /open to other users/);
    } finally {
      removeDir(dir);
    }
  });

  it('--emulator refuses a state file in a folder others can write (it could point the command at their server)', () => {
    const home = tempDir();
    const dir = join(home, 'shared');
    try {
      mkdirSync(dir);
      chmodSync(dir, 0o777);
      writeFileSync(
        join(dir, 'cli-emulator.json'),
        JSON.stringify({
          url: 'https://127.0.0.1:9',
          authority: 'https://127.0.0.1:9/common',
          caPath: join(dir, 'ca.pem'),
          pid: process.pid,
          publicClientId: '11111111-2222-3333-4444-555555555555',
        }),
      );
      const env = { PATH: process.env.PATH ?? '', HOME: home, XDG_CACHE_HOME: join(home, 'cache'), XDG_CONFIG_HOME: join(home, 'config') };
      const r = spawnSync(process.execPath, [...CLI, 'accounts', '--emulator', '--emulator-state-dir', dir, '--plaintext-cache'], { encoding: 'utf8', env });
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.ok(r.stderr.includes(dir), r.stderr);
      assert.match(r.stderr, /open to other users/);
    } finally {
      removeDir(home);
    }
  });

  it('runs the emulator in the foreground, prints how to use it, and stops on SIGTERM', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [...CLI, 'emulator', '--port', '0', '--state-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      await new Promise<void>((done, fail) => {
        child.stdout.on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('Press Ctrl+C to stop.')) done();
        });
        child.once('exit', (code) => fail(new Error(`exited early with ${String(code)}: ${out}`)));
      });
      const authority = /^Authority:\s+(\S+)$/m.exec(out)?.[1];
      const caPath = /^CA certificate: (\S+)$/m.exec(out)?.[1];
      assert.ok(authority && caPath, out);
      assert.match(out, /NODE_EXTRA_CA_CERTS=/);
      assert.match(out, /REQUESTS_CA_BUNDLE=/);
      assert.match(out, /emulator-daemon-secret/);
      assert.match(out, /alice@contoso\.onmicrosoft\.com/);
      const agent = new Agent({ connect: { ca: readFileSync(caPath, 'utf8') } });
      try {
        const res = await request(`${authority}/v2.0/.well-known/openid-configuration`, { dispatcher: agent });
        const body = (await res.body.json()) as Record<string, unknown>;
        assert.equal(res.statusCode, 200);
        assert.equal(body.issuer, `${authority}/v2.0`);
        // The banner hands out the admin API's per-run secret, and the API needs it.
        const adminToken = /^Admin token:\s+(\S+)$/m.exec(out)?.[1];
        assert.ok(adminToken, out);
        const admin = `${new URL(authority).origin}/_emulator/counters`;
        const withToken = await request(admin, { headers: { authorization: `Bearer ${adminToken}` }, dispatcher: agent });
        await withToken.body.dump();
        assert.equal(withToken.statusCode, 200);
        const without = await request(admin, { dispatcher: agent });
        await without.body.dump();
        assert.equal(without.statusCode, 401);
      } finally {
        await agent.close();
      }
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      removeDir(dir);
    }
  });
});
