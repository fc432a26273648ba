import { createTask } from '../../src/tasks/create.js';
import { discardTask } from '../../src/tasks/discard.js';
import { DEFAULT_WORKTREE_OPTIONS } from '../../src/tasks/options.js';
import type { Benchmark } from '../harness.js';
import type { Budget } from './plan.js';
import { refWorktreeAdd, refWorktreeRemove, type Fixture } from './fixture.js';

/**
 * `createTask` reusing a parked worktree vs a bare `git worktree add`. Every product run starts
 * with exactly one parked worktree: the one the previous run's task left when it was discarded.
 */
export function createRecycled(f: Fixture, budget: Budget): Benchmark {
  const opts = { ...DEFAULT_WORKTREE_OPTIONS, pool: 1 };
  const ids = new Map<number, number>();
  return {
    name: 'recycled task creation',
    productLabel: 'createTask (pooled worktree)',
    referenceLabel: 'git worktree add',
    target: { maxRatio: 0.2, at: [10_000] },
    ...budget,
    async setup() {
      const { record } = await createTask(f.repo, opts, { title: 'bench pool seed' });
      const r = await discardTask(f.repo, opts, record.id);
      if (r.worktree !== 'pooled') throw new Error('the seed worktree was not pooled');
    },
    product: {
      async run(i) {
        const { record, recycled } = await createTask(f.repo, opts, { title: `bench recycled ${i}` });
        if (!recycled) throw new Error('createTask did not recycle the pooled worktree');
        ids.set(i, record.id);
      },
      async after(i) {
        const r = await discardTask(f.repo, opts, ids.get(i)!);
        if (r.worktree !== 'pooled') throw new Error('the discarded worktree was not pooled');
      },
    },
    reference: {
      run: (i) => refWorktreeAdd(f, 'recycled-ref', i),
      after: (i) => refWorktreeRemove(f, 'recycled-ref', i),
    },
  };
}
