/**
 * The refusals a merge makes about a task before anything is written, the same for `factory
 * merge <task>` and for each task of a merge queue: merged or discarded already, no branch, a tip
 * that is not a passing attempt (unless forced), hand edits in its worktree (unless forced).
 */
import type { Repo } from '../git/repo.js';
import { refuse } from '../errors.js';
import { loadTask, type TaskView } from './history.js';
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
  const status = await taskStatus(repo, id, await readEvents(repo, id));
  if (status.status === 'merged' || status.status === 'discarded')
    throw refuse(`task ${id} is already ${status.status}`);
  const view = await loadTask(repo, id);
  if (!view.tip) throw refuse(`task ${id} has no branch any more (${view.record.branch})`);
  const role = tipRole(view);
  if (!force && !isPassingTip(role))
    throw refuse(
      `the branch of task ${id} is at ${describeRole(role)}; merge only takes a passing attempt`,
      hint,
    );
  return view;
}
