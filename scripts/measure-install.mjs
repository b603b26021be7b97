// npm run measure:install: what `npm install msal-ts` costs a user. Builds and packs this checkout's two packages,
// msal-ts (dist/ as built) and msal-ts-emulator (packages/emulator), installs them into empty projects the way a user
// would (`npm install <tarball> --ignore-scripts`, dependencies from the registry): msal-ts alone, then msal-ts with
// msal-ts-emulator (what `msal-ts emulator` needs). Reports for each the number of packages npm installed and the
// apparent size of node_modules (the sum of file sizes, as `du -sb --apparent-size` minus directory entries), overall
// and per package. Numbers go to BENCHMARKS.md by hand.
// Options: --json (machine-readable), --keep (leave the temporary projects and print their folder).
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Packs the package in `packageDir` into `dir`: its tarball's path, size and file count. */
function pack(packageDir, dir) {
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: packageDir, encoding: 'utf8' }));
  const tarball = join(dir, info.filename);
  return { tarball, filename: info.filename, bytes: lstatSync(tarball).size, entryCount: info.entryCount };
}

/** Installs `tarballs` into a new project `<dir>/<name>`: what npm put on disk, per package and in all. */
function install(dir, name, tarballs) {
  const project = join(dir, name);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'measure', private: true }));
  execFileSync('npm', ['install', ...tarballs, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // The lock file lists every package once, whatever its nesting, including optional ones for other platforms, which
  // npm leaves out of node_modules: count what is on disk.
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
  const installed = Object.entries(lock.packages)
    .filter(([path, info]) => path !== '' && info.link !== true && existsSync(join(project, path)))
    .map(([path, info]) => {
      const pkgName = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      return { name: pkgName, version: info.version, path, bytes: 0 };
    });
  // A package's own bytes: its folder minus the packages nested inside it.
  for (const p of installed) p.bytes = apparentSize(join(project, p.path));
  for (const p of installed) {
    for (const q of installed) if (q !== p && q.path.startsWith(p.path + '/')) p.bytes -= q.bytes;
  }
  installed.sort((a, b) => b.bytes - a.bytes);
  // du counts directory entries too (a few KB each): reported alongside, as the issue measured with it.
  let duBytes;
  try {
    duBytes = Number(execFileSync('du', ['-s', '--apparent-size', '--block-size=1', join(project, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
  } catch {
    duBytes = undefined;
  }
  return { project, packages: installed.length, nodeModulesBytes: apparentSize(join(project, 'node_modules')), duBytes, installed };
}

/** Runs an ES module snippet in `project`; true when it printed `true`. */
function smoke(project, code) {
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: project, encoding: 'utf8' }).trim() === 'true';
}

function report(title, packed, result) {
  const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
  console.log(`\n${title}`);
  for (const p of packed) console.log(`  tarball ${p.filename}: ${mb(p.bytes)} packed, ${p.entryCount} files`);
  const du = result.duBytes === undefined ? '' : `, ${mb(result.duBytes)} by du --apparent-size`;
  console.log(`  npm install --ignore-scripts: ${result.packages} packages, node_modules ${mb(result.nodeModulesBytes)} of files${du}`);
  console.log(`  entry points import, with install scripts skipped: ${result.loadsWithoutScripts ? 'yes' : 'NO'}`);
  for (const p of result.installed) console.log(`  ${mb(p.bytes).padStart(9)}  ${p.name}@${p.version}`);
}

const dir = mkdtempSync(join(tmpdir(), 'msal-ts-install-'));
try {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  const msalTs = pack(REPO, dir);
  const emulator = pack(join(REPO, 'packages', 'emulator'), dir);

  const alone = install(dir, 'msal-ts', [msalTs.tarball]);
  // No compile step: with install scripts skipped, every entry point imports and koffi's prebuilt binary loads; the
  // emulator is not there.
  alone.loadsWithoutScripts = smoke(
    alone.project,
    "const m = await import('msal-ts'); await import('msal-ts/extensions'); await import('msal-ts/distributed'); await import('msal-ts/azure'); " +
      "const koffi = (await import('node:module')).createRequire(import.meta.url + '/')('koffi'); " +
      "const noEmulator = await import('msal-ts-emulator').then(() => false, (e) => e.code === 'ERR_MODULE_NOT_FOUND'); " +
      "console.log(typeof m.PublicClientApplication === 'function' && typeof koffi.load === 'function' && noEmulator)",
  );
  const both = install(dir, 'with-emulator', [msalTs.tarball, emulator.tarball]);
  both.loadsWithoutScripts = smoke(both.project, "const e = await import('msal-ts-emulator'); console.log(typeof e.startEmulator === 'function')");

  const strip = ({ project, ...rest }) => (keep ? { project, ...rest } : rest);
  if (json) {
    console.log(JSON.stringify({ tarballs: [msalTs, emulator].map(({ tarball, ...p }) => p), msalTs: strip(alone), withEmulator: strip(both) }, null, 2));
  } else {
    report('msal-ts alone (npm install <msal-ts tarball>)', [msalTs], alone);
    report('msal-ts with the emulator (npm install <msal-ts tarball> <msal-ts-emulator tarball>)', [msalTs, emulator], both);
  }
  if (keep) console.error(`kept ${dir}`);
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
