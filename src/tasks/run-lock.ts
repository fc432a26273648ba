import { rm } from 'node:fs/promises';
import { refuse } from '../errors.js';
import { selfOwner, type Owner } from '../git/process-alive.js';
import {
  breakStaleLock,
  createLockFile,
  isStale,
  readLockFile,
  rewriteLockFileSync,
} from '../git/lock-file.js';
import { readProc } from '../agent/exec-procs.js';
import type { Repo } from '../git/repo.js';
import { runLockFile } from './paths.js';

/**
 * A process group the run lock's owner started in the task's worktree (a check, a run_command):
 * its leader's pid, which is also the group's and the session's id, and the leader's start time,
 * so a later reader can tell it from an unrelated process that got the same pid.
 */
export interface CheckGroup {
  pgid: number;
  start?: string;
}

/** What the run lock file holds: its owner, and the check process groups that owner has running. */
interface RunLockContent extends Owner {
  groups?: CheckGroup[];
}

/** The live process running a task, or null when none is (a dead or unknown owner's lock is stale). */
export async function runningOwner(repo: Repo, id: number): Promise<Owner | null> {
  const held = await readLockFile(runLockFile(repo, id)).catch(() => null);
  return held && !isStale(held) ? held.owner : null;
}

export interface RunLock {
  /** A dead or unknown owner's lock was found: the last run was killed. */
  stale: boolean;
  /**
   * Check process groups the killed run had running (and that the owner before it left, if that
   * one died before stopping them): they may still be writing into the worktree.
   */
  leftovers: CheckGroup[];
  /** Records a process group started now; returns the function that forgets it once it is gone. */
  trackGroup(pgid: number): () => void;
  /** Forgets leftover groups once they are stopped. */
  forgetLeftovers(): void;
  release(): Promise<void>;
}

/**
 * Marks a task as being worked on by this process. Only one writer per task at a time: that is
 * what lets step commits in different worktrees run without any shared lock. The lock file also
 * lists the process groups of the checks this process is running, so that whoever takes the lock
 * after a kill -9 can stop what the dead run left behind.
 */
export async function acquireRunLock(repo: Repo, id: number): Promise<RunLock> {
  const file = runLockFile(repo, id);
  const owner = selfOwner();
  let leftovers: CheckGroup[] = [];
  let stale = false;
  for (let tries = 0; tries < 5; tries++) {
    // Leftovers stay listed in our own lock until stopped, so a kill of this process before it
    // stops them still leaves them for the next one.
    const content = (groups: CheckGroup[]) => JSON.stringify({ ...owner, groups } satisfies RunLockContent);
    if (await createLockFile(file, content(leftovers))) {
      const running = new Set<CheckGroup>();
      let released = false;
      const write = () => {
        if (!released) rewriteLockFileSync(file, content([...leftovers, ...running]));
      };
      return {
        stale,
        leftovers: [...leftovers],
        trackGroup(pgid) {
          const g: CheckGroup = { pgid, start: readProc(pgid)?.start };
          running.add(g);
          write();
          return () => {
            if (running.delete(g)) write();
          };
        },
        forgetLeftovers() {
          leftovers = [];
          write();
        },
        release: async () => {
          released = true;
          await rm(file, { force: true });
        },
      };
    }
    const held = await readLockFile(file);
    if (!held) continue;
    if (!isStale(held))
      throw refuse(
        `task ${id} is running (process ${held.owner!.pid})`,
        'cancel it first, or wait for it to finish',
      );
    stale = true;
    const groups = (held.owner as RunLockContent | null)?.groups;
    if (Array.isArray(groups)) leftovers = mergeGroups(leftovers, groups);
    await breakStaleLock(file, held.raw);
  }
  throw refuse(`task ${id} is being started by another process`);
}

function mergeGroups(a: CheckGroup[], b: CheckGroup[]): CheckGroup[] {
  const out = [...a];
  for (const g of b)
    if (Number.isInteger(g?.pgid) && g.pgid > 1 && !out.some((o) => o.pgid === g.pgid && o.start === g.start))
      out.push({ pgid: g.pgid, ...(typeof g.start === 'string' ? { start: g.start } : {}) });
  return out;
}
