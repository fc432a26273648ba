import type { Repo } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import { branchRef } from '../git/refs.js';
import { revParse } from '../git/rollback.js';
import { refuse } from '../errors.js';
import { readEvents, readRecord } from './record.js';
import { withIdleTask } from './recover.js';
import { taskStatus } from './status.js';
import { checkHandEdits, saveHandEdits, type SavedEdits } from './hand-edits.js';
import { finishDiscard, journalOwner, writeJournal } from './journal.js';
import type { WorktreeOptions } from './options.js';

export interface DiscardResult {
  task: number;
  branch: string;
  worktree: 'pooled' | 'removed';
  /** Uncommitted changes found in the worktree (with --force), kept in a commit. */
  saved?: SavedEdits;
}

/**
 * Drops a task: its worktree goes back to the pool (or away), its branch is deleted, and its
 * attempt refs stay until `factory prune`, so the work is still recoverable until then. Refuses
 * when the worktree holds uncommitted changes; with `force` they are saved in a commit first.
 */
export async function discardTask(
  repo: Repo,
  opts: WorktreeOptions,
  id: number,
  { force = false }: { force?: boolean } = {},
): Promise<DiscardResult> {
  const record = await readRecord(repo, id);
  return withIdleTask(repo, record, async () => {
    const status = await taskStatus(repo, id, await readEvents(repo, id));
    if (status.status === 'discarded') throw refuse(`task ${id} is already discarded`);
    return await withRepoLock(repo.factoryDir, async () => {
      const edits = await checkHandEdits(repo, id, record.worktree, 'discard', force);
      const saved = await saveHandEdits(repo, id, record.worktree, edits);
      const tip = await revParse(repo.root, branchRef(record.branch));
      await writeJournal(repo, { op: 'discard', task: id, owner: journalOwner(), tip });
      const worktree = await finishDiscard(repo, opts, record, tip);
      return { task: id, branch: record.branch, worktree, ...(saved ? { saved } : {}) };
    });
  });
}
