import path from 'node:path';
import { headCommit, mainBranchName, resolveCommit, type Repo } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import { addWorktree, reuseWorktree } from '../git/worktree.js';
import { prepareWorktree } from '../git/prepare.js';
import { taskBranch } from '../git/refs.js';
import { validateRef } from '../git/validate-ref.js';
import { allocateId, releaseId } from './ids.js';
import { appendEvent, writeRecord, type TaskRecord } from './record.js';
import { setupLogFile, worktreesDir } from './paths.js';
import { pickPooled, pooledWorktrees } from './pool.js';
import type { WorktreeOptions } from './options.js';

export interface CreateTaskRequest {
  title: string;
  description?: string;
  /** A ref or commit; HEAD of the main worktree when absent. */
  base?: string;
  check?: string | null;
  constraints?: string[];
  maxAttempts?: number;
  timeout?: number;
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
  // The base reaches `git worktree add` as an argument: it must name a commit, never an option.
  if (req.base !== undefined) await validateRef(repo, req.base);
  const baseName = req.base ?? (await mainBranchName(repo));
  const { record, recycled } = await withRepoLock(repo.factoryDir, async () => {
    const id = await allocateId(repo);
    const branch = taskBranch(id, req.title);
    const worktree = path.join(worktreesDir(repo, opts.dir), String(id));
    try {
      const pool = await pooledWorktrees(repo, opts);
      let base: string;
      if (pool.length) {
        base = req.base ? await resolveCommit(repo, req.base) : await headCommit(repo);
        await reuseWorktree(repo, pickPooled(pool, base)!, worktree, branch, base);
      } else {
        base = await addWorktree(repo, worktree, branch, req.base ?? 'HEAD');
      }
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
        ...(req.constraints?.length ? { constraints: req.constraints } : {}),
        ...(req.maxAttempts !== undefined ? { maxAttempts: req.maxAttempts } : {}),
        ...(req.timeout !== undefined ? { timeout: req.timeout } : {}),
      };
      await writeRecord(repo, rec);
      await appendEvent(repo, id, 'created', { base, branch, recycled: pool.length > 0 });
      return { record: rec, recycled: pool.length > 0 };
    } catch (e) {
      await releaseId(repo, id);
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
