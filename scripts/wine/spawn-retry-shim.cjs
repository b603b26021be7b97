// Loaded into node.exe only (NODE_OPTIONS --require) by scripts/windows-lane.sh.
// Wine 8 now and then fails to create a process while others start and exit: libuv gets an error it has no name for,
// and Node throws `spawn UNKNOWN` at once, before any child ran. Seen in the lane about once in three runs, each time
// at a different test (a lock holder, a CLI start, a DPAPI fixture run by execFile). Retrying at each call site left
// the others exposed, so this retries where every asynchronous start goes through: ChildProcess.prototype.spawn, which
// child_process.spawn, execFile, exec and fork all call. At most 3 attempts, 200 ms apart; every retry is written to
// stderr so a run's log shows it; any other error is thrown as it was. spawnSync and execFileSync are not covered
// (their start is one native call this file cannot reach).
'use strict';
const { ChildProcess } = require('node:child_process');

const ATTEMPTS = 3;
const PAUSE_MS = 200;
const spawn = ChildProcess.prototype.spawn;

ChildProcess.prototype.spawn = function spawnRetryingOnWine(options) {
  // A failed start replaces options.stdio and may add to options.envPairs; a retry starts from what the caller gave.
  const stdio = Array.isArray(options?.stdio) ? [...options.stdio] : options?.stdio;
  const envPairs = Array.isArray(options?.envPairs) ? [...options.envPairs] : options?.envPairs;
  for (let attempt = 1; ; attempt++) {
    try {
      return spawn.call(this, options);
    } catch (err) {
      if (err?.code !== 'UNKNOWN' || err.syscall !== 'spawn' || attempt === ATTEMPTS) throw err;
      process.stderr.write(`[wine spawn-retry shim] spawn UNKNOWN starting ${options.file}; attempt ${attempt + 1} of ${ATTEMPTS}\n`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PAUSE_MS);
      // The failed start closed this object's process handle; running the constructor again gives it a fresh one
      // wired to this object (listeners already added stay: EventEmitter keeps an existing _events).
      ChildProcess.call(this);
      options.stdio = Array.isArray(stdio) ? [...stdio] : stdio;
      options.envPairs = Array.isArray(envPairs) ? [...envPairs] : envPairs;
    }
  }
};
