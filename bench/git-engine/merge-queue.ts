import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTask } from '../../src/tasks/create.js';
import { discardTask } from '../../src/tasks/discard.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';
import { mergeQueue } from '../../src/tasks/merge-queue.js';
import { DEFAULT_WORKTREE_OPTIONS } from '../../src/tasks/options.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/schema.js';
import type { Benchmark } from '../harness.js';
import { rawGit } from '../raw-git.js';
import type { Budget } from './plan.js';
import type { Fixture } from './fixture.js';

/**
 * The merge queue's own cost per task integrated: trial merge (merge-tree), the merged commit in
 * the pooled scratch worktree, a check that runs `true` (unsandboxed: the sandbox is the check's
 * cost, not the queue's), the compare-and-swap landing on the main tree and the bookkeeping
 * (journal, merged event, the task worktree back to the pool). Against a plain `git merge --no-ff`
 * of a branch with the same change, in the main tree of the same repo. Each run integrates one
 * task that changes two files, made untimed before the run.
 */
export function mergeQueueBench(f: Fixture, budget: Budget): Benchmark {
  const opts = { ...DEFAULT_WORKTREE_OPTIONS, pool: 2 };
  const config: Config = {
    ...DEFAULT_CONFIG,
    check: 'true',
    sandbox: { ...DEFAULT_CONFIG.sandbox, mode: 'none' },
  };
  const ids = new Map<number, number>();
  const two = (i: number, tag: string) =>
    f.gen.files
      .slice((i * 2) % f.gen.files.length)
      .slice(0, 2)
      .map((p) => [p, tag] as const);
  return {
    name: 'merge queue',
    productLabel: 'factory merge queue, 1 task (check `true`)',
    referenceLabel: 'git merge --no-ff',
    target: { maxRatio: 2, at: [] },
    ...budget,
    async setup() {
      // Fills the pool: the scratch worktree and each task's worktree come from it.
      for (let k = 0; k < 2; k++) {
        const { record } = await createTask(f.repo, opts, { title: `bench queue seed ${k}` });
        await discardTask(f.repo, opts, record.id);
      }
    },
    product: {
      async before(i) {
        const { record } = await createTask(f.repo, opts, { title: `bench queue ${i}` });
        const ws = await TaskWorkspace.open(f.repo, record.id, opts);
        try {
          const n = await ws.nextAttempt();
          const files = two(i, `// queue ${i}\n`);
          for (const [p, text] of files) await writeFile(path.join(ws.worktree, p), text);
          await ws.commitStep({ attempt: n, step: 1, tool: 'write_file', paths: files.map(([p]) => p) });
          await ws.commitAttempt({
            attempt: n,
            checkExit: 0,
            verdict: 'PASS',
            durationMs: 1,
            outcome: 'passed',
          });
        } finally {
          await ws.close();
        }
        ids.set(i, record.id);
      },
      async run(i) {
        const r = await mergeQueue(f.repo, opts, [ids.get(i)!], { config });
        if (r.tasks[0]?.fate !== 'landed') throw new Error(`the queue left task ${ids.get(i)} out`);
      },
    },
    reference: {
      async before(i) {
        const root = f.repo.root;
        const branch = `bench/queue-ref-${i}`;
        await rawGit(root, 'switch', '-q', '-c', branch);
        const files = two(i + 1, `// plain ${i}\n`);
        for (const [p, text] of files) await writeFile(path.join(root, p), text);
        await rawGit(root, 'commit', '-q', '-m', `plain ${i}`, '--', ...files.map(([p]) => p));
        await rawGit(root, 'switch', '-q', '-');
      },
      run: (i) => rawGit(f.repo.root, 'merge', '-q', '--no-ff', '--no-edit', `bench/queue-ref-${i}`),
    },
  };
}
