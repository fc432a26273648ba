import type { Repo } from '../git/repo.js';
import { branchRef } from '../git/refs.js';
import { refOid } from '../git/ref-files.js';
import { readRecord, type TaskEvent } from './record.js';
import { runningOwner } from './run-lock.js';
import { commitRole, statusAt } from './tip.js';

export type TaskStatus =
  | 'open'
  | 'running'
  | 'passed'
  | 'failed'
  | 'stagnated'
  | 'cancelled'
  /** A plan's child that never ran: a child it waits for did not pass. */
  | 'blocked'
  | 'interrupted'
  | 'merged'
  | 'discarded';

export interface StatusInfo {
  status: TaskStatus;
  /** What a running task is doing (coder, check, sheriff...), or why a task stopped. */
  detail?: string;
  /** Set when a rollback moved the branch: the address it was moved away from ("1.2"). */
  rolledBackFrom?: string;
}

/**
 * After a rollback the task is what the attempt its branch now sits on was, not what its last
 * run ended as. Null when no rollback is in effect (none since the last run, or it was undone).
 */
async function afterRollback(repo: Repo, id: number, rollbacks: TaskEvent[]): Promise<StatusInfo | null> {
  const first = rollbacks[0];
  const last = rollbacks.at(-1);
  if (!first || !last) return null;
  const rec = await readRecord(repo, id).catch(() => null);
  const tip = rec ? await refOid(repo, branchRef(rec.branch)) : null;
  if (!tip || tip === first.from) return null;
  const from = String(last.from);
  const fromRole = await commitRole(repo, id, from);
  return {
    status: statusAt(await commitRole(repo, id, tip)),
    rolledBackFrom: fromRole.address ?? from.slice(0, 10),
  };
}

/**
 * A task's status, derived from its event log and whether a live process holds it. A task whose
 * log says running but whose process is gone was interrupted (killed, crashed, powered off).
 */
export async function taskStatus(repo: Repo, id: number, events: TaskEvent[]): Promise<StatusInfo> {
  let status: TaskStatus = 'open';
  let detail: string | undefined;
  let rollbacks: TaskEvent[] = [];
  for (const e of events) {
    if (e.type === 'status') {
      status = e.status as TaskStatus;
      detail = typeof e.reason === 'string' ? e.reason : undefined;
      rollbacks = [];
    } else if (e.type === 'phase') detail = String(e.phase);
    else if (e.type === 'rollback') rollbacks.push(e);
    else if (e.type === 'merged' || e.type === 'discarded') {
      status = e.type;
      detail = undefined;
    }
  }
  if (status === 'merged' || status === 'discarded') return { status, detail };
  const owner = await runningOwner(repo, id);
  if (owner) return { status: 'running', detail };
  const rolled = await afterRollback(repo, id, rollbacks);
  if (rolled) return rolled;
  if (status === 'running') return { status: 'interrupted', detail };
  return { status, detail };
}
