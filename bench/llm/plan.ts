import type { SuiteContext } from '../types.js';

/** How long one timing benchmark may run. */
export interface Budget {
  /** At most this many timed iterations... */
  iterations: number;
  /** ...but stop at `budgetMs` of wall time once `minIterations` are done. */
  minIterations: number;
  budgetMs: number;
  warmup: number;
}

export interface Plan {
  /** Each iteration is a batch of `batch` requests; the report divides by it. */
  queue: Budget & { batch: number };
  /** Each iteration is one request on each side. */
  front: Budget;
  /** Runs of the busy-fraction load (a few seconds each), and the requests each task sends per run. */
  busy: { runs: number; requestsPerTask: number };
}

/**
 * Iterations per benchmark: about 40 s for the whole suite (a third of it with `--quick`), none
 * of it depending on `--sizes`. `--iterations` fixes the count of every timing benchmark; the
 * busy-fraction load runs at most 5 times whatever it says, each run takes seconds.
 */
export function plan(ctx: Pick<SuiteContext, 'quick' | 'iterations'>): Plan {
  const q = ctx.quick;
  const s = (budgetS: number, iterations: number, minIterations: number, warmup: number): Budget => {
    if (ctx.iterations !== undefined)
      return { iterations: ctx.iterations, minIterations: ctx.iterations, budgetMs: Infinity, warmup };
    return {
      iterations: q ? Math.ceil(iterations / 3) : iterations,
      minIterations: q ? Math.ceil(minIterations / 2) : minIterations,
      budgetMs: (q ? budgetS / 3 : budgetS) * 1000,
      warmup,
    };
  };
  return {
    queue: { ...s(3, 300, 30, 10), batch: 1000 },
    front: s(5, 3000, 200, 50),
    busy: { runs: Math.min(ctx.iterations ?? (q ? 1 : 2), 5), requestsPerTask: q ? 3 : 4 },
  };
}
