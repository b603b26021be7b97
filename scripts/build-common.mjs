// What scripts/build.mjs shares with bench/fixtures/library-bundle.ts (the cold-start benches' code cache experiment,
// which must build the library as the package's CommonJS files are built): their esbuild settings, and the plugin that
// makes Node's heavier built-in modules load on first use.
import { resolve } from 'node:path';

/** esbuild's settings for a CommonJS file bundled whole, in the style of the ES bundles. */
export const COMMONJS_BUNDLE = Object.freeze({
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: false,
  keepNames: false,
  logLevel: 'warning',
});

const PROMISIFY = Symbol.for('nodejs.util.promisify.custom');
/** msal-ts/extensions' sources (the build runs from the repository's root). */
const EXTENSIONS_DIR = resolve('src/extensions') + '/';

/**
 * Makes the named imports of Node's heavier built-in modules load the module on first use instead of at import.
 *
 * A process that serves a token from a persisted cache needs none of node:crypto, node:http or node:child_process,
 * yet dozens of source files import from them for other paths; loading node:crypto alone (with the streams it pulls
 * in) costs a fresh process more than the rest of the cache hit. Even node:fs, loaded with Node itself, costs when an
 * ES module imports it: building its namespace reads every export, and the lazy ones (fs.promises, ReadStream) load
 * node:fs/promises and the streams. Each such import is pointed at a generated module
 * that exports, for every function or object the real module exports, a stand-in that fetches the module with
 * process.getBuiltinModule when it is first called, constructed, tested with instanceof or read. Exports that are
 * plain values (http.maxHeaderSize) have no stand-in: importing one fails the build rather than misbehaving.
 */
export function lazyBuiltins() {
  // node:path and node:buffer are loaded with Node itself and define no lazy members.
  const eager = ['node:path', 'node:buffer'];
  return {
    name: 'lazy-builtins',
    setup(b) {
      b.onResolve({ filter: /^node:/ }, (args) => {
        if (eager.includes(args.path) || args.namespace === 'lazy-builtin') return undefined;
        // One stand-in module per built-in for msal-ts/extensions' files and one for the rest: a stand-in shared by
        // both sides would sit in a chunk of its own (the two are loaded by different sets of entry points), one more
        // module for a process that uses the extensions to load (about 1 million instructions). They behave alike.
        const side = args.importer.startsWith(EXTENSIONS_DIR) ? '#extensions' : '';
        return { path: args.path + side, namespace: 'lazy-builtin' };
      });
      b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
        const builtin = args.path.replace(/#extensions$/, '');
        const real = await import(builtin);
        const name = JSON.stringify(builtin);
        const lines = [`let m;`, `const mod = () => (m ??= process.getBuiltinModule(${name}));`];
        lines.push(
          // A class: calls, new, instanceof and static members all reach the real one.
          `const cls = (k) => new Proxy(function () {}, {`,
          `  apply: (_, self, a) => Reflect.apply(mod()[k], self, a),`,
          `  construct: (_, a) => Reflect.construct(mod()[k], a),`,
          `  get: (_, p) => { const c = mod()[k]; const v = c[p]; return typeof v === 'function' && p !== 'prototype' ? v.bind(c) : v; },`,
          `  has: (_, p) => p in mod()[k],`,
          `});`,
          `const obj = (k) => new Proxy({}, { get: (_, p) => mod()[k][p], has: (_, p) => p in mod()[k] });`,
        );
        for (const key of Object.keys(real).sort()) {
          if (key === 'default') continue;
          const value = real[key];
          if (typeof value === 'function' && /^[A-Z]/.test(key)) lines.push(`export const ${key} = cls('${key}');`);
          else if (typeof value === 'function') {
            lines.push(`export function ${key}(...a) { return mod().${key}.apply(this, a); }`);
            // util.promisify uses a function's own promise form where it has one (crypto.generateKeyPair resolves
            // both keys, child_process.execFile stdout and stderr): the stand-in hands over the real one.
            if (value[PROMISIFY] !== undefined) {
              lines.push(
                `Object.defineProperty(${key}, Symbol.for('nodejs.util.promisify.custom'), { get: () => mod().${key}[Symbol.for('nodejs.util.promisify.custom')] });`,
              );
            }
          } else if (typeof value === 'object' && value !== null) lines.push(`export const ${key} = obj('${key}');`);
        }
        return { contents: lines.join('\n'), loader: 'js' };
      });
    },
  };
}
