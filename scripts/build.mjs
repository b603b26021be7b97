// Builds dist/: one ESM bundle per entry point (a CLI pays its import cost on every run, and one bundle loads about
// three times faster than per-file ESM), shared code split into chunks, runtime dependencies left external, then the
// .d.ts files from tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: {
    index: 'src/index.ts',
    emulator: 'src/emulator/index.ts',
    distributed: 'src/distributed/index.ts',
    extensions: 'src/extensions/index.ts',
    azure: 'src/azure/index.ts',
    cli: 'src/cli/main.ts',
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  define: { __MSAL_TS_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});

const cli = 'dist/cli.js';
writeFileSync(cli, '#!/usr/bin/env node\n' + readFileSync(cli, 'utf8').replace(/^#!.*\n/, ''));
// writeFileSync's `mode` applies only when it creates the file, and esbuild already did: set the bit explicitly.
chmodSync(cli, 0o755);

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
pruneDeclarations();
console.log('built dist/ (msal-ts ' + pkg.version + ')');

/**
 * Removes the .d.ts files no export's types reach (the CLI's, the emulator's internals...): tsc emits one per source
 * file, and half of them only cost users install size. A relative import that names a missing file fails the build.
 */
function pruneDeclarations() {
  const reached = new Set();
  const queue = Object.values(pkg.exports).flatMap((e) => (typeof e === 'object' ? [resolve(e.types)] : []));
  while (queue.length > 0) {
    const file = queue.pop();
    if (reached.has(file)) continue;
    reached.add(file);
    const text = readFileSync(file, 'utf8'); // throws if a declaration imports a file tsc did not emit
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
      queue.push(resolve(dirname(file), m[1].replace(/\.js$/, '.d.ts')));
    }
  }
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
