import { attemptRefs } from '../git/history.js';
import type { TaskEvent } from './record.js';
import type { TaskWorkspace } from './workspace.js';

/**
 * Closes the attempt a killed run was in with an attempt commit of outcome `interrupted`, before
 * a new run starts the next one. That commit holds what the dead attempt left in the worktree
 * (its edits, whatever its check wrote until it was stopped), so none of it is counted as the
 * next attempt's work. The attempt is the last one the event log saw begin; it is left alone when
 * it already has its attempt commit (it ended normally, or was cancelled) or was rolled back.
 */
export async function closeInterruptedAttempt(
  ws: TaskWorkspace,
  events: TaskEvent[],
): Promise<number | null> {
  const phases = events.filter((e) => e.type === 'phase' && Number.isInteger(e.attempt));
  const last = phases.at(-1);
  if (!last) return null;
  const n = last.attempt as number;
  // A rollback since then moved the branch away from that attempt: there is nothing to close.
  if (events.slice(events.indexOf(last)).some((e) => e.type === 'rollback')) return null;
  if ((await attemptRefs(ws.repo, ws.id)).has(n)) return null;
  const began = Date.parse(phases.find((e) => e.attempt === n)!.t);
  const ended = Date.parse(events.at(-1)!.t);
  await ws.commitAttempt({
    attempt: n,
    checkExit: null,
    verdict: 'NONE',
    durationMs: Number.isFinite(ended - began) ? Math.max(0, ended - began) : 0,
    outcome: 'interrupted',
  });
  return n;
}
