/**
 * What the schema cannot say about the `worktree` paths: `copy`, `link` and `keep` name places
 * inside the main tree and inside each task worktree, so none may be absolute, climb out with
 * `..` or reach into `.git`; and `worktree.dir` may not be the repository itself or a folder
 * above it (factory removes folders in it). The rest of the `worktree.dir` rules need the disk
 * and git, and are checked where the folder is used (tasks/worktrees-dir.ts).
 */
import path from 'node:path';

export interface PathProblem {
  path: (string | number)[];
  message: string;
}

/** Why a configured relative path does not stay inside the tree, or null when it does. */
export function escapes(p: string): string | null {
  if (path.isAbsolute(p) || /^[a-z]:/i.test(p) || p.startsWith('~'))
    return 'must be relative to the repository top level, not absolute';
  const parts = p.split(/[\\/]/);
  if (parts.includes('..')) return 'must stay inside the repository: ".." is not allowed';
  if (parts.some((s) => s.toLowerCase() === '.git')) return 'must not name git\'s own ".git"';
  return null;
}

/** `worktree.dir` set to the repository or a folder holding it: factory would prune the user's files. */
export function dirProblem(dir: string, repoRoot: string): string | null {
  const abs = path.resolve(repoRoot, dir);
  const root = path.resolve(repoRoot);
  if (abs === root) return 'is the repository itself; task worktrees need a folder of their own';
  if (root.startsWith(abs === path.sep ? abs : `${abs}${path.sep}`))
    return `is ${abs}, a folder above the repository; task worktrees need a folder of their own`;
  if (abs === path.join(root, '.git')) return "is the repository's .git directory";
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The problems of one configuration layer's `worktree` section (values already schema-valid). */
export function worktreePathProblems(data: unknown, repoRoot: string | undefined): PathProblem[] {
  if (!isObject(data) || !isObject(data.worktree)) return [];
  const wt = data.worktree;
  const problems: PathProblem[] = [];
  for (const field of ['copy', 'link', 'keep'] as const) {
    const list = wt[field];
    if (!Array.isArray(list)) continue;
    list.forEach((p, i) => {
      const why = typeof p === 'string' ? escapes(p) : null;
      if (why) problems.push({ path: ['worktree', field, i], message: `${why}, got ${JSON.stringify(p)}` });
    });
  }
  if (typeof wt.dir === 'string' && repoRoot) {
    const why = dirProblem(wt.dir, repoRoot);
    if (why) problems.push({ path: ['worktree', 'dir'], message: `${JSON.stringify(wt.dir)} ${why}` });
  }
  return problems;
}
