import type { Repo } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import { mergeBranch, type MergeMode, type MergeResult } from '../git/merge.js';
import { refuse } from '../errors.js';
import { loadTask, type TaskView } from './history.js';
import { appendEvent, readEvents, readRecord } from './record.js';
import { withIdleTask } from './recover.js';
import { taskStatus } from './status.js';
import { retireWorktree } from './pool.js';
import type { WorktreeOptions } from './options.js';

/** The squash message: what the task was, and how each attempt went. */
export function squashMessage(view: TaskView): string {
  const { record, history } = view;
  const lines = [`${record.title} (factory task ${record.id})`, ''];
  if (record.description && record.description !== record.title) lines.push(record.description, '');
  const done = history.attempts.filter((a) => a.onBranch);
  if (done.length) {
    lines.push('Attempts:');
    for (const a of done) {
      const check = a.checkExit === null ? 'check not run' : `check exit ${a.checkExit}`;
      lines.push(
        `- ${a.address}: ${a.outcome ?? 'in progress'}, ${check}, verdict ${a.verdict ?? '-'}, ${a.steps.length} step(s)`,
      );
    }
    lines.push('');
  }
  lines.push(`Factory-Task: ${record.id}`, `Factory-Branch: ${record.branch}`, '');
  return lines.join('\n');
}

export async function mergeTask(
  repo: Repo,
  opts: WorktreeOptions,
  id: number,
  mode: MergeMode = 'squash',
): Promise<MergeResult & { worktree: 'pooled' | 'removed' | 'kept' }> {
  return withIdleTask(repo, await readRecord(repo, id), async () => {
    const status = await taskStatus(repo, id, await readEvents(repo, id));
    if (status.status === 'merged' || status.status === 'discarded')
      throw refuse(`task ${id} is already ${status.status}`);
    return await withRepoLock(repo.factoryDir, async () => {
      const view = await loadTask(repo, id);
      if (!view.tip) throw refuse(`task ${id} has no branch any more (${view.record.branch})`);
      const result = await mergeBranch(repo, {
        branch: view.record.branch,
        worktree: view.record.worktree,
        base: view.record.base,
        mode,
        message: squashMessage(view),
      });
      await appendEvent(repo, id, 'merged', { commit: result.commit, into: result.into, mode });
      const worktree = await retireWorktree(repo, view.record.worktree, opts);
      return { ...result, worktree };
    });
  });
}
