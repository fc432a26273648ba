import path from 'node:path';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { Repo } from '../git/repo.js';
import {
  linkedWorktree,
  parkWorktree,
  removeWorktree,
  stowWorktree,
  type PooledWorktree,
} from '../git/worktree.js';
import { poolPrefix, worktreesDir } from './paths.js';
import { verifyWorktreeLink } from '../git/worktree-link.js';
import { markFolder, unmarkFolder } from './folder-marks.js';
import { checkedWorktreesDir } from './worktrees-dir.js';
import { keptDirs, type WorktreeOptions } from './options.js';

export type { PooledWorktree };

/** Parked worktrees ready for reuse. Callers hold the repo lock. */
export async function pooledWorktrees(repo: Repo, opts: WorktreeOptions): Promise<PooledWorktree[]> {
  const dir = worktreesDir(repo, opts.dir);
  const names = await readdir(dir).catch(() => [] as string[]);
  const found = await Promise.all(
    names
      .filter((n) => n.startsWith(poolPrefix))
      .sort()
      .map((n) => linkedWorktree(repo.commonDir, path.join(dir, n))),
  );
  return found.filter((w) => w !== null);
}

/**
 * The pooled worktree that is cheapest to move to `base`: a clean one already there, else a clean
 * one (a checkout), else a stowed one (a checkout and a clean).
 */
export function pickPooled(pool: PooledWorktree[], base: string): PooledWorktree | undefined {
  return pool.find((w) => w.clean && w.head === base) ?? pool.find((w) => w.clean) ?? pool[0];
}

/**
 * Returns a finished task's worktree to the pool, or removes it when the pool is full. Callers
 * hold the repo lock. `clean` parks it ready for a new task at its commit; `as-is` stows it (for
 * a worktree nobody will start from where it is: a merged task's, whose commit the merge
 * replaced), to be cleaned by the checkout that takes it.
 */
export async function retireWorktree(
  repo: Repo,
  worktree: string,
  opts: WorktreeOptions,
  how: 'clean' | 'as-is' = 'clean',
): Promise<'pooled' | 'removed'> {
  if (!existsSync(worktree)) {
    await removeWorktree(repo, worktree);
    await unmarkFolder(repo, worktree);
    return 'removed';
  }
  // Parking runs checkout, reset and clean in the worktree: with a `.git` link rewritten to
  // point at the main repository, those would move the main HEAD and index. Refuse first.
  await verifyWorktreeLink(repo.commonDir, worktree);
  const dir = await checkedWorktreesDir(repo, opts);
  const pooled = await pooledWorktrees(repo, opts);
  if (pooled.length >= opts.pool) {
    await removeWorktree(repo, worktree);
    await unmarkFolder(repo, worktree);
    return 'removed';
  }
  let n = 1;
  while (existsSync(path.join(dir, `${poolPrefix}${n}`))) n++;
  const to = path.join(dir, `${poolPrefix}${n}`);
  await markFolder(repo, to);
  try {
    if (how === 'clean') await parkWorktree(repo, worktree, to, keptDirs(opts));
    else await stowWorktree(repo, worktree, to);
    await unmarkFolder(repo, worktree);
    return 'pooled';
  } catch {
    // A worktree that cannot be cleaned is not worth keeping.
    const left = existsSync(worktree) ? worktree : to;
    await removeWorktree(repo, left);
    await unmarkFolder(repo, worktree);
    await unmarkFolder(repo, to);
    return 'removed';
  }
}
