/**
 * Whether the process named in a lock file still runs on this host, for stale-lock recovery.
 */
import { readFileSync } from 'node:fs';

/** What can be said about a lock holder's pid. */
export interface HolderState {
  /** `dead`: no such process, a zombie, or a process that started after the lock file was written (pid reused). */
  readonly state: 'alive' | 'dead';
  /** Whether the process start time could be compared with the lock file's age (Linux /proc), ruling out pid reuse. */
  readonly reuseChecked: boolean;
}

const START_SLACK_MS = 3000;

let bootTimeMs: number | null | undefined;

function linuxBootTimeMs(): number | undefined {
  if (bootTimeMs !== undefined) return bootTimeMs ?? undefined;
  try {
    const match = /^btime\s+(\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    bootTimeMs = match?.[1] === undefined ? null : Number(match[1]) * 1000;
  } catch {
    bootTimeMs = null;
  }
  return bootTimeMs ?? undefined;
}

/** The state letter and start time (clock ticks since boot, and ms since the epoch) of a Linux process, from /proc/<pid>/stat. */
function linuxProcess(pid: number | 'self'): { state: string; startTicks: string; startMs: number | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0] ?? '';
  const startTicks = rest[19] ?? '';
  const boot = linuxBootTimeMs();
  // USER_HZ is 100 on every Linux architecture Node.js runs on.
  const startMs = boot === undefined || !/^\d+$/.test(startTicks) ? undefined : boot + Number(startTicks) * 10;
  return { state, startTicks, startMs };
}

/**
 * This process's start time in clock ticks since boot (Linux), exact and unique per pid for the life of a boot: with
 * the pid it tells this process apart from a later one that reuses the pid. `undefined` elsewhere.
 */
export function ownStartTicks(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const ticks = linuxProcess('self')?.startTicks;
  return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : undefined;
}

/**
 * Whether process `pid` in this PID namespace may still hold a lock written at `writtenAtMs`. `process.kill(pid, 0)`
 * answering EPERM means the process exists (another user's): alive. On Linux, a zombie counts as dead, and so does a
 * process whose start time is not the holder's: `startTicks` when the holder recorded it (exact), else one that started
 * clearly (3 s) after the lock file was written (the pid was reused).
 */
export function holderState(pid: number, writtenAtMs: number, startTicks?: string): HolderState {
  try {
    process.kill(pid, 0);
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
    if (code === 'ESRCH') return { state: 'dead', reuseChecked: true };
    if (code !== 'EPERM') return { state: 'alive', reuseChecked: false };
  }
  if (process.platform !== 'linux') return { state: 'alive', reuseChecked: false };
  const info = linuxProcess(pid);
  if (info === undefined) return { state: 'alive', reuseChecked: false };
  if (info.state === 'Z' || info.state === 'X') return { state: 'dead', reuseChecked: true };
  if (startTicks !== undefined) return { state: info.startTicks === startTicks ? 'alive' : 'dead', reuseChecked: true };
  if (info.startMs === undefined) return { state: 'alive', reuseChecked: false };
  // btime has whole-second precision and the wall clock may have been stepped: within a few seconds it is ambiguous.
  if (info.startMs > writtenAtMs + START_SLACK_MS) return { state: 'dead', reuseChecked: true };
  return { state: 'alive', reuseChecked: info.startMs < writtenAtMs - START_SLACK_MS };
}
