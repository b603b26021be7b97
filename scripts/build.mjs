// Builds dist/: one ESM bundle per entry point (a CLI pays its import cost on every run, and one bundle loads about
// three times faster than per-file ESM), shared code split into chunks, runtime dependencies left external, then the
// .d.ts files from tsc. Node's heavier built-in modules are loaded on first use (see lazyBuiltins), and the bundles
// are minified in whitespace and syntax only: identifiers keep their source names, so stack traces and error names read
// as in the source without esbuild's keepNames, whose hundreds of name-setting calls a fresh process paid at import.
import { build, version as esbuildVersion } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { buildEmulatorPackage, emulatorAsPackage } from './build-emulator.mjs';
import { COMMONJS_BUNDLE, lazyBuiltins } from './build-common.mjs';

/** msal-ts/extensions' sources, which the plugins below keep on their entry's side of the chunks. */
const EXTENSIONS_DIR = resolve('src/extensions') + '/';
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const NODE_CHECK =
  "if (typeof process.getBuiltinModule !== 'function') " +
  `throw new Error(${JSON.stringify(`msal-ts needs Node.js ${pkg.engines.node}; this process runs Node.js `)} + process.version);`;
rmSync('dist', { recursive: true, force: true });

/** The library's ES bundles: what they are built from, and how their modules are found (onDemandModules reads the same). */
const ES_GRAPH = {
  entryPoints: {
    index: 'src/index.ts',
    distributed: 'src/distributed/index.ts',
    extensions: 'src/extensions/index.ts',
    azure: 'src/azure/index.ts',
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  packages: 'external',
};
const result = await build({
  ...ES_GRAPH,
  target: 'node20.19',
  chunkNames: 'chunks/[name]-[hash]',
  define: { __MSAL_TS_VERSION__: JSON.stringify(pkg.version) },
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: false,
  keepNames: false,
  // Every file first refuses a Node without process.getBuiltinModule (before 20.16 and 22.3, outside package.json's
  // engines), through which each loads Node's modules (lazyBuiltins below): importing msal-ts there then fails at once,
  // saying which Node it needs, where a first call would fail as a persistence or network error. On a line of its own,
  // so that Node's report of the uncaught error quotes that line and not the whole minified file. The command checks
  // for itself (src/cli/main.ts), to say it in one line and exit 2.
  banner: { js: NODE_CHECK },
  plugins: [lazyBuiltins(), emulatorAsPackage(), oneCoreChunk(await onDemandModules())],
  logLevel: 'warning',
  // Which source files each output holds, for scripts/hit-closure.mjs (kept out of dist/, so never packed).
  metafile: true,
});
mkdirSync('build', { recursive: true });
writeFileSync('build/metafile.json', JSON.stringify(result.metafile));

/** One CommonJS file in dist/ (`<name>.cjs`), bundled whole, in the style of the ES bundles above. */
function buildCommonJs(name, entry, options) {
  return build({
    entryPoints: { [name]: entry },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    ...COMMONJS_BUNDLE,
    ...options,
  });
}

// The CLI's program (src/cli/program.ts and all it runs, the library included) as CommonJS, which dist/cli.cjs compiles
// through its code cache (src/cli/code-cache.ts): V8 code of ES modules cannot be kept on Node 20, and a script's can,
// including the functions a command compiled while it ran. The program never shares objects with an application, so
// its own copy of the library is no dual-package hazard.
// The program is two files. What a token served from the cache never runs (the sign-in flows, the network half, the
// lock's work...: every module the program imports on demand but those in PROGRAM_CORE_ON_DEMAND) is the second,
// dist/cli-apart.cjs, which the first loads when a command first needs one of them, with a code cache of its own (the
// bin's loadPart, src/cli/main.ts). A hit then reads, copies and deserializes less of the program (213 of 337 KB):
// measured on `msal-ts token` from a cached token (Node 20), 57 page faults and 1.7 M instructions fewer, 1.5 to 2 ms
// (BENCHMARKS.md). The second file shares the first one's modules, never copies them: it reaches each through
// `programLink.core(name)`, an object of getters for the first file's bindings of that module (errors are told apart
// by class, caches hold state). Built in three passes: the first file without the second, to learn which modules it
// holds; the second file, its imports of those modules pointed at the first; the first again, handing out the
// bindings the second imports.
const PROGRAM_APART_FILE = 'cli-apart.cjs';
/** This build's mark, which the second file checks the first one hands it. */
const PROGRAM_BUILD = buildMark();
/** On-demand modules that stay in the first file: each command's own code, and what a hit reads the cache through. */
const PROGRAM_CORE_ON_DEMAND = [
  'src/cli/token-commands.ts',
  'src/cli/account-commands.ts',
  'src/app/public-client-application.ts',
  'src/extensions/build-encrypted-persistence.ts',
  'src/extensions/file-persistence.ts',
  'src/extensions/persisted-token-cache.ts',
  'src/extensions/libsecret.ts',
].map((f) => resolve(f));
const apartNames = new Set();
const programFirst = (coreNames) =>
  buildCommonJs(
    'cli-core',
    'src/cli/program.ts',
    programOptions([lazyBuiltins(), emulatorAsPackage(), programCore(coreNames, apartNames)], coreNames !== undefined),
  );
const firstPass = await programFirst(undefined);
const inFirst = new Set(
  Object.keys(firstPass.metafile.inputs)
    .filter((f) => f.startsWith('src/'))
    .map((f) => resolve(f)),
);
const coreNames = new Set();
// The second file checks first, before any of its modules runs, that the first file is of the same build: an upgrade
// that replaced the files while a command ran would otherwise fail later, on a module the first does not hand out.
const sameBuild = `if(programLink?.build!==${JSON.stringify(PROGRAM_BUILD)})throw new Error(\`msal-ts: \${__filename} is not of the build of the program that loads it; reinstall msal-ts\`);`;
await buildCommonJs(
  'cli-apart',
  'program-apart',
  programOptions([lazyBuiltins(), emulatorAsPackage(), programApart(inFirst, apartNames, coreNames)], true, sameBuild),
);
await programFirst(await exportsOf([...coreNames].sort()));
for (const file of ['dist/cli-core.cjs', `dist/${PROGRAM_APART_FILE}`]) finishProgramFile(file);

/**
 * esbuild's options for either program file; `firstStatement` runs before anything else in the file. Identifiers are
 * not minified, as in the ES bundles: minified, classes and functions would need esbuild's keepNames (errors are named
 * after their class), whose Object.defineProperty of each name turns each function's properties into a dictionary.
 * Measured on `msal-ts token` from a cached token (Node 20): 1.6 million instructions, 22 page faults and 16 KB of
 * code cache fewer than minified with keepNames.
 */
function programOptions(plugins, write, firstStatement = '') {
  return {
    define: { __MSAL_TS_VERSION__: JSON.stringify(pkg.version), 'import.meta.url': 'importMeta.url' },
    // koffi is loaded with createRequire(import.meta.url), which a CommonJS file spells from its own path, on first
    // use: pathToFileURL compiles much of Node's URL code, about 0.8 million instructions a run that loads no koffi
    // would pay. The wrapper (PROGRAM_HEAD and PROGRAM_TAIL in src/cli/code-cache.ts, which refuses a file without
    // them) is in the file, so that the file's text is the script V8 compiles, not a concatenation it must first copy
    // flat.
    banner: {
      js:
        '(function (exports, require, module, __filename, __dirname, importModule, programLink) {"use strict";' +
        firstStatement +
        'var importMeta={get url(){return require("node:url").pathToFileURL(__filename).href}};',
    },
    footer: { js: '})' },
    plugins,
    metafile: true,
    write,
  };
}

/**
 * The first file's side: an on-demand import of a module of the second file (its name added to `apartNames`) becomes
 * a request to the second file (loaded once, through the bin's `programLink.loadPart`), which is handed, as `core`, the
 * namespaces of the first file's modules it named (`coreNames`; undefined in the first pass, which only learns what
 * the first file holds).
 */
function programCore(coreNames, apartNames) {
  return {
    name: 'program-core',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const path = sourcePath(args.resolveDir, args.path);
        if (path === undefined || PROGRAM_CORE_ON_DEMAND.includes(path)) return undefined;
        apartNames.add(relativeName(path));
        return { path: relativeName(path), namespace: 'program-apart-ref' };
      });
      b.onResolve({ filter: /^msal-ts-program:apart$/ }, () => ({ path: 'apart', namespace: 'program-apart-loader' }));
      b.onLoad({ filter: /.*/, namespace: 'program-apart-ref' }, (args) => ({
        contents: `module.exports = require("msal-ts-program:apart").apartModule(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
      b.onLoad({ filter: /.*/, namespace: 'program-apart-loader' }, () => {
        // Named imports, and objects of getters made when the second file is first loaded: an `import * as` would make
        // esbuild build each module's namespace object at the program's start, on every run.
        const modules = coreNames ?? [];
        const lines = modules.map(
          ([name, names], k) => `import { ${names.map((n, j) => `${n} as m${k}_${j}`).join(', ')} } from ${JSON.stringify(resolve(name))};`,
        );
        const getters = ([name, names], k) => `${JSON.stringify(name)}: { ${names.map((n, j) => `get ${n}() { return m${k}_${j}; }`).join(', ')} }`;
        lines.push(
          `const core = () => ({ ${modules.map(getters).join(', ')} });`,
          'let apart;',
          'export function apartModule(name) {',
          '  if (apart === undefined) {',
          '    const modules = core();',
          `    apart = programLink.loadPart(${JSON.stringify(PROGRAM_APART_FILE)}, { build: ${JSON.stringify(PROGRAM_BUILD)}, core: (n) => modules[n] }).modules;`,
          '  }',
          '  const found = apart[name];',
          "  if (found === undefined) throw new Error(`msal-ts: ${name} is not in the program's second file`);",
          '  return found;',
          '}',
        );
        return { contents: lines.join('\n'), loader: 'js', resolveDir: resolve('.') };
      });
    },
  };
}

/**
 * The second file's side: its entry holds the modules the first file imports on demand from it (`apartNames`); an
 * import of a module the first file holds (`inFirst`) becomes `programLink.core(name)`, and the name goes into
 * `coreNames`.
 */
function programApart(inFirst, apartNames, coreNames) {
  return {
    name: 'program-apart',
    setup(b) {
      b.onResolve({ filter: /^program-apart$/ }, () => ({ path: 'entry', namespace: 'program-apart-entry' }));
      b.onLoad({ filter: /.*/, namespace: 'program-apart-entry' }, () => {
        const apart = [...apartNames].sort();
        const held = apart.filter((name) => inFirst.has(resolve(name)));
        if (held.length > 0) throw new Error(`the program's first file holds modules it imports on demand from the second: ${held.join(', ')}`);
        const lines = apart.map((name, k) => `import * as a${k} from ${JSON.stringify(resolve(name))};`);
        lines.push(`export const modules = { ${apart.map((name, k) => `${JSON.stringify(name)}: a${k}`).join(', ')} };`);
        return { contents: lines.join('\n'), loader: 'js', resolveDir: resolve('.') };
      });
      b.onResolve({ filter: /^\./ }, (args) => {
        const path = sourcePath(args.resolveDir, args.path);
        if (path === undefined || !inFirst.has(path)) return undefined;
        coreNames.add(relativeName(path));
        return { path: relativeName(path), namespace: 'program-core-ref' };
      });
      b.onLoad({ filter: /.*/, namespace: 'program-core-ref' }, (args) => ({
        contents: `module.exports = programLink.core(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}

/** Each module's name with the names it exports (esbuild's metafile of the module built alone). */
async function exportsOf(names) {
  return Promise.all(
    names.map(async (name) => {
      const result = await build({
        entryPoints: [name],
        bundle: false,
        write: false,
        metafile: true,
        format: 'esm',
        outdir: 'build/exports-of',
        logLevel: 'warning',
      });
      return [name, Object.values(result.metafile.outputs).flatMap((o) => o.exports ?? [])];
    }),
  );
}

/** The .ts file a relative import names (written with .js, as the sources do), or undefined when there is none. */
function sourcePath(resolveDir, specifier) {
  const path = resolve(resolveDir, specifier).replace(/\.js$/, '.ts');
  return path.startsWith(resolve('src') + sep) && existsSync(path) ? path : undefined;
}

/** A source file's name relative to the repository (src/...), the key both program files use. */
function relativeName(path) {
  return relative(resolve('.'), path).split(sep).join('/');
}

/**
 * The program's import() of packages (undici, the emulator's) goes through the importModule its loader passes in
 * (src/cli/code-cache.ts: Node 20 loses the import() callback of a script taken from a code cache).
 */
function finishProgramFile(file) {
  const text = readFileSync(file, 'utf8').replace(/\bimport\((?="[^"./][^"]*"\))/g, 'importModule(');
  if (/\bimport\(/.test(text)) throw new Error(`${file}: an import() the build did not point at importModule`);
  if (!text.endsWith('\n})\n')) throw new Error(`${file}: the wrapper's end is not the file's end`);
  writeFileSync(file, text);
}

// The command's entry (the package's bin), CommonJS too: a bin that is an ES module makes Node start its ES module
// loader first, about 14 million instructions of every run.
await buildCommonJs('cli', 'src/cli/main.ts', {
  define: {
    __MSAL_TS_VERSION__: JSON.stringify(pkg.version),
    __MSAL_TS_CLI_PROGRAM__: JSON.stringify('cli-core.cjs'),
    __MSAL_TS_NODE_ENGINES__: JSON.stringify(pkg.engines.node),
  },
  banner: { js: '#!/usr/bin/env node' },
  plugins: [lazyBuiltins()],
});
// writeFileSync's `mode` applies only when it creates the file, and esbuild already did: set the bit explicitly.
chmodSync('dist/cli.cjs', 0o755);

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
// The emulator's own package (packages/emulator) takes its declarations from dist/types before they are pruned.
await buildEmulatorPackage(pkg.version, reachedDeclarations);
pruneDeclarations();
refuseRenamedClasses(['dist', 'packages/emulator/dist']);
console.log('built dist/ (msal-ts ' + pkg.version + ') and packages/emulator/dist (msal-ts-emulator)');

/**
 * Removes the .d.ts files no export's types reach (the CLI's, the emulator's...): tsc emits one per source file, and
 * half of them only cost users install size.
 */
function pruneDeclarations() {
  const reached = reachedDeclarations(Object.values(pkg.exports).flatMap((e) => (typeof e === 'object' ? [resolve(e.types)] : [])));
  const prune = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        prune(path);
        if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
      } else if (!reached.has(resolve(path))) {
        rmSync(path);
      }
    }
  };
  prune('dist/types');
}

/**
 * The absolute paths of the .d.ts files that the `entries` (absolute paths) reach by relative imports, themselves
 * included. A relative import that names a missing file fails the build.
 */
function reachedDeclarations(entries) {
  const reached = new Set();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop();
    if (reached.has(file)) continue;
    reached.add(file);
    const text = readFileSync(file, 'utf8'); // throws if a declaration imports a file tsc did not emit
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
      queue.push(resolve(dirname(file), m[1].replace(/\.js$/, '.d.ts')));
    }
  }
  return reached;
}

/**
 * Keeps the code a cache hit runs in as few chunks as possible.
 *
 * esbuild puts each source file in the chunk of the exact set of entry points (static and dynamic) that reach it. The
 * flows a hit never runs are loaded on demand (dynamic import()), and each of them reaches a different part of the
 * core, so the core would be cut into a dozen or more small chunks, each one more module for Node to resolve, read
 * and link at start-up (about as costly as the bytes saved). Every other entry point and every module loaded on demand
 * therefore also imports src/index.ts (at run time it is loaded already): the whole public core is then reached by the
 * same set and becomes one chunk, and what is loaded on demand keeps only its own code. Not the CLI's entry: its
 * `--help` and `--version` need no core, and its commands (loaded on demand) bring the core with them.
 */
function oneCoreChunk(onDemand) {
  const core = resolve('src/index.ts');
  const EXTENSIONS_ENTRY = resolve('src/extensions/index.ts');
  return {
    name: 'one-core-chunk',
    setup(b) {
      b.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
        const entry = /\/src\/(extensions|distributed|azure)\/index\.ts$/.test(args.path);
        if (!entry && !onDemand.has(args.path)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        // What msal-ts/extensions loads on demand (the lock's work) imports that entry too, for the same reason: the
        // extension modules it shares with the entry (file-io.ts...) then stay in the entry's file, not in a chunk of
        // their own that every process using the entry would load as one more module.
        const extensionsEntry = !entry && args.path.startsWith(EXTENSIONS_DIR) ? `import ${JSON.stringify(EXTENSIONS_ENTRY)};\n` : '';
        return { contents: `import ${JSON.stringify(core)};\n${extensionsEntry}${text}`, loader: 'ts' };
      });
    },
  };
}

/**
 * A mark of what the command's program is built from, in the form of a UUID: every source file, package.json, the build
 * scripts and esbuild's version. Two builds of the same sources carry the same mark (so the same bytes), and files of
 * builds from different sources carry different ones, which is what the second program file checks.
 */
function buildMark() {
  const hash = createHash('sha256').update(`esbuild ${esbuildVersion}\0`);
  const files = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
  const inputs = [
    ...files('src'),
    'package.json',
    ...readdirSync('scripts')
      .filter((f) => /^build.*\.mjs$/.test(f))
      .map((f) => join('scripts', f)),
  ];
  for (const file of inputs.sort())
    hash
      .update(`${file.split(sep).join('/')}\0`)
      .update(readFileSync(file))
      .update('\0');
  const h = hash.digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The source files the library imports on demand (`import()` of one of its own modules), as absolute paths, from a pass
 * that only reads the graph. oneCoreChunk must know every one of them before esbuild loads any: it loads files in no
 * fixed order, and a module reached both by a static import and by an import() (auth-code-flow.ts: from interactive.ts
 * and from client-application.ts) was sometimes loaded before the import() naming it had been seen, so the build's
 * chunks differed from one run to the next (2 of 8 builds here, before this pass).
 */
async function onDemandModules() {
  const scan = await build({
    ...ES_GRAPH,
    write: false,
    metafile: true,
    plugins: [lazyBuiltins(), emulatorAsPackage()],
    logLevel: 'warning',
  });
  const onDemand = new Set();
  for (const input of Object.values(scan.metafile.inputs)) {
    for (const imported of input.imports) if (imported.kind === 'dynamic-import' && !imported.external) onDemand.add(resolve(imported.path));
  }
  return onDemand;
}

/**
 * Fails the build when a bundle holds a class that would report another name than its source's. The bundles keep no
 * names (no keepNames, see above), and esbuild emits a class that names itself inside its body as `X=class _X`, whose
 * `name` is then "_X": an error class's `name` would be wrong. Name the class from outside its body instead (as
 * token-cache.ts's isExactly does).
 */
function refuseRenamedClasses(dirs) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.c?js$/.test(path)) for (const m of readFileSync(path, 'utf8').matchAll(/\b([\w$]+)=class _\1\b/g)) found.push(`${path}: ${m[1]}`);
    }
  };
  dirs.forEach(walk);
  if (found.length > 0) throw new Error(`classes that would be named _Name in the bundle (they name themselves in their body):\n${found.join('\n')}`);
}
