// npm run measure:install: what `npm install msal-ts` costs a user. Packs this checkout (dist/ as built), installs the
// tarball into an empty project the way a user would (`npm install <tarball> --ignore-scripts`, from the registry),
// then reports the number of packages npm installed and the apparent size of node_modules (the sum of file sizes, as
// `du -sb --apparent-size` minus directory entries), overall and per package. Numbers go to BENCHMARKS.md by hand.
// Options: --json (machine-readable), --keep (leave the temporary project and print its path).
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');
const json = process.argv.includes('--json');
const keep = process.argv.includes('--keep');

/** Bytes of every file and symlink under `path` (directories themselves not counted). */
function apparentSize(path) {
  const stats = lstatSync(path);
  if (!stats.isDirectory()) return stats.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += apparentSize(join(path, entry));
  return total;
}

const dir = mkdtempSync(join(tmpdir(), 'msal-ts-install-'));
try {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8' }));
  const tarball = join(dir, packed[0].filename);
  const project = join(dir, 'project');
  execFileSync('mkdir', [project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'measure', private: true }));
  execFileSync('npm', ['install', tarball, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  // The lock file lists every package once, whatever its nesting, including optional ones for other platforms, which
  // npm leaves out of node_modules: count what is on disk.
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
  const installed = Object.entries(lock.packages)
    .filter(([path, info]) => path !== '' && info.link !== true && existsSync(join(project, path)))
    .map(([path, info]) => {
      const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      return { name, version: info.version, path, bytes: 0 };
    });
  // A package's own bytes: its folder minus the packages nested inside it.
  for (const p of installed) p.bytes = apparentSize(join(project, p.path));
  for (const p of installed) {
    for (const q of installed) if (q !== p && q.path.startsWith(p.path + '/')) p.bytes -= q.bytes;
  }
  installed.sort((a, b) => b.bytes - a.bytes);
  const total = apparentSize(join(project, 'node_modules'));
  // du counts directory entries too (a few KB each): reported alongside, as the issue measured with it.
  let duBytes;
  try {
    duBytes = Number(execFileSync('du', ['-s', '--apparent-size', '--block-size=1', join(project, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
  } catch {
    duBytes = undefined;
  }
  const result = { tarballBytes: lstatSync(tarball).size, packages: installed.length, nodeModulesBytes: total, duBytes, installed };

  // No compile step: with install scripts skipped, every entry point imports and koffi's prebuilt binary loads.
  const smoke =
    "const m = await import('msal-ts'); await import('msal-ts/extensions'); await import('msal-ts/emulator'); " +
    "const koffi = (await import('node:module')).createRequire(import.meta.url + '/')('koffi'); " +
    "console.log(typeof m.PublicClientApplication === 'function' && typeof koffi.load === 'function')";
  result.loadsWithoutScripts = execFileSync(process.execPath, ['--input-type=module', '-e', smoke], { cwd: project, encoding: 'utf8' }).trim() === 'true';

  if (json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
    console.log(`tarball ${packed[0].filename}: ${mb(result.tarballBytes)} packed, ${packed[0].entryCount} files`);
    const du = duBytes === undefined ? '' : `, ${mb(duBytes)} by du --apparent-size`;
    console.log(`npm install <tarball> --ignore-scripts: ${result.packages} packages, node_modules ${mb(total)} of files${du}`);
    console.log(`entry points import and koffi loads with install scripts skipped: ${result.loadsWithoutScripts ? 'yes' : 'NO'}`);
    for (const p of installed) console.log(`  ${mb(p.bytes).padStart(9)}  ${p.name}@${p.version}`);
  }
  if (keep) console.error(`kept ${project}`);
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
