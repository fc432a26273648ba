import type { Repo } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import { git } from '../git/run.js';
import { branchRef } from '../git/refs.js';
import { refuse } from '../errors.js';
import { appendEvent, readEvents, readRecord } from './record.js';
import { withIdleTask } from './recover.js';
import { taskStatus } from './status.js';
import { retireWorktree } from './pool.js';
import type { WorktreeOptions } from './options.js';

export interface DiscardResult {
  task: number;
  branch: string;
  worktree: 'pooled' | 'removed';
}

/**
 * Drops a task: its worktree goes back to the pool (or away), its branch is deleted, and its
 * attempt refs stay until `factory prune`, so the work is still recoverable until then.
 */
export async function discardTask(repo: Repo, opts: WorktreeOptions, id: number): Promise<DiscardResult> {
  const record = await readRecord(repo, id);
  return withIdleTask(repo, record, async () => {
    const status = await taskStatus(repo, id, await readEvents(repo, id));
    if (status.status === 'discarded') throw refuse(`task ${id} is already discarded`);
    return await withRepoLock(repo.factoryDir, async () => {
      const worktree = await retireWorktree(repo, record.worktree, opts);
      await git(['update-ref', '-d', branchRef(record.branch)], { cwd: repo.root, allowFail: true });
      await appendEvent(repo, id, 'discarded', {});
      return { task: id, branch: record.branch, worktree };
    });
  });
}
