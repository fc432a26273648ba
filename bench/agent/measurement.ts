import os from 'node:os';
import type { RecordedRequest } from '../../src/scripted-server/index.js';
import { summarise } from '../spawn-probe.js';
import { median } from '../timing.js';
import { verdict } from '../verdict.js';
import type { Breakdown, Measurement } from '../types.js';
import type { AttemptTrace, LoopRun } from './attempts.js';
import { CHECK } from './fixture.js';
import { busyMs, callsIn, overheadMs, phaseTable, quantile } from './phases.js';
import { GATED_SIZE } from './plan.js';

export const SUITE = 'orchestration';

/** The kept attempts of several tasks, and the server's record of every request. */
export interface PooledRun extends LoopRun {
  tasks: number;
  requests: RecordedRequest[];
}

const TARGET_MS = 150;

const f1 = (x: number) => x.toFixed(1);

/** Per attempt, the git subprocesses it started, as the report's per-subprocess breakdown. */
function breakdown(run: LoopRun): Breakdown {
  return summarise(
    run.attempts.map((t) => {
      const calls = callsIn(run.calls, t.start, t.end).filter((c) => c.name.startsWith('git '));
      return { totalMs: overheadMs(t), busyMs: busyMs(calls), calls };
    }),
  );
}

/** Attempt 1 has no check or report to show the Coder; later ones read a longer history. */
function byAttempt(attempts: AttemptTrace[]): string {
  const ns = [...new Set(attempts.map((t) => t.n))].sort((a, b) => a - b);
  const per = ns.map((n) => `${n}: ${f1(median(attempts.filter((t) => t.n === n).map(overheadMs)))}`);
  return `median overhead by attempt number (ms): ${per.join(', ')}`;
}

function promptSizes(attempts: AttemptTrace[], recs: RecordedRequest[]): string {
  const tokens = (role: 'coder' | 'sheriff') =>
    median(attempts.map((t) => recs[t.requests[role] ?? -1]?.promptTokens ?? NaN).filter((x) => !isNaN(x)));
  return (
    `prompts: Coder ~${Math.round(tokens('coder'))} tokens, Sheriff ~${Math.round(tokens('sheriff'))} ` +
    '(4 characters a token); answers streamed in chunks of 4 characters'
  );
}

/** Starting a process from this one blocks its event loop; the cost grows with its resident memory. */
function spawnCost(run: LoopRun): string {
  const git = run.calls.filter((c) => c.name.startsWith('git '));
  const rss = process.memoryUsage().rss / 2 ** 20;
  return (
    `spawn() itself blocks ${f1(median(git.map((c) => c.spawnMs)))} ms per git call (median) ` +
    `in this process (${Math.round(rss)} MiB resident), included in the git calls below`
  );
}

/** The kept attempts' overhead, with where it goes; fails loudly when the scripted exchange went wrong. */
export function measurement(size: number, run: PooledRun, all: boolean): Measurement {
  const { attempts, requests: recs } = run;
  const bad = attempts.find((t) => t.faults.length);
  if (bad) throw new Error(`attempt ${bad.n} did not go as scripted: ${bad.faults.join('; ')}`);
  if (!attempts.length) throw new Error('no attempt was kept');
  const xs = attempts.map(overheadMs);
  const m: Measurement = {
    suite: SUITE,
    size,
    name: 'attempt overhead',
    product: xs,
    productLabel:
      `one attempt of runLoop (real TaskWorkspace, prompts, client and RequestQueue; scripted model ` +
      `at zero latency; check \`${CHECK}\`) minus the check's own run time`,
    target: { maxMs: TARGET_MS, at: [GATED_SIZE] },
    notes: [
      `${xs.length} attempts of ${run.tasks} tasks: overhead median ${f1(median(xs))} ms, ` +
        `p90 ${f1(quantile(xs, 0.9))} ms, max ${f1(Math.max(...xs))} ms; load average ` +
        `${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs (other processes slow every git call)`,
      byAttempt(attempts),
      promptSizes(attempts, recs),
      spawnCost(run),
      ...phaseTable(attempts, run.calls, recs),
      'each leg is the median of its own times, so legs need not add up to the overhead; git calls:',
      'median count (and summed ms) of the git subprocesses started in the leg',
    ],
  };
  if (all || verdict(m).pass === false) m.breakdown = { product: breakdown(run) };
  return m;
}
