import path from 'node:path';
import { rm } from 'node:fs/promises';
import { currentBranch, headCommit, resolveCommit, type Repo } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import { addWorktree, reuseWorktree } from '../git/worktree.js';
import { prepareWorktree } from '../git/prepare.js';
import { setRef } from '../git/rollback.js';
import { baseRef, taskBranch } from '../git/refs.js';
import { allocateId } from './ids.js';
import { appendEvent, writeRecord, type TaskRecord } from './record.js';
import { setupLogFile, taskDir, worktreesDir } from './paths.js';
import { pooledWorktrees } from './pool.js';
import type { WorktreeOptions } from './options.js';

export interface CreateTaskRequest {
  title: string;
  description?: string;
  /** A ref or commit; HEAD of the main worktree when absent. */
  base?: string;
  check?: string | null;
}

export interface CreatedTask {
  record: TaskRecord;
  recycled: boolean;
}

/**
 * Creates a task: id, branch `factory/<id>-<slug>`, worktree and record. The repo lock covers
 * only id allocation and the worktree add/reuse; copying, linking and setup run outside it so
 * tasks can be prepared in parallel.
 */
export async function createTask(
  repo: Repo,
  opts: WorktreeOptions,
  req: CreateTaskRequest,
): Promise<CreatedTask> {
  const base = req.base ? await resolveCommit(repo, req.base) : await headCommit(repo);
  const baseName = req.base ?? ((await currentBranch(repo.root))?.replace(/^refs\/heads\//, '') || 'HEAD');

  const { record, recycled } = await withRepoLock(repo.factoryDir, async () => {
    const id = await allocateId(repo);
    const branch = taskBranch(id, req.title);
    const worktree = path.join(worktreesDir(repo, opts.dir), String(id));
    try {
      const pooled = (await pooledWorktrees(repo, opts))[0];
      if (pooled) await reuseWorktree(repo, pooled, worktree, branch, base);
      else await addWorktree(repo, worktree, branch, base);
      await setRef(repo.root, baseRef(id), base);
      const rec: TaskRecord = {
        id,
        title: req.title,
        ...(req.description ? { description: req.description } : {}),
        branch,
        base,
        baseName,
        worktree,
        createdAt: new Date().toISOString(),
        ...(req.check !== undefined ? { check: req.check } : {}),
      };
      await writeRecord(repo, rec);
      await appendEvent(repo, id, 'created', { base, branch, recycled: Boolean(pooled) });
      return { record: rec, recycled: Boolean(pooled) };
    } catch (e) {
      await rm(taskDir(repo, id), { recursive: true, force: true });
      throw e;
    }
  });

  try {
    await prepareWorktree(repo, record.worktree, {
      copy: opts.copy,
      link: opts.link,
      setup: opts.setup,
      setupLog: setupLogFile(repo, record.id),
    });
  } catch (e) {
    await appendEvent(repo, record.id, 'status', {
      status: 'failed',
      reason: `setup: ${(e as Error).message}`,
    });
    throw e;
  }
  return { record, recycled };
}
