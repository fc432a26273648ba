import type { Repo } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import {
  MergeConflictError,
  mergeBranch,
  refuseDuringOperation,
  type MergeMode,
  type MergeResult,
} from '../git/merge.js';
import type { TaskView } from './history.js';
import { readRecord } from './record.js';
import { withIdleTask } from './recover.js';
import { saveHandEdits, type SavedEdits } from './hand-edits.js';
import { clearJournal, finishMerge, journalOwner, writeJournal } from './journal.js';
import { refuseUnmergeable } from './mergeable.js';
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
    return await withRepoLock(repo.factoryDir, async () => {
      refuseDuringOperation(repo, 'a merge');
      const { view, edits } = await refuseUnmergeable(
        repo,
        id,
        force,
        `roll back to a passing attempt, resume the task, or merge it anyway with \`factory merge ${id} --force\``,
      );
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
