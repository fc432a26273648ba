import path from 'node:path';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { Repo } from '../git/repo.js';
import {
  linkedWorktree,
  parkWorktree,
  removeWorktree,
  repairMoved,
  stowWorktrees,
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

/** A worktree to retire, and how (see retireWorktree). */
export interface Retiring {
  worktree: string;
  how: 'clean' | 'as-is';
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
  return (await retireWorktrees(repo, [{ worktree, how }], opts))[0]!;
}

/**
 * Retires several worktrees at once (a merge queue's landed tasks and its scratch worktree): each
 * is cleaned or stowed beside the others, and git learns their new places in one `worktree
 * repair`. Callers hold the repo lock.
 */
export async function retireWorktrees(
  repo: Repo,
  items: Retiring[],
  opts: WorktreeOptions,
): Promise<('pooled' | 'removed')[]> {
  const dir = await checkedWorktreesDir(repo, opts);
  let room = opts.pool - (await pooledWorktrees(repo, opts)).length;
  let n = 1;
  // Where each goes: a free pool slot, or away (gone already, or the pool is full).
  const places: (string | null)[] = [];
  for (const { worktree } of items) {
    if (!existsSync(worktree)) places.push(null);
    else {
      // Parking runs checkout, reset and clean in the worktree: with a `.git` link rewritten to
      // point at the main repository, those would move the main HEAD and index. Refuse first.
      await verifyWorktreeLink(repo.commonDir, worktree);
      if (room-- <= 0) places.push(null);
      else {
        while (existsSync(path.join(dir, `${poolPrefix}${n}`))) n++;
        places.push(path.join(dir, `${poolPrefix}${n++}`));
      }
    }
  }
  // Removals first: `worktree prune` would forget a worktree renamed but not yet repaired.
  const results: ('pooled' | 'removed')[] = items.map(() => 'removed');
  for (const [i, { worktree }] of items.entries())
    if (!places[i]) {
      await removeWorktree(repo, worktree);
      await unmarkFolder(repo, worktree);
    }
  // Each cleaned beside the others; the stowed ones detached by one git process.
  const stowing = items.flatMap(({ worktree, how }, i) =>
    places[i] && how === 'as-is' ? [{ dir: worktree, to: places[i] }] : [],
  );
  const marked = Promise.all(places.map((to) => to && markFolder(repo, to)));
  const [stowed, ...parked] = await Promise.all([
    marked
      .then(() => stowWorktrees(repo, stowing))
      .then(
        () => true,
        () => false,
      ),
    ...items.map(({ worktree, how }, i) => {
      const to = places[i];
      if (!to || how === 'as-is') return false;
      return marked
        .then(() => parkWorktree(repo, worktree, to, keptDirs(opts), { repair: false }))
        .then(
          () => true,
          () => false,
        );
    }),
  ]);
  const moved = items.map((it, i) => (it.how === 'as-is' ? stowed && places[i] !== null : parked[i]!));
  const pooled = items.map((_, i) => places[i]!).filter((_, i) => moved[i]);
  const repaired = await repairMoved(repo, pooled).then(
    () => true,
    () => false,
  );
  for (const [i, { worktree }] of items.entries()) {
    const to = places[i];
    if (!to) continue;
    if (moved[i] && repaired) {
      results[i] = 'pooled';
      await unmarkFolder(repo, worktree);
      continue;
    }
    // A worktree that cannot be cleaned is not worth keeping.
    await removeWorktree(repo, existsSync(worktree) ? worktree : to);
    await unmarkFolder(repo, worktree);
    await unmarkFolder(repo, to);
  }
  return results;
}
