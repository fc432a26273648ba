import type { Benchmark } from '../harness.js';

/** How long each benchmark may run. */
export type Budget = Pick<Benchmark, 'iterations' | 'minIterations' | 'budgetMs' | 'warmup'>;

export interface Plan {
  step: Budget;
  create: Budget;
  recycled: Budget;
  queue: Budget;
}

/**
 * Iterations per benchmark and size. Each benchmark stops at its wall-time budget once its
 * minimum is done, so the full run stays within minutes on a slow or busy machine: a worktree
 * add of 50k files takes seconds, and removing it between runs as long again.
 */
export function plan(size: number, quick: boolean): Plan {
  const s = (budgetS: number, iterations: number, minIterations: number, warmup: number): Budget => ({
    iterations: quick ? Math.ceil(iterations / 3) : iterations,
    minIterations: quick ? Math.ceil(minIterations / 2) : minIterations,
    budgetMs: (quick ? budgetS / 3 : budgetS) * 1000,
    warmup,
  });
  if (size >= 50_000)
    return {
      step: s(20, 30, 10, 2),
      create: s(60, 15, 3, 1),
      recycled: s(60, 15, 3, 1),
      queue: s(60, 15, 3, 1),
    };
  if (size >= 10_000)
    return {
      step: s(20, 30, 10, 2),
      create: s(40, 30, 5, 1),
      recycled: s(40, 30, 5, 1),
      queue: s(40, 20, 5, 1),
    };
  return {
    step: s(15, 30, 10, 2),
    create: s(20, 30, 7, 1),
    recycled: s(20, 30, 7, 1),
    queue: s(20, 20, 7, 1),
  };
}
