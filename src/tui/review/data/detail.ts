import { existsSync } from 'node:fs';
import { useCallback } from 'react';
import type { Repo } from '../../../git/repo.js';
import { loadTask, type TaskView } from '../../../tasks/history.js';
import { readEvents, type TaskEvent } from '../../../tasks/record.js';
import { taskStatus, type StatusInfo } from '../../../tasks/status.js';
import { readCoderStream } from '../../../tasks/coder-stream.js';
import { useLoader, type Loaded } from './loader.js';
import type { LoopEvent } from '../../../agent/loop.js';
import {
  attemptVisuals,
  taskSpec,
  type AttemptVisual,
  type TaskSpec,
} from '../../../tasks/visual-results.js';

/** A check as the loop logged it (its `check` event), without the event's own fields. */
export type CheckRun = Omit<Extract<LoopEvent, { type: 'check' }>, 'type' | 'attempt'>;

export interface VerdictInfo {
  verdict: string;
  passed: boolean;
  /** The Sheriff's analysis, or why there is no verdict. */
  analysis: string;
  fix: string;
}

export interface TaskDetail {
  view: TaskView;
  status: StatusInfo;
  worktreeExists: boolean;
  checks: Map<number, CheckRun>;
  verdicts: Map<number, VerdictInfo>;
  /** Each attempt's visual check (its last one), by attempt number. */
  visuals: Map<number, AttemptVisual>;
  /** The design spec the task is judged against, when it has one. */
  spec: TaskSpec | null;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** The last check and verdict of each attempt, from the event log. */
export function attemptFacts(events: TaskEvent[]): Pick<TaskDetail, 'checks' | 'verdicts'> {
  const checks = new Map<number, CheckRun>();
  const verdicts = new Map<number, VerdictInfo>();
  for (const e of events) {
    const n = Number(e.attempt);
    if (!Number.isInteger(n)) continue;
    if (e.type === 'check')
      checks.set(n, {
        command: str(e.command),
        exitCode: typeof e.exitCode === 'number' ? e.exitCode : null,
        timedOut: e.timedOut === true,
        durationMs: Number(e.durationMs) || 0,
        output: str(e.output),
        truncatedBytes: Number(e.truncatedBytes) || 0,
      });
    else if (e.type === 'verdict') {
      const sheriff = (e.sheriff ?? null) as { analysis?: unknown; fix?: unknown } | null;
      verdicts.set(n, {
        verdict: str(e.verdict) || '-',
        passed: e.passed === true,
        analysis: str(sheriff?.analysis) || str(e.reason),
        fix: str(sheriff?.fix),
      });
    }
  }
  return { checks, verdicts };
}

async function loadDetail(repo: Repo, id: number): Promise<TaskDetail> {
  const [view, events] = await Promise.all([loadTask(repo, id), readEvents(repo, id)]);
  const [status, visuals] = await Promise.all([taskStatus(repo, id, events), attemptVisuals(events)]);
  return {
    view,
    status,
    worktreeExists: existsSync(view.record.worktree),
    ...attemptFacts(events),
    visuals: new Map(visuals.map((v) => [v.attempt, v])),
    spec: taskSpec(events, view.record),
  };
}

export function useTaskDetail(repo: Repo, id: number, tick: number): Loaded<TaskDetail> {
  const load = useCallback(() => loadDetail(repo, id), [repo, id]);
  return useLoader(load, `${id}`, tick);
}

/** The tail of the Coder's streamed text; reloaded as it grows. */
export function useCoderText(repo: Repo, id: number, tick: number): string {
  const load = useCallback(() => readCoderStream(repo, id, 8000), [repo, id]);
  return useLoader(load, `${id}`, tick).data ?? '';
}
