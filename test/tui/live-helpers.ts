import type { LoopEvent, Phase } from '../../src/agent/loop.js';
import type { QueueMetrics, TaskMetrics } from '../../src/llm/queue.js';
import type { TaskOutcome } from '../../src/tasks/runner.js';
import { LiveStore } from '../../src/tui/live/store.js';

/** A store on a clock the test moves by hand. */
export function fakeStore(): { store: LiveStore; advance: (ms: number) => void } {
  let now = 1_000_000;
  return { store: new LiveStore(() => now), advance: (ms) => (now += ms) };
}

export const phase = (attempt: number, p: Phase): LoopEvent => ({ type: 'phase', attempt, phase: p });

export const check = (attempt: number, exitCode: number | null, timedOut = false): LoopEvent => ({
  type: 'check',
  attempt,
  command: 'npm test',
  exitCode,
  timedOut,
  durationMs: 800,
  output: '',
  truncatedBytes: 0,
});

export const attempt = (n: number, outcome: string): LoopEvent => ({
  type: 'attempt',
  attempt: n,
  outcome,
  commit: 'abcdef0123456789',
  durationMs: 1000,
});

function taskMetrics(over: Partial<TaskMetrics>): TaskMetrics {
  return {
    waiting: 0,
    running: 0,
    backingOff: 0,
    submitted: 1,
    completed: 1,
    failed: 0,
    cancelled: 0,
    retries: 0,
    waitMsTotal: 0,
    waitMsAvg: 0,
    serviceMsTotal: 0,
    serviceMsAvg: 0,
    promptTokens: 0,
    completionTokens: 0,
    tokensPerSecond: 0,
    ...over,
  };
}

export function metrics(
  tasks: Record<string, Partial<TaskMetrics>>,
  total: Partial<TaskMetrics> = {},
): QueueMetrics {
  return {
    busy: true,
    lastActivityAt: 0,
    total: taskMetrics(total),
    tasks: Object.entries(tasks).map(([task, m]) => ({ task, ...taskMetrics(m) })),
    endpoints: [],
  };
}

export function outcome(id: number, o: TaskOutcome['outcome'], attempts: number): TaskOutcome {
  return {
    id,
    title: `task ${id}`,
    branch: `factory/${id}`,
    outcome: o,
    attempts,
    reason: '',
    tokens: 0,
    added: 0,
    removed: 0,
    inferenceDown: false,
  };
}

/** Ink redraws on the next turns of the event loop. */
export const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));

export const KEYS = { up: '\u001B[A', down: '\u001B[B', ctrlC: '\u0003' };
