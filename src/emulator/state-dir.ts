/**
 * Opening the emulator's state folder: it holds a CA the user is told to trust, so nothing another local user can
 * write may be loaded from it. Where the folder is by default, and the ownership check, are in
 * util/emulator-state-dir.ts, which msal-ts's CLI shares.
 */
import { lstat, mkdir } from 'node:fs/promises';
import { folderProblem } from '../util/emulator-state-dir.js';
import { EmulatorStateError } from './errors.js';

/**
 * Creates `dir` (and missing parents) with mode 0700, then checks that it is a real folder (not a symbolic link), owned
 * by the current user and writable by no one else. Only the folder itself is checked, not its parents.
 *
 * @throws EmulatorStateError naming the folder and what to do, when it fails a check or cannot be created.
 */
export async function openStateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A dangling link or a file in the way: the checks below say which.
    if (code !== 'EEXIST' && code !== 'ENOTDIR') {
      throw new EmulatorStateError(
        dir,
        `The emulator cannot create its state folder ${dir} (${code ?? 'error'}). Choose another with stateDir / --state-dir.`,
        { cause: err },
      );
    }
  }
  const stats = await lstat(dir);
  const reason = folderProblem(stats, 0o022);
  if (reason !== undefined) {
    throw new EmulatorStateError(
      dir,
      `The emulator's state folder ${dir} ${reason}. It holds the CA you trust, so it must be a folder of your own that ` +
        'no one else can write. Remove it and start again, or choose another folder with stateDir / --state-dir.',
    );
  }
}
