import { createTask } from '../../src/tasks/create.js';
import { discardTask } from '../../src/tasks/discard.js';
import { DEFAULT_WORKTREE_OPTIONS } from '../../src/tasks/options.js';
import type { Benchmark } from '../harness.js';
import type { Budget } from './plan.js';
import { refWorktreeAdd, refWorktreeRemove, type Fixture } from './fixture.js';

/** `createTask` with the pool off (a fresh `git worktree add` every time) vs a bare `git worktree add`. */
export function createFresh(f: Fixture, budget: Budget): Benchmark {
  const opts = { ...DEFAULT_WORKTREE_OPTIONS, pool: 0 };
  const ids = new Map<number, number>();
  return {
    name: 'task creation',
    productLabel: 'createTask (pool 0)',
    referenceLabel: 'git worktree add',
    target: { maxRatio: 1.15 },
    ...budget,
    product: {
      async run(i) {
        const { record, recycled } = await createTask(f.repo, opts, { title: `bench create ${i}` });
        if (recycled) throw new Error('createTask recycled a worktree with the pool off');
        ids.set(i, record.id);
      },
      async after(i) {
        await discardTask(f.repo, opts, ids.get(i)!);
      },
    },
    reference: {
      run: (i) => refWorktreeAdd(f, 'create-ref', i),
      after: (i) => refWorktreeRemove(f, 'create-ref', i),
    },
  };
}
