import type { Repo } from '../git/repo.js';
import { mergeConflicts } from '../git/conflicts.js';
import { branchRef } from '../git/refs.js';
import { revParse } from '../git/rollback.js';
import { listTasks } from './summary.js';

export interface ConflictMatrix {
  /** The open tasks, in order: rows and columns of `pairs`. */
  tasks: { id: number; title: string; branch: string }[];
  /** Files each task conflicts on with the base (what the main worktree has checked out). */
  withBase: Record<number, string[]>;
  /** Files two tasks conflict on with each other, keyed `a:b` with a < b. */
  pairs: Record<string, string[]>;
}

/**
 * Which open task branches conflict with the base and with each other, so the user sees it
 * before merging. Uses merge-tree only: no worktree is touched.
 */
export async function conflictMatrix(repo: Repo): Promise<ConflictMatrix> {
  const open = (await listTasks(repo)).filter((t) => t.status !== 'merged' && t.status !== 'discarded');
  const head = await revParse(repo.root, 'HEAD');
  const tips = new Map<number, string>();
  for (const t of open) {
    const tip = await revParse(repo.root, branchRef(t.branch));
    if (tip) tips.set(t.id, tip);
  }
  const tasks = open
    .filter((t) => tips.has(t.id))
    .map((t) => ({ id: t.id, title: t.title, branch: t.branch }));
  const withBase: Record<number, string[]> = {};
  const pairs: Record<string, string[]> = {};
  for (const t of tasks) withBase[t.id] = head ? await mergeConflicts(repo, head, tips.get(t.id)!) : [];
  for (let i = 0; i < tasks.length; i++)
    for (let j = i + 1; j < tasks.length; j++) {
      const a = tasks[i]!;
      const b = tasks[j]!;
      pairs[`${a.id}:${b.id}`] = await mergeConflicts(repo, tips.get(a.id)!, tips.get(b.id)!);
    }
  return { tasks, withBase, pairs };
}
