// Each MSAL Python lane of the interop suites imports the versions it claims; where the 1.31 lane cannot run, this is
// the one loud line in the test output that says so and why (the lane's tests elsewhere are skipped with the reason).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { PEERS_MISSING, PYTHON, PYTHON_LANES } from './python-lanes.js';

if (PEERS_MISSING !== undefined) {
  console.log(`!!!!! MSAL PYTHON 1.31 LANE DID NOT RUN: ${PEERS_MISSING}. Only Debian's 1.21 was tested. !!!!!`);
}

describe('the MSAL Python lanes', () => {
  for (const lane of PYTHON_LANES) {
    it(`${lane.label} imports msal ${lane.msal} and msal-extensions ${lane.extensions}`, { skip: lane.skip }, () => {
      const out = execFileSync(PYTHON, ['-c', 'import msal, msal_extensions; print(msal.__version__, msal_extensions.__version__)'], {
        env: { ...process.env, ...lane.env },
        encoding: 'utf8',
      });
      assert.equal(out.trim(), `${lane.msal} ${lane.extensions}`);
    });
  }
});
