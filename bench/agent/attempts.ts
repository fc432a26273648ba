import { performance } from 'node:perf_hooks';
import { runLoop, type LoopEvent, type Role } from '../../src/agent/loop.js';
import { runCheck } from '../../src/agent/executor.js';
import { queuedChat } from '../../src/llm/inference.js';
import { appendEvent } from '../../src/tasks/record.js';
import { probe } from '../spawn-probe.js';
import type { Bench, OpenTask } from './fixture.js';

/** A subprocess the loop started, as the spawn probe saw it. */
export type Call = Awaited<ReturnType<typeof probe>>['calls'][number];

/** When an event of the loop arrived (performance.now()), e.g. `phase:coder`, `reply:sheriff`, `attempt`. */
export interface Mark {
  name: string;
  at: number;
}

/** One attempt, from the end of the previous one (or the loop's start) to its `attempt` event. */
export interface AttemptTrace {
  n: number;
  start: number;
  end: number;
  marks: Mark[];
  outcome: string;
  /** The check's own run time, as the executor reports it (ExecResult.durationMs). */
  checkMs: number;
  /** Index in the server's `requests` of each model call, by role. */
  requests: Partial<Record<Role, number>>;
  /** What went wrong with the scripted exchange, if anything (the attempt is then not what is measured). */
  faults: string[];
}

export interface LoopRun {
  attempts: AttemptTrace[];
  calls: Call[];
}

function markName(e: LoopEvent): string {
  if (e.type === 'phase') return `phase:${e.phase}`;
  if (e.type === 'prompt' || e.type === 'reply') return `${e.type}:${e.role}`;
  return e.type;
}

/** What a well-played attempt shows: two edits with a step commit each, a passing check, a FAIL verdict. */
function audit(t: AttemptTrace, e: LoopEvent): void {
  if (e.type === 'edit' && (!e.ok || !e.commit)) t.faults.push(`edit of ${e.paths.join(', ')}: ${e.output}`);
  if (e.type === 'check' && e.exitCode !== 0) t.faults.push(`the check exited with ${e.exitCode}`);
  if (e.type === 'verdict' && (e.verdict !== 'FAIL' || !e.sheriff)) t.faults.push(`verdict: ${e.reason}`);
}

/**
 * Runs `runLoop` on an open task the way tasks/runner.ts drives it (its `chat` through
 * `queuedChat`, the executor's `runCheck`, every event appended to the task's log without
 * waiting), and records when each event arrives. Every subprocess is timed by the spawn probe.
 */
export async function runAttempts(b: Bench, task: OpenTask): Promise<LoopRun> {
  const attempts: AttemptTrace[] = [];
  const appends = new Set<Promise<void>>();
  const t0 = performance.now();
  let cur: AttemptTrace | undefined;
  const open = (start: number): AttemptTrace => ({
    n: 0,
    start,
    end: NaN,
    marks: [],
    outcome: '',
    checkMs: NaN,
    requests: {},
    faults: [],
  });

  const onEvent = (e: LoopEvent) => {
    const at = performance.now();
    const t = (cur ??= open(t0));
    t.n = e.attempt;
    t.marks.push({ name: markName(e), at });
    if (e.type === 'prompt') t.requests[e.role] = b.server.requests.length;
    audit(t, e);
    if (e.type === 'attempt') {
      t.end = at;
      t.outcome = e.outcome;
      attempts.push(t);
      cur = open(at);
    }
    // As the runner does: the log is appended to without waiting (the promise is kept only so
    // the scratch dir is not removed under a pending write).
    const data = e.type === 'phase' ? { phase: e.phase, attempt: e.attempt } : { ...e };
    const w = appendEvent(b.repo, task.id, e.type, data).catch(() => undefined);
    appends.add(w);
    void w.then(() => appends.delete(w));
  };

  let outcome = '';
  const { calls } = await probe(async () => {
    const r = await runLoop(
      b.spec,
      {
        workspace: task.workspace,
        prompts: b.prompts,
        chat: (req, o) =>
          queuedChat(b.inference, `task-${task.id}`, req, {
            signal: o.signal,
            callbacks: o.callbacks,
            idleTimeoutMs: o.idleTimeoutMs,
            firstTokenMs: o.firstTokenMs,
          }),
        runCheck: async (command, o) => {
          const r = await runCheck(command, o);
          if (cur) cur.checkMs = r.durationMs;
          return r;
        },
      },
      task.settings,
      new AbortController().signal,
      { onEvent, onCoderText: () => undefined },
    );
    outcome = `${r.outcome} after ${r.attempts} attempts: ${r.reason}`;
  });
  await Promise.all(appends);
  const expected = `failed after ${task.settings.maxAttempts} attempts`;
  if (!outcome.startsWith(expected)) throw new Error(`the loop did not run its attempts: ${outcome}`);
  return { attempts, calls };
}
