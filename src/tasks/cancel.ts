import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Repo } from '../git/repo.js';
import { refuse } from '../errors.js';
import { taskDir } from './paths.js';
import { runningOwner } from './run-lock.js';

const cancelFile = (repo: Repo, id: number) => path.join(taskDir(repo, id), 'cancel');

/**
 * Asks the process running a task to cancel it. A file rather than a signal, so that process
 * cancels only this task, not the others it runs in parallel.
 */
export async function requestCancel(repo: Repo, id: number): Promise<void> {
  if (!(await runningOwner(repo, id))) throw refuse(`task ${id} is not running`);
  await writeFile(cancelFile(repo, id), `${new Date().toISOString()}\n`);
}

/**
 * Aborts the returned signal when `parent` aborts or a cancel request for the task appears.
 * Call `stop` when the task ends.
 */
export function watchCancel(
  repo: Repo,
  id: number,
  parent: AbortSignal,
): { signal: AbortSignal; stop: () => Promise<void> } {
  const ctrl = new AbortController();
  const file = cancelFile(repo, id);
  const onParent = () => ctrl.abort(parent.reason);
  if (parent.aborted) ctrl.abort(parent.reason);
  parent.addEventListener('abort', onParent, { once: true });
  // A stale request from an earlier run must not cancel this one.
  const cleared = rm(file, { force: true });
  const timer = setInterval(() => {
    if (existsSync(file)) ctrl.abort(new Error(`task ${id} cancelled`));
  }, 300);
  timer.unref();
  return {
    signal: ctrl.signal,
    stop: async () => {
      clearInterval(timer);
      parent.removeEventListener('abort', onParent);
      await cleared;
      await rm(file, { force: true });
    },
  };
}
