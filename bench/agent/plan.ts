import type { SuiteContext } from '../types.js';

/** The sizes this suite runs at: the selected ones up to 10k files (50k would take minutes). */
export const MAX_SIZE = 10_000;
/** Where the target is a gate. */
export const GATED_SIZE = 10_000;

/** How many tasks one size runs; each runs the configured number of attempts. */
export interface Plan {
  /** Tasks whose attempts are kept, at most... */
  tasks: number;
  /** ...but no new task starts after `budgetMs` of wall time once `minTasks` are done. */
  minTasks: number;
  budgetMs: number;
  /** Tasks run first and left out: cold caches, the client's first connection, JIT. */
  warmup: number;
}

/**
 * Tasks per size: about 15 s of attempts at 10k (a third with `--quick`), so the suite, repo
 * generation included, stays within a minute. `--iterations` sets the number of attempts kept,
 * rounded up to whole tasks of `attemptsPerTask`.
 */
export function plan(
  size: number,
  attemptsPerTask: number,
  ctx: Pick<SuiteContext, 'quick' | 'iterations'>,
): Plan {
  const warmup = 1;
  if (ctx.iterations !== undefined) {
    const tasks = Math.ceil(ctx.iterations / attemptsPerTask);
    return { tasks, minTasks: tasks, budgetMs: Infinity, warmup };
  }
  const [tasks, budgetS] = size >= GATED_SIZE ? [12, 15] : [10, 8];
  const q = ctx.quick;
  return {
    tasks: q ? Math.ceil(tasks / 3) : tasks,
    minTasks: q ? 2 : 3,
    budgetMs: (q ? budgetS / 3 : budgetS) * 1000,
    warmup,
  };
}
