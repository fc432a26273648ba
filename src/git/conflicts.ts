import { git } from './run.js';
import type { Repo } from './repo.js';

/**
 * The files that would conflict if `a` and `b` were merged, computed with `git merge-tree`
 * (no worktree, index or ref is touched). Empty when they merge cleanly.
 */
export async function mergeConflicts(repo: Repo, a: string, b: string): Promise<string[]> {
  const r = await git(['merge-tree', '--write-tree', '--name-only', '-z', a, b], {
    cwd: repo.root,
    allowFail: true,
  });
  if (r.code === 0) return [];
  const [, ...rest] = r.stdout.split('\0');
  const end = rest.indexOf('');
  return [...new Set(end < 0 ? rest : rest.slice(0, end))].filter(Boolean);
}
