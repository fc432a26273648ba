import type { Repo } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import {
  MergeConflictError,
  mergeBranch,
  refuseDuringOperation,
  type MergeMode,
  type MergeResult,
} from '../git/merge.js';
import { refuse } from '../errors.js';
import { loadTask, type TaskView } from './history.js';
import { readEvents, readRecord } from './record.js';
import { withIdleTask } from './recover.js';
import { taskStatus } from './status.js';
import { checkHandEdits, saveHandEdits, type SavedEdits } from './hand-edits.js';
import { clearJournal, finishMerge, journalOwner, writeJournal } from './journal.js';
import { describeRole, isPassingTip, tipRole } from './tip.js';
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

export interface MergeOptions {
  /**
   * Merge even when the branch tip is not a passing attempt, and save uncommitted changes in the
   * task worktree in a commit (instead of refusing) before the worktree is cleaned.
   */
  force?: boolean;
}

export async function mergeTask(
  repo: Repo,
  opts: WorktreeOptions,
  id: number,
  mode: MergeMode = 'squash',
  { force = false }: MergeOptions = {},
): Promise<MergeResult & { worktree: 'pooled' | 'removed' | 'kept'; saved?: SavedEdits }> {
  const record = await readRecord(repo, id);
  return withIdleTask(repo, record, async () => {
    const status = await taskStatus(repo, id, await readEvents(repo, id));
    if (status.status === 'merged' || status.status === 'discarded')
      throw refuse(`task ${id} is already ${status.status}`);
    return await withRepoLock(repo.factoryDir, async () => {
      const view = await loadTask(repo, id);
      if (!view.tip) throw refuse(`task ${id} has no branch any more (${view.record.branch})`);
      refuseDuringOperation(repo, 'a merge');
      const role = tipRole(view);
      if (!force && !isPassingTip(role))
        throw refuse(
          `the branch of task ${id} is at ${describeRole(role)}; merge only takes a passing attempt`,
          `roll back to a passing attempt, resume the task, or merge it anyway with \`factory merge ${id} --force\``,
        );
      const edits = await checkHandEdits(repo, id, record.worktree, 'merge', force);
      let saved: SavedEdits | null = null;
      let result: MergeResult;
      try {
        result = await mergeBranch(repo, {
          branch: record.branch,
          worktree: record.worktree,
          base: record.base,
          mode,
          message: squashMessage(view),
          label: `task ${id}`,
          beforeRebase: async (taskTip) => {
            // The rebase runs in the task worktree: its hand edits go to a commit first.
            saved = await saveHandEdits(repo, id, record.worktree, edits);
            await writeJournal(repo, {
              op: 'merge',
              task: id,
              owner: journalOwner(),
              mode,
              phase: 'rebasing',
              taskTip,
            });
          },
          prepared: async (p) => {
            saved ??= await saveHandEdits(repo, id, record.worktree, edits);
            await writeJournal(repo, {
              op: 'merge',
              task: id,
              owner: journalOwner(),
              mode,
              phase: 'moving',
              taskTip: view.tip!,
              ...p,
            });
          },
        });
      } catch (e) {
        // A merge that failed has put everything back itself; there is nothing to recover.
        await clearJournal(repo, id);
        if (e instanceof MergeConflictError)
          throw new MergeConflictError(
            e.files,
            `\`factory resume ${id} --rebase\` moves the task onto the current branch and lets it fix the conflict; or merge it by hand`,
          );
        throw e;
      }
      const worktree = await finishMerge(repo, opts, record, {
        commit: result.commit,
        into: result.into,
        mode,
      });
      return { ...result, worktree, ...(saved ? { saved: saved as SavedEdits } : {}) };
    });
  });
}
