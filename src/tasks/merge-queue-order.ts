/**
 * What a merge queue takes and in which order: a plan's parent stands for its children, and the
 * least conflicting tasks go first (predicted by read-only trial merges).
 */
import type { Repo } from '../git/repo.js';
import { mergeConflicts } from '../git/conflicts.js';
import { mayConflict, type TreeChange } from '../git/tree-changes.js';
import { refuse } from '../errors.js';
import { readEvents, readRecord } from './record.js';
import { taskStatus } from './status.js';

/**
 * The tasks a queue takes for the ids given: a plan's parent stands for its children in plan
 * order (those already merged or discarded skipped); every other id for itself. Duplicates go.
 */
export async function expandQueue(repo: Repo, ids: number[]): Promise<{ ids: number[]; plan: boolean }> {
  const out: number[] = [];
  let plan = false;
  for (const id of ids) {
    const rec = await readRecord(repo, id);
    if (rec.children?.length) {
      plan = true;
      for (const c of rec.children) {
        const s = await taskStatus(repo, c, await readEvents(repo, c));
        if (s.status !== 'merged' && s.status !== 'discarded' && !out.includes(c)) out.push(c);
      }
    } else if (!out.includes(id)) out.push(id);
  }
  if (!out.length)
    throw refuse(`nothing to merge: every child of task ${ids.join(', ')} is merged or discarded`);
  return { ids: out, plan };
}

/**
 * The order of the queue: tasks predicted to conflict with fewer others (and with the base) go
 * first, ties in the order given. A plan keeps its plan order: later subtasks build on earlier
 * ones, and the prediction is only reported. `change` is each task's diff from its base to its
 * tip: two tasks from the same base whose changes cannot conflict need no trial merge.
 */
export async function queueOrder(
  repo: Repo,
  head: string,
  tasks: { id: number; tip: string; base: string; change: TreeChange }[],
  keepOrder: boolean,
): Promise<{ order: number[]; predicted: Record<string, string[]> }> {
  const predicted: Record<string, string[]> = {};
  const score = new Map<number, number>(tasks.map((t) => [t.id, 0]));
  const pairs: [(typeof tasks)[number], (typeof tasks)[number]][] = [];
  for (let i = 0; i < tasks.length; i++)
    for (let j = i + 1; j < tasks.length; j++) pairs.push([tasks[i]!, tasks[j]!]);
  // Read-only trial merges, all at once; folded in a fixed order so the result never varies. A
  // task that started from the head merges into it cleanly: no need to ask git.
  const [withBase, between] = await Promise.all([
    Promise.all(tasks.map((t) => (t.base === head ? [] : mergeConflicts(repo, head, t.tip)))),
    Promise.all(
      pairs.map(([a, b]) =>
        a.base === b.base && !mayConflict(a.change, b.change) ? [] : mergeConflicts(repo, a.tip, b.tip),
      ),
    ),
  ]);
  tasks.forEach((t, i) => {
    if (withBase[i]!.length) score.set(t.id, score.get(t.id)! + 1);
  });
  for (const [k, [a, b]] of pairs.entries()) {
    const files = between[k]!;
    if (!files.length) continue;
    predicted[`${Math.min(a.id, b.id)}:${Math.max(a.id, b.id)}`] = files;
    score.set(a.id, score.get(a.id)! + 1);
    score.set(b.id, score.get(b.id)! + 1);
  }
  const given = tasks.map((t) => t.id);
  const order = keepOrder
    ? given
    : [...given].sort((a, b) => score.get(a)! - score.get(b)! || given.indexOf(a) - given.indexOf(b));
  return { order, predicted };
}
