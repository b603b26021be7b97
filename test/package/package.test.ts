// The package as npm would publish it: what `npm pack` puts in the tarball, the built bin's execute bit, and a
// consumer project that installs the tarball (with the msal-ts-emulator package beside it), type-checks imports of
// every subpath export under each TypeScript module resolution (ESM and CommonJS), then runs an ESM and a CommonJS
// program with node. Packs once per run. test/package/emulator-package.test.ts covers the split between the two.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import ts from 'typescript';
import { EMULATOR_PACKAGE_DIR, ensureBuilt, installConsumer, pack, REPO, type Packed } from './consumer.js';

const exec = promisify(execFile);

interface PackageJson {
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
  bin: Record<string, string>;
  [field: string]: unknown;
}
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as PackageJson;
/** The built file an export of package.json points at. */
function exportTarget(entry: string): string {
  const target = pkg.exports[entry];
  return typeof target === 'string' ? target : (target?.default ?? '');
}
const ENTRY_FILES = Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [] : [e.types, e.default]));

// The consumer's sources: every subpath export, its values and its types, and the Azure SDK's TokenCredential type.
const IMPORTS = `
import { ConfidentialClientApplication, VERSION, type AuthenticationResult } from 'msal-ts';
import { FilePersistence, type Persistence } from 'msal-ts/extensions';
import { InMemoryDistributedCacheStore, type DistributedCacheStore } from 'msal-ts/distributed';
import { DEFAULT_IDS, startEmulator, type Emulator } from 'msal-ts-emulator';
import { asTokenCredential, CredentialUnavailableError, type AccessToken } from 'msal-ts/azure';
import type { TokenCredential } from '@azure/core-auth';
`;
const BODY = `
const app = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
  authority: 'https://login.microsoftonline.com/' + DEFAULT_IDS.tenantId,
  clientCredential: 'not-used',
});
const credential: TokenCredential = asTokenCredential(app);
const store: DistributedCacheStore = new InMemoryDistributedCacheStore();
const persistence: Persistence = new FilePersistence('/nonexistent/cache.json');
const token = (r: AuthenticationResult): AccessToken => ({ token: r.access_token, expiresOnTimestamp: 0 });
const emulator: Emulator | undefined = undefined;
// Each line below must be a type error, which it is only if that subpath's types resolved (not \`any\`). Never called.
export function typeErrors(): void {
  // @ts-expect-error scopes are strings
  void app.acquireTokenForClient([42]);
  // @ts-expect-error a Persistence's load() resolves a string
  const loaded: Promise<number> = persistence.load();
  // @ts-expect-error get() takes a key string
  void store.get(1);
  // @ts-expect-error startEmulator's options are an object
  void startEmulator(1);
  // @ts-expect-error the reason is a union of strings
  const reason: number = new CredentialUnavailableError('no_account', 'none').reason;
  void [loaded, reason];
}
console.log(JSON.stringify({
  version: VERSION,
  getToken: typeof credential.getToken,
  store: typeof store.get,
  persistence: typeof persistence.load,
  token: typeof token,
  startEmulator: typeof startEmulator,
  emulator: emulator === undefined,
  unavailable: new CredentialUnavailableError('no_account', 'none').name,
}));
`;

/** One consumer tsconfig: the module kind and resolution, and the files it compiles. */
interface Setup {
  module: string;
  moduleResolution: string;
  files: string[];
}

// Parsed once for every setup: the standard library and @types/node are most of the work (keyed by the module format
// a file is read as, which differs between setups).
const parsedFiles = new Map<string, ts.SourceFile>();

function compile(dir: string, setup: Setup, outDir?: string): string[] {
  const parsed = ts.parseJsonConfigFileContent(
    {
      compilerOptions: {
        module: setup.module,
        moduleResolution: setup.moduleResolution,
        target: 'es2022',
        strict: true,
        types: ['node'],
        // Declaration files are not re-checked (as most consumers set); the @ts-expect-error lines in the consumer
        // prove that msal-ts's types resolved, since an unresolved type would be \`any\` and those lines unused.
        skipLibCheck: true,
        ...(outDir === undefined ? { noEmit: true } : { outDir }),
      },
      files: setup.files,
    },
    ts.sys,
    dir,
  );
  assert.deepEqual(parsed.errors, [], 'the tsconfig is valid');
  const host = ts.createCompilerHost(parsed.options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, version, onError, shouldCreate) => {
    const format = typeof version === 'object' ? `${version.languageVersion}:${version.impliedNodeFormat ?? ''}` : String(version);
    const key = `${fileName}|${format}`;
    const shared = fileName.includes('/node_modules/') ? parsedFiles.get(key) : undefined;
    if (shared !== undefined) return shared;
    const file = read(fileName, version, onError, shouldCreate);
    if (file !== undefined && fileName.includes('/node_modules/')) parsedFiles.set(key, file);
    return file;
  };
  const program = ts.createProgram(parsed.fileNames, parsed.options, host);
  const emitted = outDir === undefined ? [] : program.emit().diagnostics;
  return [...ts.getPreEmitDiagnostics(program), ...emitted].map(
    (d) => `${d.file?.fileName.slice(dir.length + 1) ?? ''} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
  );
}

describe('the published package', () => {
  let dir: string;
  let consumer: string;
  let packed: Packed;

  before(async () => {
    ensureBuilt(ENTRY_FILES);
    dir = await mkdtemp(join(tmpdir(), 'msal-ts-pack-'));
    packed = await pack(dir);
    const emulator = await pack(dir, EMULATOR_PACKAGE_DIR);
    consumer = join(dir, 'consumer');
    await installConsumer(consumer, packed.tarball, ['typescript', '@types/node', '@azure/core-auth'], emulator.tarball);
    writeFileSync(join(consumer, 'esm.mts'), IMPORTS + BODY);
    writeFileSync(join(consumer, 'cjs.cts'), IMPORTS + BODY);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('npm pack holds only dist, README.md, LICENSE, docs (without docs/api) and package.json', () => {
    const paths = packed.files.map((f) => f.path);
    const stray = paths.filter((p) => !/^(dist\/|docs\/[^/]+\.md$|README\.md$|LICENSE$|package\.json$)/.test(p));
    assert.deepEqual(stray, []);
    for (const required of ['LICENSE', 'README.md', 'package.json', 'docs/azure.md', ...ENTRY_FILES.map((f) => f.replace(/^\.\//, ''))]) {
      assert.ok(paths.includes(required), `${required} is in the tarball`);
    }
    assert.ok(!paths.some((p) => p.startsWith('docs/api/')));
    const bin = packed.files.find((f) => f.path === 'dist/cli.cjs');
    assert.equal(bin?.mode, 0o755, 'the bin is packed executable');
  });

  it('package.json is ready to publish: licence, keywords, engines, public provenance-attested publishConfig', () => {
    assert.equal(pkg['license'], 'MIT');
    assert.match(readFileSync(join(REPO, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) 2026 the msal-ts authors\n/);
    assert.deepEqual(pkg['publishConfig'], { access: 'public', provenance: true });
    assert.ok(Array.isArray(pkg['keywords']) && pkg['keywords'].length > 0);
    assert.deepEqual(pkg['engines'], { node: '^20.19.0 || >=22.12.0' });
    assert.deepEqual(pkg.bin, { 'msal-ts': './dist/cli.cjs' });
  });

  it('runtime dependencies are exactly undici and koffi, each justified in docs/design.md, with no install script of its own', () => {
    const packedPkg = JSON.parse(readFileSync(join(consumer, 'node_modules', 'msal-ts', 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(packedPkg['dependencies'] as Record<string, string>).sort(), ['koffi', 'undici']);
    assert.equal(packedPkg['optionalDependencies'], undefined);
    // msal-ts-emulator is an optional peer: `msal-ts emulator` loads it on demand (test/package/emulator-package.test.ts).
    assert.deepEqual(Object.keys(packedPkg['peerDependencies'] as Record<string, string>), ['@redis/client', 'msal-ts-emulator']);
    const scripts = (packedPkg['scripts'] ?? {}) as Record<string, string>;
    for (const hook of ['preinstall', 'install', 'postinstall']) assert.equal(scripts[hook], undefined, `no ${hook} script`);
    const design = readFileSync(join(REPO, 'docs', 'design.md'), 'utf8');
    for (const name of ['undici', 'koffi', '@redis/client', 'msal-ts-emulator'])
      assert.ok(design.includes(`\n| \`${name}\` `), `${name} has a row in docs/design.md`);
  });

  it('the built code imports no package but node: builtins, its two dependencies, and the emulator on demand', () => {
    // @redis/client is never imported: the caller passes its client in.
    const allowed = new Set(['koffi', 'undici', 'msal-ts-emulator']);
    const imported = new Set<string>();
    for (const file of packed.files.filter((f) => /\.c?js$/.test(f.path))) {
      const code = readFileSync(join(consumer, 'node_modules', 'msal-ts', file.path), 'utf8');
      // The emulator package: only the command's program (`msal-ts emulator`, in the program's second file, which holds
      // what a token served from the cache never runs), only by a dynamic import.
      // (In the program, import() of a package is spelled importModule(): scripts/build.mjs.)
      if (/\b(?:import|importModule)\s*\(\s*["']msal-ts-emulator["']\s*\)/.test(code)) assert.equal(file.path, 'dist/cli-apart.cjs');
      assert.doesNotMatch(code, /(\bfrom\s*|\bimport\s*|\brequire\s*\(\s*)["']msal-ts-emulator["']/, `${file.path} imports msal-ts-emulator statically`);
      // (Also `createRequire(import.meta.url)("koffi")`, under whatever name the bundle gives createRequire, and in the
      // CommonJS program as `createRequire(importMeta.url)`.)
      for (const m of code.matchAll(
        /(?:\bfrom\s*|\b(?:import|importModule)\s*\(\s*|\brequire\s*\(\s*|[\w$]+\((?:import\.meta\.url|importMeta\.url)\)\(|\bimport\s+)["']([^"'./][^"']*)["']/g,
      )) {
        const specifier = m[1] ?? '';
        if (!specifier.startsWith('node:')) imported.add(specifier);
      }
    }
    assert.deepEqual(
      [...imported].filter((name) => !allowed.has(name)),
      [],
    );
    assert.ok(imported.has('undici') && imported.has('koffi') && imported.has('msal-ts-emulator'), 'the scan sees the packages it allows');
  });

  it('every class and function an entry point exports reports its own name (error names, stack frames, instanceof messages)', async () => {
    // The bundles keep no names (scripts/build.mjs): a class that names itself inside its body would be emitted as
    // `class _Name` and report that, and an error's `name` is its class's.
    for (const entry of Object.keys(pkg.exports).filter((e) => e !== './package.json')) {
      const url = pathToFileURL(join(consumer, 'node_modules', 'msal-ts', exportTarget(entry))).href;
      const namespace = (await import(url)) as Record<string, unknown>;
      const exported = Object.entries(namespace).flatMap(([name, value]) => (typeof value === 'function' ? [[name, value.name] as const] : []));
      assert.ok(exported.length > 0, `${entry} exports functions`);
      assert.deepEqual(
        exported.filter(([name, own]) => own !== name).map(([name, own]) => `${name} reports ${own}`),
        [],
        entry,
      );
    }
  });

  it('every relative import in the packed .d.ts files names a packed file, and no CLI-only declarations are packed', () => {
    // The build drops declarations no export reaches; this proves it dropped none that one does. (The consumer
    // compiles below use skipLibCheck, which would hide a missing file as \`any\`.)
    const paths = new Set(packed.files.map((f) => f.path));
    const declarations = [...paths].filter((p) => p.endsWith('.d.ts'));
    const missing: string[] = [];
    for (const file of declarations) {
      const text = readFileSync(join(consumer, 'node_modules', 'msal-ts', file), 'utf8');
      for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = posix.normalize(posix.join(posix.dirname(file), (m[1] ?? '').replace(/\.js$/, '.d.ts')));
        if (!paths.has(target)) missing.push(`${file} -> ${target}`);
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(declarations.length > 50, 'the scan sees the declarations');
    assert.deepEqual(
      declarations.filter((p) => p.startsWith('dist/types/cli/')),
      [],
    );
  });

  it('the built bin (dist/cli.cjs) is executable and runs by itself', async () => {
    const cli = join(REPO, 'dist', 'cli.cjs');
    assert.equal(statSync(cli).mode & 0o111, 0o111, 'dist/cli.cjs has its execute bits');
    const { stdout } = await exec(cli, ['--version'], { timeout: 30_000 }); // no `node` in front: the shebang and the bit
    assert.equal(stdout.trim(), pkg.version);
  });

  it('a consumer type-checks every subpath export from ESM under module node16; CommonJS there gets TS1479 only', () => {
    // module node16 models Node versions that could not require() an ES module: CommonJS consumers need node20 or
    // nodenext (below), which model Node >= 20.19 / 22.12, where require(esm) works.
    const errors = compile(consumer, { module: 'node16', moduleResolution: 'node16', files: ['esm.mts', 'cjs.cts'] });
    assert.deepEqual(
      errors.filter((e) => !e.startsWith('cjs.cts TS1479: ')),
      [],
    );
    assert.equal(errors.length, 5, 'one per entry point imported: four of msal-ts, one of msal-ts-emulator');
  });

  const clean: Array<[string, Setup]> = [
    [
      'ESM and CommonJS, module node20 (TypeScript >= 5.9) with moduleResolution node16',
      { module: 'node20', moduleResolution: 'node16', files: ['esm.mts', 'cjs.cts'] },
    ],
    ['ESM and CommonJS, moduleResolution bundler', { module: 'esnext', moduleResolution: 'bundler', files: ['esm.mts', 'cjs.cts'] }],
  ];
  for (const [name, setup] of clean) {
    it(`a consumer type-checks every subpath export: ${name}`, () => {
      assert.deepEqual(compile(consumer, setup), []);
    });
  }

  it('a consumer type-checks every subpath export under module nodenext (TypeScript >= 5.8), and node runs it as ESM and as CommonJS (require of an ES module, Node >= 20.19)', async () => {
    const out = join(consumer, 'out');
    assert.deepEqual(compile(consumer, { module: 'nodenext', moduleResolution: 'nodenext', files: ['esm.mts', 'cjs.cts'] }, out), []);
    const expected = {
      version: pkg.version,
      getToken: 'function',
      store: 'function',
      persistence: 'function',
      token: 'function',
      startEmulator: 'function',
      emulator: true,
      unavailable: 'CredentialUnavailableError',
    };
    for (const file of ['esm.mjs', 'cjs.cjs']) {
      const { stdout, stderr } = await exec(process.execPath, [join(out, file)], { cwd: consumer, timeout: 30_000 });
      assert.deepEqual(JSON.parse(stdout), expected, `${file}: ${stderr}`);
    }
    assert.match(readFileSync(join(out, 'cjs.cjs'), 'utf8'), /require\("msal-ts\/azure"\)/, 'the CommonJS build really requires');
  });
});
