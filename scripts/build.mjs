// Builds dist/: one ESM bundle per entry point (a CLI pays its import cost on every run, and one bundle loads about
// three times faster than per-file ESM), shared code split into chunks, runtime dependencies left external, then the
// .d.ts files from tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

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
console.log('built dist/ (msal-ts ' + pkg.version + ')');
