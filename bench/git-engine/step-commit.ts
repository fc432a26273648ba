import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { createTask } from '../../src/tasks/create.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';
import { DEFAULT_WORKTREE_OPTIONS } from '../../src/tasks/options.js';
import type { Benchmark } from '../harness.js';
import type { Budget } from './plan.js';
import { rawGit } from '../raw-git.js';
import type { Fixture } from './fixture.js';

/**
 * A step commit after a one-file edit in a task worktree, vs `git add <file> && git commit` after
 * the same edit in a plain linked worktree of the same repo.
 */
export function stepCommit(f: Fixture, budget: Budget): Benchmark {
  let ws: TaskWorkspace | undefined;
  const refDir = path.join(f.scratch, 'step-ref');
  /** The same spread of files on both sides, one per iteration. */
  const fileFor = (i: number) => f.gen.files[(i * 7919 + 13) % f.gen.files.length]!;
  const edit = (dir: string, i: number) => appendFile(path.join(dir, fileFor(i)), `// edit ${i}\n`);

  return {
    name: 'step commit',
    productLabel: 'TaskWorkspace.commitStep',
    referenceLabel: 'git add <file> && git commit',
    target: { maxRatio: 1.0, at: [10_000] },
    ...budget,
    async setup() {
      const opts = { ...DEFAULT_WORKTREE_OPTIONS, pool: 0 };
      const { record } = await createTask(f.repo, opts, { title: 'bench step commit' });
      ws = await TaskWorkspace.open(f.repo, record.id, DEFAULT_WORKTREE_OPTIONS);
      await rawGit(
        f.repo.root,
        'worktree',
        'add',
        '--quiet',
        '--no-track',
        '-b',
        'bench/step-ref',
        refDir,
        'HEAD',
      );
    },
    product: {
      before: (i) => edit(ws!.worktree, i),
      async run(i) {
        const c = await ws!.commitStep({ attempt: 1, step: i + 1, tool: 'write_file', paths: [fileFor(i)] });
        if (!c) throw new Error('commitStep made no commit');
      },
    },
    reference: {
      before: (i) => edit(refDir, i),
      async run(i) {
        await rawGit(refDir, 'add', '--', fileFor(i));
        await rawGit(refDir, 'commit', '-q', '-m', `edit ${fileFor(i)}`);
      },
    },
    async teardown() {
      await ws?.close();
    },
  };
}
