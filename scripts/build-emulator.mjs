// The msal-ts-emulator package (packages/emulator), built by scripts/build.mjs with msal-ts: the emulator is its own
// package so that msal-ts carries none of its code (docs/design.md, section 1). Its sources stay in src/emulator/, beside
// the few modules it shares with msal-ts (the MsalError base class, util/), which its bundle copies: at run time it
// needs neither msal-ts nor any other package.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const PACKAGE_DIR = 'packages/emulator';
const EMULATOR_SRC = resolve('src/emulator');
const ENTRY = join(EMULATOR_SRC, 'index.ts');
// The one module of msal-ts that may load the emulator, on demand (`msal-ts emulator`).
const LOADER = resolve('src/cli/emulator-command.ts');

/**
 * An esbuild plugin for msal-ts's own build: the CLI's `import('../emulator/index.js')` becomes an import of the
 * msal-ts-emulator package, left external, and any other import that would bundle a file of src/emulator/ into msal-ts
 * fails the build.
 */
export function emulatorAsPackage() {
  const name = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')).name;
  return {
    name: 'emulator-as-package',
    setup(b) {
      b.onResolve({ filter: /^\.{1,2}\/.*emulator\// }, (args) => {
        const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
        if (!target.startsWith(EMULATOR_SRC + '/') || args.importer.startsWith(EMULATOR_SRC + '/')) return undefined;
        if (target === ENTRY && args.importer === LOADER && args.kind === 'dynamic-import') return { path: name, external: true };
        return {
          errors: [
            {
              text: `${relative('.', args.importer)} imports ${args.path}: only ${relative('.', LOADER)} may load the emulator, by a dynamic import of its index`,
            },
          ],
        };
      });
    },
  };
}

/**
 * Builds packages/emulator/dist: the emulator as one minified ESM file (as msal-ts's bundles: whitespace and syntax
 * only, identifiers as in the source), and the declaration files its index reaches, copied from the ones tsc emitted into dist/types. Copies
 * LICENSE in too. `reachedDeclarations(entries)` lists the .d.ts files that `entries` reach (scripts/build.mjs).
 */
export async function buildEmulatorPackage(version, reachedDeclarations) {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
  // One version for both packages: `msal-ts emulator` asks for the emulator of its own version.
  if (pkg.version !== version) throw new Error(`${PACKAGE_DIR}/package.json has version ${pkg.version}, msal-ts ${version}: make them equal`);
  const out = join(PACKAGE_DIR, 'dist');
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: { index: ENTRY },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    packages: 'external',
    define: { __MSAL_TS_VERSION__: JSON.stringify(version) },
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
    keepNames: false,
    logLevel: 'warning',
  });
  const types = resolve('dist/types');
  for (const file of reachedDeclarations([join(types, 'emulator', 'index.d.ts')])) {
    const target = join(out, 'types', relative(types, file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
  }
  copyFileSync('LICENSE', join(PACKAGE_DIR, 'LICENSE'));
}
