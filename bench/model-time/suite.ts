import { performance } from 'node:perf_hooks';
import type { Schedule } from '../../src/llm/queue.js';
import { selected } from '../harness.js';
import { median } from '../timing.js';
import type { Measurement, Suite, Target } from '../types.js';
import { ATTEMPTS, TASKS, TOOL_ROUNDS } from './load.js';
import { runLoad, type LoadResult } from './run-load.js';

const SUITE = 'model time';
const SCHEDULES: Schedule[] = ['fifo', 'round-robin', 'cache-aware'];
const LABEL: Record<Schedule, string> = {
  fifo: 'FIFO',
  'round-robin': "today's round-robin",
  'cache-aware': 'the cache-aware queue',
};
/**
 * Real ms per model ms: one run models ~12 minutes of a laptop in ~4 s (2 s with `--quick`).
 * The figures are model time, so the scale changes only how much real overhead leaks in.
 */
const timeScale = (quick: boolean) => (quick ? 0.0025 : 0.005);

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const name = (what: string, slots: number) => `${what}, ${slots} slot${slots > 1 ? 's' : ''}`;

function row(
  what: string,
  slots: number,
  runs: LoadResult[],
  pick: (r: LoadResult) => number,
  target: Target,
  labels: [string, string],
  notes: string[],
): Measurement {
  const of = (schedule: Schedule) => runs.filter((r) => r.schedule === schedule).map(pick);
  return {
    suite: SUITE,
    size: 0,
    name: name(what, slots),
    product: of('cache-aware'),
    reference: of('round-robin'),
    productLabel: labels[0],
    referenceLabel: labels[1],
    target,
    notes,
  };
}

function describe(slots: number, runs: LoadResult[]): string[] {
  const lines = [
    `${slots} slot${slots > 1 ? 's' : ''}: medians of ${runs.length / SCHEDULES.length} run(s); model time, not wall time`,
  ];
  for (const schedule of SCHEDULES) {
    const mine = runs.filter((r) => r.schedule === schedule);
    const m = (f: (r: LoadResult) => number) => median(mine.map(f));
    lines.push(
      `  ${LABEL[schedule].padEnd(22)} prefill ${Math.round(m((r) => r.stats.prefillTokens))} tokens computed, ` +
        `${Math.round(m((r) => r.stats.cachedTokens))} cached; busy ${s(m((r) => r.stats.busyMs))}; ` +
        `longest wait ${s(m((r) => r.longestWaitMs))}, longest task wait ${s(m((r) => r.longestTaskWaitMs))}; ` +
        `wall ${s(m((r) => r.wallMs))}`,
    );
  }
  return lines;
}

/** Shared-prefix lengths between consecutive requests of a task (the same whatever the schedule). */
function sharedPrefix(run: LoadResult): string[] {
  const lines = ['tokens shared with the task’s previous request (min / median / max):'];
  for (const [pair, tokens] of run.shared)
    lines.push(`  ${pair.padEnd(24)} ${Math.min(...tokens)} / ${median(tokens)} / ${Math.max(...tokens)}`);
  return lines;
}

/**
 * Model time under 4 tasks x 3 attempts (a Coder turn, two tool rounds, the check, the Sheriff)
 * on a scripted llama-server with a cost model (prefix cache per slot, prefill per uncached
 * token, batched decode), for FIFO, today's round-robin and the cache-aware queue, each figure
 * measured in the same run, on 1 and on 2 slots.
 */
export const modelTimeSuite: Suite = {
  name: SUITE,
  benchmarks: [1, 2].flatMap((n) => ['model time', 'task wait', 'longest wait'].map((w) => name(w, n))),
  async run(ctx, report) {
    const runs = Math.min(ctx.iterations ?? (ctx.quick ? 1 : 3), 5);
    for (const slots of [1, 2]) {
      const names = ['model time', 'task wait', 'longest wait'].map((w) => name(w, slots));
      if (!names.some((n) => selected(ctx, n))) continue;
      const t0 = performance.now();
      const results: LoadResult[] = [];
      for (let r = 0; r < runs; r++) {
        // Alternate the order, so neither side always runs on a warmer process.
        const order = r % 2 ? [...SCHEDULES].reverse() : SCHEDULES;
        for (const schedule of order) results.push(await runLoad(schedule, slots, timeScale(ctx.quick)));
      }
      const load =
        `${TASKS} tasks x ${ATTEMPTS} attempts (Coder, ${TOOL_ROUNDS} tool rounds, check, Sheriff), ` +
        `${slots} llama-server slot${slots > 1 ? 's' : ''}`;
      const notes = [...describe(slots, results), ...sharedPrefix(results[0]!)];
      const labels: [string, string] = [`${load}, the cache-aware queue`, `today's round-robin`];
      const rows = [
        row('model time', slots, results, (r) => r.stats.busyMs, { maxRatio: 0.8 }, labels, notes),
        // The time each task spends waiting in all: what a user of a task feels.
        row('task wait', slots, results, (r) => r.longestTaskWaitMs, { maxRatio: 1 }, labels, []),
        // One request's longest wait: informational, the fairness bound lets two follow-ups go first.
        row('longest wait', slots, results, (r) => r.longestWaitMs, { maxRatio: 1, at: [] }, labels, []),
      ];
      for (const m of rows) if (selected(ctx, m.name)) report(m);
      ctx.log(`model time, ${slots} slot(s): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  },
};
