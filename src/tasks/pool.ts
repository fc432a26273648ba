import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Repo } from '../git/repo.js';
import { listWorktrees, parkWorktree, removeWorktree } from '../git/worktree.js';
import { poolPrefix, worktreesDir } from './paths.js';
import type { WorktreeOptions } from './options.js';

/** Parked worktrees ready for reuse. Callers hold the repo lock. */
export async function pooledWorktrees(repo: Repo, opts: WorktreeOptions): Promise<string[]> {
  const dir = worktreesDir(repo, opts.dir);
  const all = await listWorktrees(repo);
  return all
    .filter(
      (w) => !w.prunable && path.dirname(w.path) === dir && path.basename(w.path).startsWith(poolPrefix),
    )
    .map((w) => w.path);
}

/**
 * Returns a finished task's worktree to the pool, or removes it when the pool is full. Callers
 * hold the repo lock.
 */
export async function retireWorktree(
  repo: Repo,
  worktree: string,
  opts: WorktreeOptions,
): Promise<'pooled' | 'removed'> {
  if (!existsSync(worktree)) {
    await removeWorktree(repo, worktree);
    return 'removed';
  }
  const pooled = await pooledWorktrees(repo, opts);
  if (pooled.length >= opts.pool) {
    await removeWorktree(repo, worktree);
    return 'removed';
  }
  const dir = worktreesDir(repo, opts.dir);
  let n = 1;
  while (existsSync(path.join(dir, `${poolPrefix}${n}`))) n++;
  try {
    await parkWorktree(repo, worktree, path.join(dir, `${poolPrefix}${n}`), [...opts.keep, ...opts.link]);
    return 'pooled';
  } catch {
    // A worktree that cannot be cleaned is not worth keeping.
    await removeWorktree(repo, existsSync(worktree) ? worktree : path.join(dir, `${poolPrefix}${n}`));
    return 'removed';
  }
}
