// Loaded into node.exe only (NODE_OPTIONS --require) by scripts/windows-lane.sh.
// Wine 8 now and then fails to create a process while others start and exit: libuv gets an error it has no name for,
// and Node reports `spawn UNKNOWN` (`spawnSync <file> UNKNOWN` for the synchronous calls) at once, before any child
// ran. Seen in three of the lane's runs so far, each time at a different test (a lock holder, a CLI start, a DPAPI
// fixture run by execFile); 300 starts of node.exe, 6 at a time, on an otherwise idle machine gave none. Retrying at
// each call site left the others exposed, so this retries where the starts go through: ChildProcess.prototype.spawn,
// which spawn, execFile, exec and fork all call, and the three synchronous calls, each of which starts its process in
// one native call. At most 3 attempts, 200 ms apart; every retry is written to stderr so a run's log shows it; any
// other error, and any result of a process that did start, is passed on as it was.
'use strict';
const childProcess = require('node:child_process');
const { syncBuiltinESMExports } = require('node:module');

const ATTEMPTS = 3;
const PAUSE_MS = 200;
const { ChildProcess } = childProcess;

/** `syscall` is 'spawn', or 'spawnSync' (Node names the synchronous one 'spawnSync <file>'). */
function failedToStart(err, syscall) {
  return err?.code === 'UNKNOWN' && typeof err.syscall === 'string' && (err.syscall === syscall || err.syscall.startsWith(`${syscall} `));
}

function beforeRetry(file, attempt) {
  process.stderr.write(`[wine spawn-retry shim] spawn UNKNOWN starting ${file}; attempt ${attempt + 1} of ${ATTEMPTS}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PAUSE_MS);
}

const spawn = ChildProcess.prototype.spawn;
ChildProcess.prototype.spawn = function spawnRetryingOnWine(options) {
  // A failed start replaces options.stdio and may add to options.envPairs; a retry starts from what the caller gave.
  const stdio = Array.isArray(options?.stdio) ? [...options.stdio] : options?.stdio;
  const envPairs = Array.isArray(options?.envPairs) ? [...options.envPairs] : options?.envPairs;
  for (let attempt = 1; ; attempt++) {
    try {
      return spawn.call(this, options);
    } catch (err) {
      if (!failedToStart(err, 'spawn') || attempt === ATTEMPTS) throw err;
      beforeRetry(options.file, attempt);
      // The failed start closed this object's process handle; running the constructor again gives it a fresh one
      // wired to this object (listeners already added stay: EventEmitter keeps an existing _events).
      ChildProcess.call(this);
      options.stdio = Array.isArray(stdio) ? [...stdio] : stdio;
      options.envPairs = Array.isArray(envPairs) ? [...envPairs] : envPairs;
    }
  }
};

// spawnSync reports a failed start in its result; execFileSync and execSync throw it. Each normalizes a copy of the
// caller's options, so a retry is the same call again.
for (const name of ['spawnSync', 'execFileSync', 'execSync']) {
  const original = childProcess[name];
  childProcess[name] = {
    [name](...args) {
      for (let attempt = 1; ; attempt++) {
        let result;
        let thrown;
        try {
          result = original.apply(this, args);
        } catch (err) {
          thrown = err;
        }
        const err = thrown ?? (name === 'spawnSync' ? result?.error : undefined);
        if (!failedToStart(err, 'spawnSync') || attempt === ATTEMPTS) {
          if (thrown !== undefined) throw thrown;
          return result;
        }
        beforeRetry(String(args[0]), attempt);
      }
    },
  }[name];
}
// An ES module's named imports of node:child_process are filled from these exports when first imported, which is after
// this file runs (the test's "an ES module's import" case); this also updates them should one have come first.
syncBuiltinESMExports();
