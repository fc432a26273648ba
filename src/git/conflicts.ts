import { git } from './run.js';
import { FactoryError } from '../errors.js';
import type { Repo } from './repo.js';

/**
 * Merges `a` and `b` with `git merge-tree` (no worktree, index or ref is touched): the
 * resulting tree, and the files that conflict (empty when they merge cleanly).
 */
export async function trialMerge(
  repo: Repo,
  a: string,
  b: string,
): Promise<{ tree: string; conflicts: string[] }> {
  const r = await git(['merge-tree', '--write-tree', '--name-only', '-z', a, b], {
    cwd: repo.root,
    allowFail: true,
  });
  const [tree, ...rest] = r.stdout.split('\0');
  if ((r.code !== 0 && r.code !== 1) || !tree)
    throw new FactoryError(`git merge-tree failed: ${r.stderr.trim()}`);
  if (r.code === 0) return { tree, conflicts: [] };
  // With -z the conflicted paths end at an empty field; informational messages follow it.
  const end = rest.indexOf('');
  return { tree, conflicts: [...new Set(end < 0 ? rest : rest.slice(0, end))].filter(Boolean) };
}

/** The files that would conflict if `a` and `b` were merged. */
export async function mergeConflicts(repo: Repo, a: string, b: string): Promise<string[]> {
  return (await trialMerge(repo, a, b)).conflicts;
}
