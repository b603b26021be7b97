// A consumer project around the packed tarball, without the network: the tarball is extracted into
// <dir>/node_modules/msal-ts, and msal-ts's declared runtime dependencies are linked from this checkout's
// node_modules, which `npm ci` installed from the same lock file. A runtime import of a package msal-ts forgot to
// declare fails here as it would for a user.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const REPO = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

/**
 * Builds dist/ (and the emulator's package) when one of `files` (paths from the repository's root) is missing:
 * scripts/test-all.sh builds before the tests, a lone test run may not have.
 *
 * @throws Error when the build fails.
 */
export function ensureBuilt(files: readonly string[]): void {
  if (files.every((f) => existsSync(join(REPO, f)))) return;
  const { status } = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
  if (status !== 0) throw new Error(`the build failed (exit ${status})`);
}

/** One file of `npm pack --json`'s list. */
export interface PackedFile {
  path: string;
  mode: number;
}

/** The tarball and what npm put in it. */
export interface Packed {
  tarball: string;
  files: PackedFile[];
}

/** The emulator's own package in this repository (msal-ts-emulator). */
export const EMULATOR_PACKAGE_DIR = join(REPO, 'packages', 'emulator');

/**
 * Packs a package of this checkout (msal-ts by default, or `packageDir`, e.g. {@link EMULATOR_PACKAGE_DIR}) as built
 * (no lifecycle scripts: CI built it just before) into `dir`.
 */
export async function pack(dir: string, packageDir: string = REPO): Promise<Packed> {
  const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: packageDir, timeout: 60_000 });
  const [info] = JSON.parse(stdout) as Array<{ filename: string; files: PackedFile[] }>;
  if (info === undefined) throw new Error(`npm pack printed no package: ${stdout}`);
  return { tarball: join(dir, info.filename), files: info.files };
}

function packageJson(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
}

function dependencyNames(pkg: Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const field of ['dependencies', 'optionalDependencies']) {
    const deps = pkg[field];
    if (typeof deps === 'object' && deps !== null) for (const name of Object.keys(deps)) names.add(name);
  }
  return [...names];
}

/** Extracts a packed tarball into `<modules>/<name>`, as npm installs it; returns that folder. */
export async function extractPackage(modules: string, name: string, tarball: string): Promise<string> {
  const target = join(modules, name);
  mkdirSync(target, { recursive: true });
  await exec('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  return target;
}

/**
 * Makes `<dir>/node_modules` hold the extracted tarball, its dependencies and `extra` packages (e.g. typescript), and,
 * when `emulatorTarball` is given, the msal-ts-emulator package extracted from it (it has no dependencies).
 */
export async function installConsumer(dir: string, tarball: string, extra: readonly string[], emulatorTarball?: string): Promise<void> {
  const modules = join(dir, 'node_modules');
  const target = await extractPackage(modules, 'msal-ts', tarball);
  if (emulatorTarball !== undefined) await extractPackage(modules, 'msal-ts-emulator', emulatorTarball);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));

  // Only msal-ts's declared dependencies sit next to it; each link resolves its own dependencies from its real path in
  // this checkout, as an installed package's would.
  for (const name of [...dependencyNames(packageJson(target)), ...extra]) {
    const source = join(REPO, 'node_modules', name);
    if (!existsSync(source)) throw new Error(`${name} is not installed in this checkout: run npm ci`);
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(source, join(modules, name), 'dir');
  }
}
