import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Repo } from '../git/repo.js';
import { counterFile, taskDir, tasksDir } from './paths.js';
import { taskIds } from './record.js';

/**
 * Allocates the next task id. Callers hold the repo lock; the exclusive mkdir is a second
 * guard, so even a caller without the lock can never get an id that is already in use. Ids are
 * never reused, even after `factory prune` removes a record.
 */
export async function allocateId(repo: Repo): Promise<number> {
  const last = Number((await readFile(counterFile(repo), 'utf8').catch(() => '0')).trim()) || 0;
  const existing = await taskIds(repo);
  let id = Math.max(last, existing[existing.length - 1] ?? 0) + 1;
  await mkdir(tasksDir(repo), { recursive: true });
  for (;;) {
    try {
      await mkdir(taskDir(repo, id));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      id++;
    }
  }
  await writeFile(counterFile(repo), `${id}\n`);
  return id;
}

/** Gives back an id whose task could not be created, so a failed start does not leave a gap. */
export async function releaseId(repo: Repo, id: number): Promise<void> {
  await rm(taskDir(repo, id), { recursive: true, force: true });
  const last = Number((await readFile(counterFile(repo), 'utf8').catch(() => '0')).trim()) || 0;
  if (last === id) await writeFile(counterFile(repo), `${id - 1}\n`);
}
