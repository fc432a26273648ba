import type { Repo } from '../git/repo.js';
import { refuse } from '../errors.js';
import { readEvents, readRecord, type TaskEvent, type TaskRecord } from './record.js';
import { taskStatus, type StatusInfo } from './status.js';

/** Statuses from which `factory resume` may continue. */
const RESUMABLE = new Set(['failed', 'stagnated', 'cancelled', 'interrupted', 'open', 'blocked']);
/** With --rebase a passed task may run again too: on the moved base it may not pass any more. */
const REBASABLE = new Set([...RESUMABLE, 'passed']);

/**
 * The task's record, events and status when it can be resumed; refuses (exit 2) when the task does
 * not exist or is passed, merged, discarded or running. Cheap and local, so the CLI asks it before
 * it contacts or starts a model server.
 */
export async function resumableTask(
  repo: Repo,
  id: number,
  rebase = false,
): Promise<{ rec: TaskRecord; events: TaskEvent[]; status: StatusInfo }> {
  const rec = await readRecord(repo, id);
  if (rec.children?.length)
    throw refuse(
      `task ${id} was split into tasks ${rec.children.join(', ')} and does no coding itself`,
      'resume its children instead',
    );
  const events = await readEvents(repo, id);
  const status = await taskStatus(repo, id, events);
  if (!(rebase ? REBASABLE : RESUMABLE).has(status.status))
    throw refuse(
      `task ${id} is ${status.status}; only failed, stagnated, cancelled, interrupted or blocked tasks can be resumed`,
      status.status === 'passed'
        ? '`factory resume --rebase` re-runs it on the current tip of its base'
        : undefined,
    );
  return { rec, events, status };
}
