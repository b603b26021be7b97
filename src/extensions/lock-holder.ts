/**
 * Who holds a lock file, and whether that holder can be proven gone. The first line is what every MSAL writes,
 * `"<pid> <argv[1]>"` (peers never read it back); msal-ts adds a second line naming where that pid means something:
 * host, boot, PID namespace, the process's start time, whether it holds flock, and a random nonce.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { holderState, ownStartTicks } from './process-liveness.js';

/** Where a holder's pid is meaningful. Fields are `undefined` where the platform has no such thing. */
export interface HolderIdentity {
  readonly host: string;
  /** Linux `/proc/sys/kernel/random/boot_id`: one per running kernel, shared by every container on it. */
  readonly boot: string | undefined;
  /** Linux `readlink /proc/self/ns/pid`: pids are only comparable within one PID namespace. */
  readonly pidns: string | undefined;
  /** Linux start time in clock ticks since boot, which tells the holder apart from a later process with its pid. */
  readonly start: string | undefined;
  /** Whether the holder holds flock on the file for as long as its content names it. */
  readonly flock: boolean;
  /** Random per acquisition: tells two lock files apart even when the inode number and mtime are reused. */
  readonly nonce: string;
}

/** A lock file's content, as far as it could be understood. */
export interface LockContent {
  readonly pid: number | undefined;
  readonly identity: HolderIdentity | undefined;
}

const TAG = 'msal-ts-lock/1';

function readTrimmed(read: () => string): string | undefined {
  try {
    const value = read().trim();
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

/**
 * Nonces of the locks and breakers this process holds. On `globalThis`, so that two copies of this module in one process
 * (a bundle and the package, say) still recognise each other's locks and never break them.
 */
const REGISTRY = Symbol.for('msal-ts.cross-plat-lock.held');
const held: Set<string> = ((globalThis as { [REGISTRY]?: Set<string> })[REGISTRY] ??= new Set<string>());

/** Records that this process holds the lock file or breaker with this nonce, until {@link releasedHere}. */
export function heldHere(nonce: string): void {
  held.add(nonce);
}

/** Forgets a nonce recorded by {@link heldHere}. */
export function releasedHere(nonce: string): void {
  held.delete(nonce);
}

let here: Omit<HolderIdentity, 'flock' | 'nonce'> | undefined;

/** This process's identity, without the per-acquisition fields. Read once. */
export function localIdentity(): Omit<HolderIdentity, 'flock' | 'nonce'> {
  here ??= {
    host: hostname(),
    boot: process.platform === 'linux' ? readTrimmed(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')) : undefined,
    pidns: process.platform === 'linux' ? readTrimmed(() => readlinkSync('/proc/self/ns/pid')) : undefined,
    start: ownStartTicks(),
  };
  return here;
}

/** The content a msal-ts holder writes: the peers' line, then its identity. */
export function formatLockContent(flock: boolean): { text: string; nonce: string } {
  const me = localIdentity();
  const nonce = randomBytes(8).toString('hex');
  const field = (v: string | undefined): string => (v === undefined ? '-' : encodeURIComponent(v));
  const identity = `${TAG} host=${field(me.host)} boot=${field(me.boot)} pidns=${field(me.pidns)} start=${field(me.start)} flock=${flock ? 1 : 0} nonce=${nonce}`;
  return { text: `${process.pid} ${process.argv[1] ?? ''}\n${identity}\n`, nonce };
}

/** Parses a lock file's content: a leading pid (every MSAL writes one) and, from msal-ts, the identity line. */
export function parseLockContent(text: string): LockContent {
  const match = /^\s*(\d+)(?:\s|$)/.exec(text);
  const n = match?.[1] === undefined ? undefined : Number(match[1]);
  const pid = n !== undefined && n > 0 && Number.isSafeInteger(n) ? n : undefined;
  const line = text.split('\n').find((l) => l.startsWith(`${TAG} `));
  if (line === undefined) return { pid, identity: undefined };
  const fields = new Map<string, string>();
  for (const part of line.slice(TAG.length + 1).split(' ')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const get = (k: string): string | undefined => {
    const v = fields.get(k);
    if (v === undefined || v === '-') return undefined;
    try {
      return decodeURIComponent(v);
    } catch {
      return undefined;
    }
  };
  const host = get('host');
  const nonce = get('nonce');
  if (host === undefined || nonce === undefined) return { pid, identity: undefined };
  return {
    pid,
    identity: { host, boot: get('boot'), pidns: get('pidns'), start: get('start'), flock: get('flock') === '1', nonce },
  };
}

/** The verdict on a lock file's holder. */
export type HolderVerdict =
  { readonly kind: 'gone'; readonly why: string } | { readonly kind: 'alive'; readonly why: string } | { readonly kind: 'unverifiable'; readonly why: string };

/** What the judge needs besides the content. */
export interface JudgeInput {
  readonly content: LockContent;
  /** The file's mtime, ms since the epoch. */
  readonly mtimeMs: number;
  readonly staleAfterMs: number;
  /** For a file without identity (a peer's) naming our pid: whether this process holds a lock at that path. */
  readonly pathHeldHere: boolean;
  /**
   * Whether flock on the file is free right now: `undefined` when flock cannot be tried. Only asked for a holder in
   * another PID namespace of this kernel that says it holds flock, where a free flock proves it gone.
   */
  readonly flockFree: () => boolean | undefined;
}

/**
 * Judges whether a lock file's holder is proven gone. Never by age when the file names a process: a live holder's lock
 * is never broken, however long it is held. A holder the pid cannot be checked for (another machine, another PID
 * namespace without flock) is never presumed gone.
 */
export function judgeHolder(input: JudgeInput): HolderVerdict {
  const { content, mtimeMs } = input;
  const pid = content.pid;
  if (pid === undefined) {
    // A peer killed between creating its file and writing its pid (Python leaves this window): only age can tell.
    return Date.now() - mtimeMs > input.staleAfterMs
      ? { kind: 'gone', why: `it names no process and is older than ${input.staleAfterMs} ms` }
      : { kind: 'unverifiable', why: `it names no process yet and is younger than ${input.staleAfterMs} ms` };
  }
  const id = content.identity;
  if (id === undefined) return localPid(pid, mtimeMs, undefined, input.pathHeldHere);
  const me = localIdentity();
  if (id.boot !== undefined && me.boot !== undefined) {
    if (id.boot !== me.boot) {
      // Same machine name, another boot: the machine restarted since, and every process of that boot is gone. (Machines
      // sharing a cache directory are assumed to have distinct names, as docs/extensions.md says.)
      return id.host === me.host
        ? { kind: 'gone', why: 'its holder ran before this machine restarted' }
        : { kind: 'unverifiable', why: `its holder runs on another machine (${id.host})` };
    }
    if (id.pidns !== me.pidns) {
      // Same kernel, another PID namespace (a container): its pid means nothing here, but flock is kernel-wide.
      if (id.flock && input.flockFree() === true) return { kind: 'gone', why: 'its holder (in another PID namespace) no longer holds flock on it' };
      return { kind: 'unverifiable', why: `its holder, process ${pid}, runs in another PID namespace (${id.pidns ?? 'unknown'})` };
    }
    return localPid(pid, mtimeMs, id.start, held.has(id.nonce));
  }
  if (id.host !== me.host || id.pidns !== me.pidns || id.boot !== me.boot) {
    return { kind: 'unverifiable', why: `its holder runs on another machine or namespace (${id.host})` };
  }
  return localPid(pid, mtimeMs, id.start, held.has(id.nonce));
}

function localPid(pid: number, mtimeMs: number, start: string | undefined, mine: boolean): HolderVerdict {
  if (pid === process.pid && (start === undefined || start === localIdentity().start)) {
    // Our pid: either we hold it, or an earlier process with our pid left it.
    return mine ? { kind: 'alive', why: `this process (${pid}) holds it` } : { kind: 'gone', why: `it was left by an earlier process ${pid}` };
  }
  const state = holderState(pid, mtimeMs, start);
  return state.state === 'dead'
    ? { kind: 'gone', why: `its holder, process ${pid}, is no longer running` }
    : { kind: 'alive', why: `its holder, process ${pid}, is running` };
}
