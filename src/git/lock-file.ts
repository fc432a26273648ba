import { link, open, readFile, rm, writeFile } from 'node:fs/promises';
import { renameSync, writeFileSync } from 'node:fs';
import { ownerIsDead, selfOwner, type Owner } from './process-alive.js';

/**
 * Lock files whose content (the owner) appears at the same instant as the file itself. A lock
 * created with `open(wx)` and then written is empty for a moment, and stays empty for good when
 * its writer is killed in between; a reader cannot tell that from a live owner still writing. So
 * the content is written to a private file first and `link`ed into place: `link` fails with
 * EEXIST like `open(wx)`, and a lock that exists always names its owner. A lock with no readable
 * owner therefore never belongs to a live factory process and can be recovered at once.
 */

export interface HeldLock {
  raw: string;
  /** Null when the file names no owner (empty or damaged): nobody alive holds it. */
  owner: Owner | null;
}

let counter = 0;
const tmpName = (file: string) => `${file}.${process.pid}.${++counter}.tmp`;

/** Creates `file` with `content` if it does not exist; false when it does. */
export async function createLockFile(file: string, content: string): Promise<boolean> {
  const tmp = tmpName(file);
  await writeFile(tmp, content);
  try {
    await link(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: the old way, with its short window of an empty file.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createDirect(file, content);
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function createDirect(file: string, content: string): Promise<boolean> {
  try {
    const fh = await open(file, 'wx');
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Replaces the content of a lock this process holds, atomically (write, then rename over it).
 * Synchronous on purpose: callers record a child process right after spawning it, and a kill
 * must not find the child started but not yet recorded because a write was still queued.
 */
export function rewriteLockFileSync(file: string, content: string): void {
  const tmp = tmpName(file);
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

function parseOwner(raw: string): Owner | null {
  try {
    const o = JSON.parse(raw) as Partial<Owner> | null;
    return o && typeof o.pid === 'number' && typeof o.host === 'string' ? (o as Owner) : null;
  } catch {
    return null;
  }
}

export async function readLockFile(file: string): Promise<HeldLock | null> {
  try {
    const raw = await readFile(file, 'utf8');
    return { raw, owner: parseOwner(raw) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** A lock nobody alive holds: no readable owner, or an owner that is provably gone. */
export const isStale = (held: HeldLock): boolean => held.owner === null || ownerIsDead(held.owner);

/**
 * Removes `file` if it still holds exactly `seen` (a stale lock). Breaking is itself guarded by a
 * second lock, so two waiters that both saw the same stale lock cannot delete a live lock taken in
 * between. A breaker that died mid-break is stale too, and removed.
 */
export async function breakStaleLock(file: string, seen: string): Promise<void> {
  const breaker = `${file}.break`;
  if (!(await createLockFile(breaker, JSON.stringify(selfOwner())))) {
    const b = await readLockFile(breaker);
    if (b && isStale(b)) await rm(breaker, { force: true });
    return;
  }
  try {
    const again = await readLockFile(file);
    if (again && again.raw === seen) await rm(file, { force: true });
  } finally {
    await rm(breaker, { force: true });
  }
}
