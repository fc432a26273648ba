import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateRepo } from '../gen-repo.js';
import { selected } from '../harness.js';
import type { Trial } from '../timing.js';
import type { Suite } from '../types.js';
import { makeReviewFixture } from './fixture.js';
import { loadDraw } from './load-draw.js';
import { FIRST_FRAME, plan, SCROLL } from './plan.js';
import { gitDiffToNull } from './reference.js';

/** The review is measured on one repo size, whatever `--sizes` says. */
const SIZE = 1000;

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** What every measurement of the suite runs in: the machine's load and React's build. */
function environment(reactVersion: string): string {
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const build = process.env.NODE_ENV === 'production' ? 'production' : 'development';
  return `React ${reactVersion} ${build} build (NODE_ENV ${process.env.NODE_ENV ?? 'unset'}, as the CLI runs); load average ${load} on ${os.cpus().length} cpus`;
}

/**
 * The review TUI on a repo of 50 tasks, one of them with a 20,000-line diff: the time to its
 * first frame, and from a key press to the next frame while scrolling that diff, each next to
 * a plain `git diff` of the same branch to /dev/null.
 */
export const reviewSuite: Suite = {
  name: 'review',
  benchmarks: [FIRST_FRAME, SCROLL],
  async run(ctx, report) {
    const root = path.join(ctx.tmp, 'review', 'repo');
    await mkdir(root, { recursive: true });
    try {
      const t0 = performance.now();
      const gen = await generateRepo(root, SIZE);
      const t1 = performance.now();
      const f = await makeReviewFixture(gen);
      ctx.log(
        `generated a repo of ${SIZE} files in ${s(t1 - t0)}, and ${f.tasks} tasks in ${s(performance.now() - t1)} ` +
          `(task ${f.big.id}: a ${f.diffLines}-line diff)`,
      );
      const draw = await loadDraw();
      const p = plan(ctx.quick);
      const reference: Trial = { run: () => gitDiffToNull(root, f.big.base, f.big.branch) };
      const env = environment(draw.reactVersion);
      for (const [name, measure, budget] of [
        [FIRST_FRAME, draw.measureFirstFrame, p.firstFrame],
        [SCROLL, draw.measureScroll, p.scroll],
      ] as const) {
        if (!selected(ctx, name)) continue;
        const t = performance.now();
        const m = await measure(f, ctx, budget, reference);
        m.notes = [...(m.notes ?? []), env];
        report(m);
        ctx.log(`${name}: ${s(performance.now() - t)}`);
      }
    } finally {
      await rm(path.dirname(root), { recursive: true, force: true });
    }
  },
};
