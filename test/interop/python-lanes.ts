// The two MSAL Python versions the interop suites run against, side by side:
// - Debian's python3-msal 1.21 with python3-msal-extensions 1.0 (installed by scripts/test-all.sh);
// - MSAL Python 1.31.0 with msal-extensions 1.3.1, the versions msal-ts is modelled on. They are no Debian package:
//   an unmodified copy lives in MSAL_PYTHON_PEERS, else ../shared/peers/python beside the repository, and runs on
//   Debian's python3-requests, -jwt, -cryptography and -portalocker through PYTHONPATH. A clean clone may not have
//   that folder; then the 1.31 lane does not run, its tests are skipped with the reason, and
//   test/interop/python-lanes.test.ts prints one loud line saying so (scripts/test-all.sh too).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const PYTHON = '/usr/bin/python3';

const REPO = resolve(import.meta.dirname, '..', '..');

/** Where MSAL Python 1.31 is looked for. */
export const PEERS_DIR = process.env['MSAL_PYTHON_PEERS'] ?? join(REPO, '..', 'shared', 'peers', 'python');

const HAVE_PEERS = existsSync(join(PEERS_DIR, 'msal', 'token_cache.py')) && existsSync(join(PEERS_DIR, 'msal_extensions'));

/** Why the 1.31 lane cannot run here, or undefined when it can. */
export const PEERS_MISSING: string | undefined = HAVE_PEERS
  ? undefined
  : `MSAL Python 1.31 / msal-extensions 1.3.1 not found at ${PEERS_DIR} (set MSAL_PYTHON_PEERS to a folder holding ` +
    'their unmodified msal/ and msal_extensions/; they are no Debian package)';

export interface PythonLane {
  /** For test names: `MSAL Python 1.21 (Debian)`. */
  readonly label: string;
  /** `msal.__version__` and `msal_extensions.__version__` as the lane must report them. */
  readonly msal: string;
  readonly extensions: string;
  /** Debian's 1.21 predates what 1.23+ changed: acquire_token_for_client reads the cache, TokenCache.search. */
  readonly modern: boolean;
  /** The environment of a Python process in this lane (PYTHONPATH set either way, so a caller's does not leak in). */
  readonly env: Readonly<Record<string, string>>;
  /** A skip reason when the lane cannot run here. */
  readonly skip: string | false;
}

export const DEBIAN_LANE: PythonLane = {
  label: 'MSAL Python 1.21 (Debian)',
  msal: '1.21.0',
  extensions: '1.0.0',
  modern: false,
  env: { PYTHONPATH: '' },
  skip: false,
};

export const PEERS_LANE: PythonLane = {
  label: 'MSAL Python 1.31',
  msal: '1.31.0',
  extensions: '1.3.1',
  modern: true,
  env: { PYTHONPATH: PEERS_DIR },
  skip: PEERS_MISSING === undefined ? false : `the 1.31 lane did not run: ${PEERS_MISSING}`,
};

export const PYTHON_LANES: readonly PythonLane[] = [DEBIAN_LANE, PEERS_LANE];
