import type { Repo } from '../git/repo.js';
import type { TaskEvent } from './record.js';
import { runningOwner } from './run-lock.js';

export type TaskStatus =
  | 'open'
  | 'running'
  | 'passed'
  | 'failed'
  | 'stagnated'
  | 'cancelled'
  | 'interrupted'
  | 'merged'
  | 'discarded';

export interface StatusInfo {
  status: TaskStatus;
  /** What a running task is doing (coder, check, sheriff...), or why a task stopped. */
  detail?: string;
}

/**
 * A task's status, derived from its event log and whether a live process holds it. A task whose
 * log says running but whose process is gone was interrupted (killed, crashed, powered off).
 */
export async function taskStatus(repo: Repo, id: number, events: TaskEvent[]): Promise<StatusInfo> {
  let status: TaskStatus = 'open';
  let detail: string | undefined;
  for (const e of events) {
    if (e.type === 'status') {
      status = e.status as TaskStatus;
      detail = typeof e.reason === 'string' ? e.reason : undefined;
    } else if (e.type === 'phase') detail = String(e.phase);
    else if (e.type === 'merged' || e.type === 'discarded') {
      status = e.type;
      detail = undefined;
    }
  }
  if (status === 'merged' || status === 'discarded') return { status, detail };
  const owner = await runningOwner(repo, id);
  if (owner) return { status: 'running', detail };
  if (status === 'running') return { status: 'interrupted', detail };
  return { status, detail };
}
