import type { Repo } from '../git/repo.js';
import { moveBranch, revParse, setRef } from '../git/rollback.js';
import { undoRef } from '../git/refs.js';
import { refuse } from '../errors.js';
import { formatAddress, type Address } from './address.js';
import { loadTask, resolveAddress } from './history.js';
import { appendEvent, readRecord } from './record.js';
import { withIdleTask } from './recover.js';
import { existsSync } from 'node:fs';

export interface RollbackResult {
  task: number;
  from: string;
  to: string;
  /** What the branch now points at, as an address (or "before the last rollback"). */
  target: string;
}

async function withTaskIdle<T>(repo: Repo, id: number, fn: () => Promise<T>): Promise<T> {
  return withIdleTask(repo, await readRecord(repo, id), fn);
}

async function move(repo: Repo, id: number, to: string, target: string): Promise<RollbackResult> {
  const view = await loadTask(repo, id);
  const { record, tip } = view;
  if (!tip) throw refuse(`task ${id} has no branch any more (${record.branch})`);
  if (!existsSync(record.worktree))
    throw refuse(`the worktree of task ${id} is gone (${record.worktree})`, '`factory prune` cleans it up');
  if (tip === to) return { task: id, from: tip, to, target };
  await moveBranch(record.worktree, record.branch, tip, to, `factory rollback to ${target}`);
  // Remember where we were, so this rollback can itself be undone.
  await setRef(repo.root, undoRef(id), tip);
  await appendEvent(repo, id, 'rollback', { from: tip, to, target });
  return { task: id, from: tip, to, target };
}

/** Moves a task's branch and worktree back to an attempt or a step. Later attempts stay reachable. */
export function rollbackTask(repo: Repo, addr: Address): Promise<RollbackResult> {
  if (addr.attempt === undefined)
    throw refuse(
      `say which attempt to roll task ${addr.task} back to`,
      `e.g. \`factory rollback ${addr.task}.1\``,
    );
  return withTaskIdle(repo, addr.task, async () => {
    const r = await resolveAddress(repo, addr);
    return move(repo, addr.task, r.commit, formatAddress(addr));
  });
}

/** Returns the branch to where it was before the last rollback. */
export function undoRollback(repo: Repo, id: number): Promise<RollbackResult> {
  return withTaskIdle(repo, id, async () => {
    const back = await revParse(repo.root, undoRef(id));
    if (!back) throw refuse(`task ${id} has no rollback to undo`);
    return move(repo, id, back, 'before the last rollback');
  });
}
