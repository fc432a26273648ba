import path from 'node:path';
import type { Repo } from '../git/repo.js';

/** Where factory keeps its own files inside the git common dir. */
export const tasksDir = (repo: Repo) => path.join(repo.factoryDir, 'tasks');
export const taskDir = (repo: Repo, id: number) => path.join(tasksDir(repo), String(id));
export const recordFile = (repo: Repo, id: number) => path.join(taskDir(repo, id), 'task.json');
export const eventsFile = (repo: Repo, id: number) => path.join(taskDir(repo, id), 'events.jsonl');
export const runLockFile = (repo: Repo, id: number) => path.join(taskDir(repo, id), 'run.lock');
export const setupLogFile = (repo: Repo, id: number) => path.join(taskDir(repo, id), 'setup.log');
export const counterFile = (repo: Repo) => path.join(repo.factoryDir, 'last-id');

/** The directory that holds task worktrees: `worktree.dir` (relative to the repo root) or the default. */
export function worktreesDir(repo: Repo, configured: string | null): string {
  if (!configured) return path.join(repo.factoryDir, 'worktrees');
  return path.resolve(repo.root, configured);
}

export const poolPrefix = 'pool-';
/** The merge queue's scratch worktree while a queue runs (tasks/scratch.ts). */
export const queuePrefix = 'queue-';
