import type { TaskEvent } from './record.js';
import type { QueueFate } from './merge-queue.js';

type LeftOut = Extract<QueueFate, { fate: 'left-out' }>;
type Why = { reason: LeftOut['reason'] } & Partial<{
  files: string[];
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  tail: string;
  onto: string;
}>;

/**
 * Why the merge queue left a task out, said to the Coder of the run that fixes it (`factory
 * resume --rebase`): the conflicting files, or the check that failed on the merged tree and the
 * end of its output.
 */
export function leftOutFeedback(why: Why): string {
  const onto = why.onto ? ` (${why.onto.slice(0, 10)})` : '';
  switch (why.reason) {
    case 'conflict':
      return `The merge queue left this task out: merging it onto the base branch${onto} with the tasks merged before it conflicted in ${(why.files ?? []).join(', ')}. Make the change again on the current base so that both changes hold.`;
    case 'check': {
      const how = why.timedOut ? 'timed out' : `failed (exit ${why.exitCode ?? 'none'})`;
      return `The merge queue left this task out: the task passes on its own, but merged onto the base branch${onto} together with the tasks merged before it, the check \`${why.command ?? ''}\` ${how}. Fix the task so that the check passes on the current base. The end of the check's output:\n${why.tail ?? ''}`;
    }
    case 'empty':
      return `The merge queue left this task out: its changes are already in the base branch${onto}.`;
  }
}

/**
 * The feedback for `factory resume --rebase` from a task's log: why the last merge queue left it
 * out, when nothing ran on the task since. Null otherwise.
 */
export function pendingLeftOut(events: TaskEvent[]): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'left-out') return leftOutFeedback(e as unknown as Why);
    if (e.type === 'attempt' || e.type === 'rebased' || e.type === 'merged') return null;
  }
  return null;
}
