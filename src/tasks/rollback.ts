import type { Repo } from '../git/repo.js';
import { moveBranch, revParse } from '../git/rollback.js';
import { lastUndoable, rollbackMessage, undoMessage } from '../git/rollback-log.js';
import { refuse } from '../errors.js';
import { formatAddress, type Address } from './address.js';
import { loadTask, resolveAddress } from './history.js';
import { appendEvent, readRecord } from './record.js';
import { withIdleTask } from './recover.js';
import { existsSync } from 'node:fs';
import { verifyWorktreeLink } from '../git/worktree-link.js';

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

async function move(
  repo: Repo,
  id: number,
  to: string,
  target: string,
  reason: (tip: string) => string,
): Promise<RollbackResult> {
  const view = await loadTask(repo, id);
  const { record, tip } = view;
  if (!tip) throw refuse(`task ${id} has no branch any more (${record.branch})`);
  if (!existsSync(record.worktree))
    throw refuse(`the worktree of task ${id} is gone (${record.worktree})`, '`factory prune` cleans it up');
  if (tip === to) return { task: id, from: tip, to, target };
  // git runs inside the worktree next: its .git link must still be the one factory made.
  await verifyWorktreeLink(repo.commonDir, record.worktree);
  // The branch's reflog records the move: it is the history `--undo` steps back through.
  await moveBranch(record.worktree, record.branch, tip, to, reason(tip));
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
    const target = formatAddress(addr);
    return move(repo, addr.task, r.commit, target, (tip) => rollbackMessage(target, tip));
  });
}

/**
 * Takes back the latest rollback not undone yet: called again, it steps further back through
 * the rollbacks, one at a time.
 */
export function undoRollback(repo: Repo, id: number): Promise<RollbackResult> {
  return withTaskIdle(repo, id, async () => {
    const rec = await readRecord(repo, id);
    const last = await lastUndoable(repo.root, rec.branch);
    if (!last) throw refuse(`task ${id} has no rollback to undo`);
    if (!(await revParse(repo.root, `${last.from}^{commit}`)))
      throw refuse(`the commit before the rollback to ${last.target} is gone (${last.from.slice(0, 12)})`);
    return move(repo, id, last.from, `before the last rollback (to ${last.target})`, () =>
      undoMessage(last.from, last.target),
    );
  });
}
