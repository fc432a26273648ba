import { open, readFile, rm } from 'node:fs/promises';
import { refuse } from '../errors.js';
import { ownerIsDead, selfOwner, type Owner } from '../git/process-alive.js';
import type { Repo } from '../git/repo.js';
import { runLockFile } from './paths.js';

/** The live process running a task, or null when none is (a dead owner's lock is stale). */
export async function runningOwner(repo: Repo, id: number): Promise<Owner | null> {
  try {
    const owner = JSON.parse(await readFile(runLockFile(repo, id), 'utf8')) as Owner;
    return ownerIsDead(owner) ? null : owner;
  } catch {
    return null;
  }
}

/**
 * Marks a task as being worked on by this process. Only one writer per task at a time: that is
 * what lets step commits in different worktrees run without any shared lock. Returns whether a
 * dead owner's lock was found, which means the last run was killed and git lock files it left
 * behind may need clearing.
 */
export async function acquireRunLock(
  repo: Repo,
  id: number,
): Promise<{ release: () => Promise<void>; stale: boolean }> {
  const file = runLockFile(repo, id);
  let stale = false;
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(JSON.stringify(selfOwner()));
      await fh.close();
      return { release: () => rm(file, { force: true }), stale };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = await runningOwner(repo, id);
    if (owner)
      throw refuse(
        `task ${id} is running (process ${owner.pid})`,
        'cancel it first, or wait for it to finish',
      );
    stale = true;
    await rm(file, { force: true });
  }
  throw refuse(`task ${id} is being started by another process`);
}
