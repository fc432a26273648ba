/**
 * Three tasks at once (`--parallel 3`) against one in-process openai-dialect server that serves
 * three requests at a time: all pass, each on its own branch and worktree, and they really ran
 * side by side (the server's request timings and the tasks' event times overlap).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, sh } from '../helpers/git-repo.js';
import {
  closeInProcess,
  commitShape,
  e2eRepo,
  events,
  expectMainUntouched,
  expectOwnWorktree,
  inProcessServer,
  requestsOf,
  runJson,
  startInProcess,
  worktreeOf,
} from './support.js';

afterAll(async () => {
  await closeInProcess();
  await cleanupTemps();
});

const CHECK = [
  'sleep 0.3',
  'for f in alpha beta gamma; do',
  '  if [ -f "$f.txt" ] && grep -qx "$f" "$f.txt"; then echo "$f.txt is right"; exit 0; fi',
  'done',
  'echo "no file yet"; exit 1',
  '',
].join('\n');

const NAMES = ['alpha', 'beta', 'gamma'] as const;

describe('factory task --parallel 3', () => {
  it('runs three tasks side by side, each on its own branch and worktree, and all pass', async () => {
    const server = await startInProcess('openai', 'e2e-parallel.json');
    const repo = await e2eRepo(
      { 'check.sh': CHECK },
      {
        server: { ...inProcessServer(server), concurrency: 3 },
        check: 'sh check.sh',
        agent: { maxAttempts: 2, tools: 'text' },
        parallel: 1,
      },
    );
    const run = await runJson(repo.dir, ['task', ...NAMES.map((n) => `Create ${n}.txt`), '--parallel', '3']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.outcomes.map((o) => o.title).sort()).toEqual([
      'Create alpha.txt',
      'Create beta.txt',
      'Create gamma.txt',
    ]);
    expect(run.outcomes.map((o) => o.id).sort()).toEqual([1, 2, 3]);
    // Product bug: the workers create their tasks concurrently, so ids follow whichever takes the
    // repo lock first, not the order given (the demo's script, keyed on task-1 and task-2, relies on it).
    expect
      .soft(
        run.outcomes.map((o) => `${o.id} ${o.title}`),
        'task ids in the order given',
      )
      .toEqual(['1 Create alpha.txt', '2 Create beta.txt', '3 Create gamma.txt']);

    for (const o of run.outcomes) {
      const name = /Create (\w+)\.txt/.exec(o.title)![1]!;
      expect(o).toMatchObject({
        outcome: 'passed',
        attempts: 1,
        branch: `factory/${o.id}-create-${name}-txt`,
      });
      expect(commitShape(repo.dir, o.branch)).toEqual([
        `step ${o.id}.1.1 write_file`,
        `attempt ${o.id}.1 exit=0 verdict=PASS passed`,
      ]);
      // Its own file only: the tasks never saw each other's work.
      expect(sh(repo.dir, 'ls-tree', '--name-only', o.branch).split('\n').sort()).toEqual(
        ['.factoryrc.json', 'check.sh', `${name}.txt`].sort(),
      );
      expectOwnWorktree(repo.dir, o.id, o.branch);
    }
    expect(new Set(run.outcomes.map((o) => worktreeOf(repo.dir, o.id))).size).toBe(3);

    // The three Coder requests were served at the same time, one per task...
    const coder = requestsOf(server, 'Coder');
    expect(coder.map((r) => r.task).sort()).toEqual(['task-1', 'task-2', 'task-3']);
    const latestStart = Math.max(...coder.map((r) => r.startedAt!));
    const earliestEnd = Math.min(...coder.map((r) => r.endedAt!));
    expect(latestStart).toBeLessThan(earliestEnd);
    // ...and each task was running while the others were.
    const spans = run.outcomes.map((o) => {
      const status = events(repo.dir, o.id).filter((e) => e.type === 'status');
      return { from: Date.parse(status[0]!.t), to: Date.parse(status.at(-1)!.t) };
    });
    expect(Math.max(...spans.map((s) => s.from))).toBeLessThan(Math.min(...spans.map((s) => s.to)));
    expectMainUntouched(repo.dir, repo.head);
  });
});
