import path from 'node:path';
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Repo } from '../git/repo.js';
import { attemptRefs, readHistory } from '../git/history.js';
import { attemptRef, branchRef } from '../git/refs.js';
import { git } from '../git/run.js';
import { revParse } from '../git/rollback.js';
import { worktreeGitDir } from '../git/worktree.js';
import { removeSettledLock } from '../git/settled-lock.js';
import { appendEvent, type TaskRecord } from './record.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { stopLeftovers } from './leftovers.js';

/**
 * Git lock files left by a writer that was killed mid-command. Only ever called while this
 * process holds the task's run lock after finding the previous owner dead, so nobody else can be
 * using them.
 */
async function clearStaleGitLocks(repo: Repo, rec: TaskRecord): Promise<void> {
  const gitDir = await worktreeGitDir(rec.worktree);
  const attemptsDir = path.join(repo.commonDir, 'refs', 'factory', String(rec.id), 'attempts');
  const locks = [
    path.join(gitDir, 'index.lock'),
    // update-ref of the branch checked out here also locks this worktree's HEAD (for its reflog).
    path.join(gitDir, 'HEAD.lock'),
    path.join(repo.commonDir, `${branchRef(rec.branch)}.lock`),
    ...(await readdir(attemptsDir).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.lock'))
      .map((f) => path.join(attemptsDir, f)),
  ];
  for (const lock of locks) await removeSettledLock(lock);
}

/**
 * A kill between the renames of an attempt commit's ref transaction leaves the branch on the
 * attempt commit without its attempt ref. Recreate the refs of attempt commits on the branch.
 */
async function repairAttemptRefs(repo: Repo, rec: TaskRecord, tip: string): Promise<void> {
  const refs = await attemptRefs(repo, rec.id);
  const history = await readHistory(repo, rec.id, rec.base, tip);
  for (const a of history.attempts)
    if (a.commit && a.onBranch && !refs.has(a.n))
      await git(['update-ref', attemptRef(rec.id, a.n), a.commit, ''], { cwd: repo.root });
}

/**
 * After a previous owner died: stop the checks it left running (they would go on writing into
 * the worktree), clear the git locks it left and put back attempt refs a kill may have cut out of
 * a ref transaction.
 */
export async function recoverAfterCrash(repo: Repo, rec: TaskRecord, lock?: RunLock): Promise<void> {
  if (lock?.leftovers.length) {
    const signalled = await stopLeftovers(lock.leftovers);
    await appendEvent(repo, rec.id, 'recovered', {
      groups: lock.leftovers.map((g) => g.pgid),
      signalled,
    });
    lock.forgetLeftovers();
  }
  if (existsSync(rec.worktree)) await clearStaleGitLocks(repo, rec);
  const tip = await revParse(repo.root, branchRef(rec.branch));
  if (tip) await repairAttemptRefs(repo, rec, tip);
}

/** Runs `fn` while holding the task's run lock, recovering first if the last owner was killed. */
export async function withIdleTask<T>(repo: Repo, rec: TaskRecord, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireRunLock(repo, rec.id);
  try {
    if (lock.stale) await recoverAfterCrash(repo, rec, lock);
    return await fn();
  } finally {
    await lock.release();
  }
}
