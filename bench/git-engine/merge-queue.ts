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

/** Tasks per queue run: the queue's fixed costs (scratch worktree, landing) are shared by them. */
const K = 3;

/**
 * The merge queue's own cost per task integrated: trial merge (merge-tree), the merged commit in
 * the pooled scratch worktree, a check that runs `true` (unsandboxed: the sandbox is the check's
 * cost, not the queue's), the compare-and-swap landing on the main tree and the bookkeeping
 * (journal, merged event, each task worktree back to the pool). A queue of K tasks, each changing
 * two files and made untimed before the run, against K plain `git merge --no-ff` of branches with
 * the same kind of change, in the main tree of the same repo. Both sides integrate K branches per
 * run, so the ratio of their medians is the ratio per task.
 */
export function mergeQueueBench(f: Fixture, budget: Budget): Benchmark {
  // Room for every task worktree and the scratch one: no timed run adds a worktree of 10k files.
  const opts = { ...DEFAULT_WORKTREE_OPTIONS, pool: K + 1 };
  const config: Config = {
    ...DEFAULT_CONFIG,
    check: 'true',
    sandbox: { ...DEFAULT_CONFIG.sandbox, mode: 'none' },
  };
  const ids = new Map<number, number[]>();
  const two = (n: number, tag: string) =>
    f.gen.files
      .slice((n * 2) % f.gen.files.length)
      .slice(0, 2)
      .map((p) => [p, tag] as const);
  const refBranch = (i: number, k: number) => `bench/queue-ref-${i}-${k}`;
  return {
    name: 'merge queue',
    productLabel: `factory merge queue of ${K} tasks (check \`true\`)`,
    referenceLabel: `${K} x git merge --no-ff`,
    target: { maxRatio: 2, at: [10_000] },
    ...budget,
    async setup() {
      // Fills the pool: the scratch worktree and each task's worktree come from it.
      const made = [];
      for (let k = 0; k <= K; k++)
        made.push((await createTask(f.repo, opts, { title: `bench queue seed ${k}` })).record.id);
      for (const id of made) await discardTask(f.repo, opts, id);
    },
    product: {
      async before(i) {
        const list: number[] = [];
        for (let k = 0; k < K; k++) {
          const { record } = await createTask(f.repo, opts, { title: `bench queue ${i}.${k}` });
          const ws = await TaskWorkspace.open(f.repo, record.id, opts);
          try {
            const n = await ws.nextAttempt();
            const files = two(2 * (i * K + k), `// queue ${i}.${k}\n`);
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
          list.push(record.id);
        }
        ids.set(i, list);
      },
      async run(i) {
        const r = await mergeQueue(f.repo, opts, ids.get(i)!, { config });
        const out = r.tasks.filter((t) => t.fate !== 'landed');
        if (out.length) throw new Error(`the queue left tasks out: ${JSON.stringify(out)}`);
      },
    },
    reference: {
      async before(i) {
        const root = f.repo.root;
        for (let k = 0; k < K; k++) {
          await rawGit(root, 'switch', '-q', '-c', refBranch(i, k));
          const files = two(2 * (i * K + k) + 1, `// plain ${i}.${k}\n`);
          for (const [p, text] of files) await writeFile(path.join(root, p), text);
          await rawGit(root, 'commit', '-q', '-m', `plain ${i}.${k}`, '--', ...files.map(([p]) => p));
          await rawGit(root, 'switch', '-q', '-');
        }
      },
      async run(i) {
        for (let k = 0; k < K; k++)
          await rawGit(f.repo.root, 'merge', '-q', '--no-ff', '--no-edit', refBranch(i, k));
      },
    },
  };
}
