import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openRepo } from '../../src/git/repo.js';
import { generateRepo } from '../gen-repo.js';
import { runBenchmark, selected, type Benchmark } from '../harness.js';
import type { Suite, SuiteContext } from '../types.js';
import type { Fixture } from './fixture.js';
import { plan } from './plan.js';
import { stepCommit } from './step-commit.js';
import { createFresh } from './create-task.js';
import { createRecycled } from './recycled-task.js';
import { mergeQueueBench } from './merge-queue.js';

function benchmarks(f: Fixture, ctx: SuiteContext): Benchmark[] {
  const p = plan(f.size, ctx.quick);
  const all = [
    stepCommit(f, p.step),
    createFresh(f, p.create),
    createRecycled(f, p.recycled),
    mergeQueueBench(f, p.queue),
  ];
  return all.filter((b) => selected(ctx, b.name));
}

/** Step commits and task creation, on a freshly generated repo per size. */
export const gitEngineSuite: Suite = {
  name: 'git engine',
  benchmarks: ['step commit', 'task creation', 'recycled task creation', 'merge queue'],
  async run(ctx, report) {
    for (const size of ctx.sizes) {
      const base = path.join(ctx.tmp, `git-${size}`);
      const root = path.join(base, 'repo');
      const scratch = path.join(base, 'scratch');
      await mkdir(root, { recursive: true });
      await mkdir(scratch, { recursive: true });
      try {
        const t0 = performance.now();
        const gen = await generateRepo(root, size);
        ctx.log(`generated a repo of ${size} files in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        const f: Fixture = { size, gen, repo: await openRepo(root), scratch };
        for (const b of benchmarks(f, ctx)) {
          const t1 = performance.now();
          report(await runBenchmark(b, ctx, this.name, size));
          ctx.log(`${b.name} @ ${size}: ${((performance.now() - t1) / 1000).toFixed(1)} s`);
        }
      } finally {
        await rm(base, { recursive: true, force: true });
      }
    }
  },
};
