/**
 * Removing a lock file whose holder is gone, without ever removing another one.
 *
 * "Check, then unlink" is a race: waiter A judges file I stale; B removes I and creates its own lock J; A's unlink
 * then removes J, and two processes hold the lock. So only the holder of a *breaker* for I may remove I: a file
 * `<lock>.<tag>.break<g>`, created with O_EXCL, whose tag is a digest of I's device, inode and content (content that
 * holds a random nonce, so no later file shares it). Holding it, the waiter checks that the path still is I and only
 * then unlinks. Nobody else may remove I meanwhile (its holder is gone; other waiters need the same breaker), so no
 * check-then-delete window remains. A breaker whose creator died is never deleted to be retaken (that would be the
 * same race one level down): the next waiter creates generation g + 1 instead. Works the same with and without flock.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { errnoOf } from './file-io.js';
import type { Flock } from './flock.js';
import { formatLockContent, heldHere, judgeHolder, parseLockContent, releasedHere } from './lock-holder.js';

/** A lock file as a waiter judged it. */
export interface SeenLock {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly text: string;
}

/** What a takeover attempt did. */
export type TakeoverResult =
  | { readonly kind: 'removed' }
  /** The path no longer holds the judged file (released, or recovered by someone else): retry at once. */
  | { readonly kind: 'changed' }
  /** Another waiter is taking it over, or a process holds flock on it: wait. */
  | { readonly kind: 'busy'; readonly why: string; readonly flockHeld: boolean }
  /** The file cannot be removed by this user: wait (it may be released), then time out saying so. */
  | { readonly kind: 'not_removable'; readonly why: string; readonly ownerUid: number | undefined };

/** More generations than this means breakers keep dying mid-takeover: give up on this file (the caller times out). */
const MAX_GENERATIONS = 8;

/** The breaker file names for a judged lock file. */
export function breakerBase(lockfilePath: string, seen: SeenLock): string {
  const tag = createHash('sha256').update(`${seen.dev}:${seen.ino}:${seen.text}`).digest('hex').slice(0, 16);
  return `${lockfilePath}.${tag}.break`;
}

/** Matches a breaker's name after `<lock>.`: the tag and generation. */
export const BREAKER_NAME = /^([0-9a-f]{16})\.break(\d+)$/;

/**
 * Removes the lock file judged in `seen`, if it still is at `lockfilePath` and no process holds flock on it.
 *
 * @param flock - when given, a file on which a process holds flock is left alone (a live holder, e.g. .NET).
 * @param staleAfterMs - for a breaker file found empty (its creator died before writing it).
 */
export async function takeOver(lockfilePath: string, seen: SeenLock, flock: Flock | undefined, staleAfterMs: number): Promise<TakeoverResult> {
  const base = breakerBase(lockfilePath, seen);
  const mine: string[] = [];
  let nonce: string | undefined;
  try {
    for (let g = 1; ; g++) {
      if (g > MAX_GENERATIONS) return { kind: 'busy', why: 'every breaker of this lock file died mid-takeover', flockHeld: false };
      const name = `${base}${g}`;
      const created = await createBreaker(name);
      if (typeof created === 'object' && 'nonce' in created) {
        nonce = created.nonce;
        // Breakers below ours are dead; remove them with ours once the lock file is dealt with.
        for (let lower = 1; lower < g; lower++) mine.push(`${base}${lower}`);
        mine.push(name);
        return await removeIfSame(lockfilePath, seen, flock);
      }
      if (created === 'vanished') {
        // Its creator finished meanwhile: try this generation again.
        g--;
        continue;
      }
      const verdict = judgeHolder({
        content: parseLockContent(created.text),
        mtimeMs: created.mtimeMs,
        staleAfterMs,
        pathHeldHere: false,
        flockFree: () => undefined,
      });
      if (verdict.kind !== 'gone') return { kind: 'busy', why: 'another process is recovering it', flockHeld: false };
    }
  } finally {
    // Only after the lock file was removed (or left): from here another waiter may take a breaker again, and finds the
    // path changed.
    for (const name of mine) await unlink(name).catch(() => undefined);
    if (nonce !== undefined) releasedHere(nonce);
  }
}

async function createBreaker(name: string): Promise<{ nonce: string } | 'vanished' | { text: string; mtimeMs: number }> {
  let handle: FileHandle;
  try {
    handle = await open(name, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  } catch (err) {
    if (errnoOf(err) !== 'EEXIST') throw err;
    try {
      const existing = await open(name, constants.O_RDONLY);
      try {
        const st = await existing.stat();
        return { text: await existing.readFile('utf8'), mtimeMs: st.mtimeMs };
      } finally {
        await existing.close();
      }
    } catch (readErr) {
      if (errnoOf(readErr) === 'ENOENT') return 'vanished';
      throw readErr;
    }
  }
  const content = formatLockContent(false);
  heldHere(content.nonce);
  try {
    await handle.writeFile(content.text);
  } catch (err) {
    releasedHere(content.nonce);
    await unlink(name).catch(() => undefined);
    throw err;
  } finally {
    await handle.close();
  }
  return { nonce: content.nonce };
}

async function removeIfSame(lockfilePath: string, seen: SeenLock, flock: Flock | undefined): Promise<TakeoverResult> {
  let handle: FileHandle;
  try {
    handle = await open(lockfilePath, constants.O_RDONLY);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return { kind: 'changed' };
    const why = `it cannot be opened (${errnoOf(err) ?? 'error'})`;
    return { kind: 'not_removable', why, ownerUid: undefined };
  }
  try {
    const st = await handle.stat({ bigint: true });
    if (st.ino !== seen.ino || st.dev !== seen.dev) return { kind: 'changed' };
    if ((await readFile(handle, 'utf8')) !== seen.text) return { kind: 'changed' };
    if (flock !== undefined && flock.tryExclusive(handle.fd) === 'busy') {
      return { kind: 'busy', why: 'a process holds flock on it', flockHeld: true };
    }
    try {
      await unlink(lockfilePath);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT') return { kind: 'changed' };
      const ownerUid = Number(st.uid);
      return { kind: 'not_removable', why: `it cannot be removed (${code ?? 'error'}): it is owned by uid ${ownerUid}`, ownerUid };
    }
    return { kind: 'removed' };
  } finally {
    await handle.close();
  }
}
