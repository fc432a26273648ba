import path from 'node:path';
import { existsSync } from 'node:fs';
import { headCommit, mainBranchName, resolveCommit, type Repo } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import { addWorktree, reuseWorktree } from '../git/worktree.js';
import { prepareWorktree } from '../git/prepare.js';
import { taskBranch } from '../git/refs.js';
import { validateRef } from '../git/validate-ref.js';
import { allocateId, releaseId } from './ids.js';
import { appendEvent, writeRecord, type TaskRecord } from './record.js';
import { setupLogFile } from './paths.js';
import { checkedWorktreesDir } from './worktrees-dir.js';
import { markFolder, unmarkFolder } from './folder-marks.js';
import { pickPooled, pooledWorktrees } from './pool.js';
import { keptDirs, type WorktreeOptions } from './options.js';
import { wrapCommand, type SandboxPlan } from '../agent/os-sandbox/index.js';
import { checkEnv } from '../agent/exec-env.js';

/** worktree.setup in the sandbox, with the check's environment rules (setup is code from the repo). */
function wrapSetup(command: string, cwd: string, env: NodeJS.ProcessEnv, plan: SandboxPlan) {
  return wrapCommand(command, cwd, checkEnv(env, { allow: plan.envAllow, deny: plan.envDeny }), plan);
}

export interface CreateTaskRequest {
  title: string;
  description?: string;
  /** A ref or commit; HEAD of the main worktree when absent. */
  base?: string;
  check?: string | null;
  constraints?: string[];
  maxAttempts?: number;
  timeout?: number;
  sandbox?: 'auto' | 'bwrap' | 'seatbelt' | 'none';
  visual?: boolean;
  spec?: string;
  /** Run a planner turn first (`factory task --plan`). */
  plan?: boolean;
  /** A plan's child: its parent's id and its subtask's key. */
  parent?: number;
  planKey?: string;
  /** The OS sandbox worktree.setup runs in; absent: unsandboxed (`factory new`, tests of the engine). */
  setupSandbox?: SandboxPlan;
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
    // Refuses a worktree.dir factory must not create folders in, before anything is allocated.
    const dir = await checkedWorktreesDir(repo, opts);
    const id = await allocateId(repo);
    const branch = taskBranch(id, req.title);
    const worktree = path.join(dir, String(id));
    try {
      const pool = await pooledWorktrees(repo, opts);
      await markFolder(repo, worktree);
      let base: string;
      if (pool.length) {
        base = req.base ? await resolveCommit(repo, req.base) : await headCommit(repo);
        const pooled = pickPooled(pool, base)!;
        await reuseWorktree(repo, pooled, worktree, branch, base, keptDirs(opts));
        await unmarkFolder(repo, pooled.path);
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
        ...(req.sandbox !== undefined ? { sandbox: req.sandbox } : {}),
        ...(req.visual !== undefined ? { visual: req.visual } : {}),
        ...(req.spec !== undefined ? { spec: req.spec } : {}),
        ...(req.plan ? { plan: true } : {}),
        ...(req.parent !== undefined ? { parent: req.parent, planKey: req.planKey } : {}),
      };
      await writeRecord(repo, rec);
      await appendEvent(repo, id, 'created', { base, branch, recycled: pool.length > 0 });
      return { record: rec, recycled: pool.length > 0 };
    } catch (e) {
      if (!existsSync(worktree)) await unmarkFolder(repo, worktree);
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
      ...(req.setupSandbox
        ? {
            wrap: (command: string, cwd: string, env: NodeJS.ProcessEnv) =>
              wrapSetup(command, cwd, env, req.setupSandbox!),
          }
        : {}),
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
