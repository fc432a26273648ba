import type { Benchmark } from '../harness.js';

export const FIRST_FRAME = 'review first frame';
export const SCROLL = 'review scroll';

/** How long a benchmark may run. */
export type Budget = Pick<Benchmark, 'iterations' | 'minIterations' | 'budgetMs' | 'warmup'>;

export interface Plan {
  firstFrame: Budget;
  scroll: Budget;
}

/**
 * A few fresh mounts (each draws the whole list), many key presses. With the setup (about 15 s
 * for the repo and its 50 tasks) the suite stays under a minute; `--quick` takes about a third.
 */
export function plan(quick: boolean): Plan {
  const q = (full: number, fast: number) => (quick ? fast : full);
  return {
    firstFrame: { iterations: q(15, 5), minIterations: q(5, 3), budgetMs: q(8000, 3000), warmup: 1 },
    scroll: { iterations: q(200, 70), minIterations: q(100, 30), budgetMs: q(20_000, 6000), warmup: 10 },
  };
}
