// The package split of issue 13: the emulator ships as its own package, msal-ts-emulator (packages/emulator), and the
// msal-ts tarball carries none of its code and no test code. Both are packed from this checkout and extracted into
// consumer projects as npm installs them: msal-ts alone (where `msal-ts emulator` must say what to install), msal-ts
// with msal-ts-emulator (where it runs), and msal-ts-emulator alone (which needs nothing else).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EMULATOR_PACKAGE_DIR, ensureBuilt, extractPackage, installConsumer, pack, REPO, type Packed } from './consumer.js';

const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

function files(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return files(p, suffix);
    return name.endsWith(suffix) ? [p] : [];
  });
}

/** The names of the functions and classes that the TypeScript files under `dirs` declare at the start of a line. */
function declaredNames(paths: string[]): Set<string> {
  const names = new Set<string>();
  const declaration = /^(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\*?|(?:abstract\s+)?class)\s+([A-Za-z_$][\w$]*)/gm;
  for (const file of paths) for (const m of readFileSync(file, 'utf8').matchAll(declaration)) names.add(m[1] ?? '');
  return names;
}

/**
 * The functions and classes declared in `only` and nowhere in `rest`, leaving out names that `rest` also writes as a
 * string literal: a minified bundle registers each name as `f(x,"name")`, which a call with that string would match.
 */
function namesOnlyIn(only: string[], rest: string[]): string[] {
  const others = declaredNames(rest);
  const text = rest.map((f) => readFileSync(f, 'utf8')).join('\n');
  return [...declaredNames(only)].filter((n) => !others.has(n) && !text.includes(`'${n}'`) && !text.includes(`"${n}"`));
}

/** Whether built code defines `name`: `function name`, `class name`, `name=class`, or `f(x,"name")` (keepNames). */
function defines(code: string, name: string): boolean {
  const escaped = name.replace(/\$/g, '\\$');
  return new RegExp(`\\(\\w+,"${escaped}"\\)|\\b(function|class) ${escaped}\\b|\\b${escaped}=class\\b`).test(code);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runNode(args: string[], cwd: string): Run {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** GETs a URL over HTTPS trusting only `ca`; resolves the status and the parsed JSON body. */
function getJson(url: string, ca: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    }).on('error', reject);
  });
}

describe('msal-ts and msal-ts-emulator, packed apart', () => {
  let dir = '';
  let msalTs: Packed;
  let emulator: Packed;
  const project = (name: string): string => join(dir, name);

  before(async () => {
    ensureBuilt(['dist/cli.cjs', 'packages/emulator/dist/index.js']);
    dir = await mkdtemp(join(tmpdir(), 'msal-ts-emulator-pack-'));
    msalTs = await pack(dir);
    emulator = await pack(dir, EMULATOR_PACKAGE_DIR);
    await installConsumer(project('without'), msalTs.tarball, []);
    await installConsumer(project('with'), msalTs.tarball, [], emulator.tarball);
    await extractPackage(join(project('alone'), 'node_modules'), 'msal-ts-emulator', emulator.tarball);
    writeFileSync(join(project('alone'), 'package.json'), JSON.stringify({ name: 'emulator-alone', private: true, type: 'module' }));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("msal-ts-emulator packs only its dist, README.md, LICENSE and package.json, at msal-ts's version, with no dependencies", () => {
    const paths = emulator.files.map((f) => f.path);
    assert.deepEqual(
      paths.filter((p) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(p)),
      [],
    );
    for (const required of ['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/types/emulator/index.d.ts']) {
      assert.ok(paths.includes(required), `${required} is in the tarball`);
    }
    const pkg = JSON.parse(readFileSync(join(project('alone'), 'node_modules', 'msal-ts-emulator', 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(pkg['name'], 'msal-ts-emulator');
    assert.equal(pkg['version'], VERSION);
    assert.equal(pkg['license'], 'MIT');
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) assert.equal(pkg[field], undefined, `no ${field}`);
    const msalPkg = JSON.parse(readFileSync(join(project('without'), 'node_modules', 'msal-ts', 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual((msalPkg['peerDependencies'] as Record<string, string>)['msal-ts-emulator'], VERSION, 'msal-ts asks for the emulator of its own version');
    assert.deepEqual((msalPkg['peerDependenciesMeta'] as Record<string, unknown>)['msal-ts-emulator'], { optional: true }, 'npm does not install it unasked');
  });

  it("the msal-ts tarball holds none of the emulator's code, and neither tarball holds code only the tests declare", () => {
    const src = files(join(REPO, 'src'), '.ts');
    const emulatorSrc = src.filter((f) => f.startsWith(join(REPO, 'src', 'emulator') + '/'));
    const emulatorOnly = namesOnlyIn(
      emulatorSrc,
      src.filter((f) => !emulatorSrc.includes(f)),
    );
    const testOnly = namesOnlyIn(files(join(REPO, 'test'), '.ts'), src);
    const code = (p: Packed, name: string): string[] =>
      p.files.filter((f) => f.path.endsWith('.js')).map((f) => readFileSync(join(project('with'), 'node_modules', name, f.path), 'utf8'));
    const msalTsCode = code(msalTs, 'msal-ts');
    const emulatorCode = code(emulator, 'msal-ts-emulator');

    assert.deepEqual(
      emulatorOnly.filter((n) => msalTsCode.some((c) => defines(c, n))),
      [],
    );
    assert.deepEqual(
      msalTs.files.filter((f) => f.path.startsWith('dist/types/emulator/')),
      [],
    );
    assert.deepEqual(
      testOnly.filter((n) => [...msalTsCode, ...emulatorCode].some((c) => defines(c, n))),
      [],
    );
    // The scans see what they look for: the emulator's code is in its own package (bar what its bundle left out as
    // unused), and the test code declares names of its own.
    const found = emulatorOnly.filter((n) => emulatorCode.some((c) => defines(c, n)));
    assert.ok(found.includes('startEmulator') && found.length > emulatorOnly.length * 0.9, `${found.length} of ${emulatorOnly.length} found`);
    assert.ok(testOnly.length > 100, `${testOnly.length} test-only names`);
  });

  it('msal-ts emulator without msal-ts-emulator installed: exit code 2 (usage), saying what to install', () => {
    const cli = join(project('without'), 'node_modules', 'msal-ts', 'dist', 'cli.cjs');
    const r = runNode([cli, 'emulator', '--port', '0', '--state-dir', join(dir, 'never-made')], project('without'));
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      new RegExp(`needs the msal-ts-emulator package, which is not installed .*npm install msal-ts-emulator@${VERSION.replace(/\./g, '\\.')}`),
    );
    assert.equal(existsSync(join(dir, 'never-made')), false, 'nothing was started');
    // Its help needs no emulator.
    const help = runNode([cli, 'emulator', '--help'], project('without'));
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: msal-ts emulator/);
  });

  it('msal-ts emulator with msal-ts-emulator installed: serves discovery over HTTPS, stops on SIGTERM with exit code 0', async () => {
    const cli = join(project('with'), 'node_modules', 'msal-ts', 'dist', 'cli.cjs');
    const child = spawn(process.execPath, [cli, 'emulator', '--port', '0', '--state-dir', join(dir, 'state')], {
      cwd: project('with'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          if (stdout.includes('Press Ctrl+C')) resolve(stdout);
        });
        void exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)));
      });
      const url = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] ?? '';
      const caPath = /CA certificate: (.+)/.exec(banner)?.[1] ?? '';
      const { status, body } = await getJson(`${url}/common/v2.0/.well-known/openid-configuration`, readFileSync(caPath, 'utf8'));
      assert.equal(status, 200);
      assert.equal(body['token_endpoint'], `${url}/common/oauth2/v2.0/token`);
    } finally {
      child.kill('SIGTERM');
      const code = await exited;
      clearTimeout(guard);
      assert.equal(code, 0, stderr);
    }
    assert.match(stdout, /Emulator stopped\.\n$/);
  });

  it('msal-ts-emulator runs without msal-ts: a program imports it, starts it and stops it', () => {
    writeFileSync(
      join(project('alone'), 'main.mjs'),
      `import { DEFAULT_IDS, EmulatorStateError, startEmulator } from 'msal-ts-emulator';
const emulator = await startEmulator({ stateDir: process.argv[2] });
const ok = emulator.authority.endsWith('/' + DEFAULT_IDS.tenantId) && typeof EmulatorStateError === 'function';
await emulator.close();
console.log(JSON.stringify({ ok }));
`,
    );
    assert.equal(existsSync(join(project('alone'), 'node_modules', 'msal-ts')), false);
    const r = runNode(['main.mjs', join(dir, 'alone-state')], project('alone'));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { ok: true });
  });
});
