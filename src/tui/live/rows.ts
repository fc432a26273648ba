import type { LoopEvent, Phase } from '../../agent/loop.js';
import type { Overlap } from '../../tasks/overlap.js';
import type { TaskOutcome } from '../../tasks/runner.js';

/**
 * What a row shows in its PHASE column: where the loop is, or how the task (or attempt) ended;
 * 'stopped' when the run ended without saying how this task did.
 */
export type RowState = 'starting' | Phase | TaskOutcome['outcome'] | 'stopped';

/** The parts of a task record the view needs; the runner passes whole records. */
export interface TaskRef {
  id: number;
  title: string;
}

export interface TaskRow {
  id: number;
  title: string;
  /** The attempt number as recorded on the branch (a resumed task goes on counting). */
  attempt: number;
  state: RowState;
  /** No further events will change it. */
  final: boolean;
  check: { exitCode: number | null; timedOut: boolean } | null;
  tokensPerSecond: number | null;
  waitMsAvg: number | null;
  /** A model request of this task is waiting for a slot right now. */
  queued: boolean;
  startedAt: number;
  /** Set while nothing runs (between attempts, or at the end), so the clock stops. */
  stoppedAt: number | null;
  /** Other running tasks of this run that touched a file this one touched (set by the store's snapshot). */
  overlap?: Overlap;
}

/** Attempt outcomes after which the loop does not start another attempt. */
const LAST_ATTEMPT = new Set(['passed', 'stagnated', 'cancelled', 'error']);

export function newRow(task: TaskRef, now: number): TaskRow {
  return {
    id: task.id,
    title: task.title,
    attempt: 0,
    state: 'starting',
    final: false,
    check: null,
    tokensPerSecond: null,
    waitMsAvg: null,
    queued: false,
    startedAt: now,
    stoppedAt: null,
  };
}

/** Folds one loop event into its task's row, in place. */
export function applyEvent(row: TaskRow, e: LoopEvent, now: number): void {
  switch (e.type) {
    case 'phase':
      row.attempt = e.attempt;
      row.state = e.phase;
      row.final = false;
      row.stoppedAt = null;
      break;
    case 'check':
      row.check = { exitCode: e.exitCode, timedOut: e.timedOut };
      break;
    case 'attempt':
      row.attempt = e.attempt;
      // A failed attempt is final only if it was the last one, which the loop does not say;
      // the next `phase` event or the run's outcomes settle it.
      row.state = e.outcome as RowState;
      row.final = LAST_ATTEMPT.has(e.outcome);
      row.stoppedAt = now;
      break;
    default:
      break;
  }
}

/** The runner's own verdict on the task wins over what the events suggested (budget, errors). */
export function applyOutcome(row: TaskRow, o: TaskOutcome, now: number): void {
  row.state = o.outcome;
  applyEnd(row, now);
}

const PHASES = new Set<RowState>([
  'starting',
  'plan',
  'spec',
  'coder',
  'edits',
  'check',
  'visual',
  'sheriff',
  'commit',
]);

/** The run is over and had no outcome for this task: the last attempt's outcome stands. */
export function applyEnd(row: TaskRow, now: number): void {
  if (PHASES.has(row.state)) row.state = 'stopped';
  row.final = true;
  // Nothing of a finished run waits any more, whatever the last poll saw.
  row.queued = false;
  row.stoppedAt ??= now;
}

export function elapsedMs(row: TaskRow, now: number): number {
  return Math.max(0, (row.stoppedAt ?? now) - row.startedAt);
}
