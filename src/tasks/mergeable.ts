/**
 * The refusals a merge makes about a task before anything is written, the same for `factory
 * merge <task>` and for each task of a merge queue: merged or discarded already, no branch, a tip
 * that is not a passing attempt (unless forced), hand edits in its worktree (unless forced).
 */
import type { Repo } from '../git/repo.js';
import { refuse } from '../errors.js';
import { loadTask, loadTasks, type TaskView } from './history.js';
import { readEvents } from './record.js';
import { taskStatus } from './status.js';
import { checkHandEdits } from './hand-edits.js';
import { describeRole, isPassingTip, tipRole } from './tip.js';

export interface Mergeable {
  view: TaskView;
  /** Files edited by hand in its worktree (only with `force`: else they are refused). */
  edits: string[];
}

/** Reads only. `hint` says what to do about a tip that is not a passing attempt. */
export async function refuseUnmergeable(
  repo: Repo,
  id: number,
  force: boolean,
  hint: string,
): Promise<Mergeable> {
  const view = await mergeableView(repo, id, force, hint);
  return { view, edits: await checkHandEdits(repo, id, view.record.worktree, 'merge', force) };
}

/** The refusals about the task's status and branch tip (not its worktree): its view when it may merge. */
export async function mergeableView(repo: Repo, id: number, force: boolean, hint: string): Promise<TaskView> {
  await refuseEnded(repo, id);
  return refuseTip(await loadTask(repo, id), force, hint);
}

/**
 * mergeableView for several tasks, each with its own refusals, in the order given; the histories
 * of tasks made from the same base are read by one git process.
 */
export function mergeableViews(repo: Repo, ids: number[], force: boolean, hint: string): Promise<TaskView>[] {
  const ended = ids.map((id) => refuseEnded(repo, id));
  // Only the tasks still open are read: a merged or discarded one refuses with that, not with git's words.
  const views = Promise.allSettled(ended).then(async (states) => {
    const open = ids.filter((_, i) => states[i]!.status === 'fulfilled');
    return new Map((await loadTasks(repo, open)).map((v) => [v.record.id, v]));
  });
  // Each is awaited by its task's refusals below: meanwhile a failure is not unhandled.
  for (const p of [views, ...ended]) p.catch(() => undefined);
  return ids.map(async (id, i) => {
    await ended[i];
    return refuseTip((await views).get(id)!, force, hint);
  });
}

async function refuseEnded(repo: Repo, id: number): Promise<void> {
  const status = await taskStatus(repo, id, await readEvents(repo, id));
  if (status.status === 'merged' || status.status === 'discarded')
    throw refuse(`task ${id} is already ${status.status}`);
}

function refuseTip(view: TaskView, force: boolean, hint: string): TaskView {
  const id = view.record.id;
  if (!view.tip) throw refuse(`task ${id} has no branch any more (${view.record.branch})`);
  const role = tipRole(view);
  if (!force && !isPassingTip(role))
    throw refuse(
      `the branch of task ${id} is at ${describeRole(role)}; merge only takes a passing attempt`,
      hint,
    );
  return view;
}
