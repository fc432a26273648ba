import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateRepo, type GeneratedRepo } from '../gen-repo.js';
import type { SuiteContext, Suite } from '../types.js';
import { runAttempts, type LoopRun } from './attempts.js';
import { endTask, openBench, startTask } from './fixture.js';
import { measurement, SUITE, type PooledRun } from './measurement.js';
import { MAX_SIZE, plan } from './plan.js';
import { quantile } from './phases.js';

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs whole tasks one after the other (untimed: their creation and discarding) and pools their attempts. */
async function runTasks(gen: GeneratedRepo, ctx: SuiteContext): Promise<PooledRun> {
  const bench = await openBench(gen);
  try {
    const p = plan(gen.size, bench.attemptsPerTask, ctx);
    const kept: LoopRun = { attempts: [], calls: [] };
    const t0 = performance.now();
    let done = 0;
    for (let k = 0; k < p.warmup + p.tasks; k++) {
      if (done >= p.minTasks && performance.now() - t0 >= p.budgetMs) break;
      const task = await startTask(bench);
      let run: LoopRun;
      try {
        run = await runAttempts(bench, task);
      } finally {
        await endTask(bench, task);
      }
      if (k < p.warmup) continue;
      kept.attempts.push(...run.attempts);
      kept.calls.push(...run.calls);
      done++;
    }
    return { ...kept, tasks: done, requests: bench.server.requests };
  } finally {
    await bench.close();
  }
}

/**
 * What the agent loop adds to every attempt, its check's run time left out: real attempts of
 * `runLoop` on tasks of a generated repo, against a scripted model that answers at once.
 */
export const orchestrationSuite: Suite = {
  name: SUITE,
  benchmarks: ['attempt overhead'],
  async run(ctx, report) {
    const sizes = ctx.sizes.filter((n) => n <= MAX_SIZE);
    if (!sizes.length) ctx.log(`no size up to ${MAX_SIZE} files selected: nothing to run`);
    for (const size of sizes) {
      const root = path.join(ctx.tmp, `agent-${size}`, 'repo');
      await mkdir(root, { recursive: true });
      try {
        const t0 = performance.now();
        const gen = await generateRepo(root, size);
        ctx.log(`generated a repo of ${size} files in ${s(performance.now() - t0)}`);
        const t1 = performance.now();
        const run = await runTasks(gen, ctx);
        const m = measurement(size, run, ctx.breakdown);
        report(m);
        const p90 = quantile(m.product, 0.9).toFixed(1);
        ctx.log(
          `attempt overhead @ ${size}: p90 ${p90} ms; ${run.tasks} tasks in ${s(performance.now() - t1)}`,
        );
      } finally {
        await rm(path.dirname(root), { recursive: true, force: true });
      }
    }
  },
};
