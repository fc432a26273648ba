import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { rollbackTask, undoRollback } from '../../src/tasks/rollback.js';
import { acquireRunLock } from '../../src/tasks/run-lock.js';
import { loadTask } from '../../src/tasks/history.js';
import { readHistories } from '../../src/git/history.js';
import { cleanupTemps, makeRepo, runCli, sh, writeFiles } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';

afterAll(cleanupTemps);

const twoAttempts: { files: Record<string, string>; exit: number }[] = [
  { files: { 'a.txt': 'attempt 1\n', 'one.txt': '1\n' }, exit: 1 },
  { files: { 'a.txt': 'attempt 2\n', 'two.txt': '2\n' }, exit: 0 },
];

describe('history', () => {
  it('rebuilds attempts, steps, outcomes and diffs from git alone', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id } = await taskWithAttempts(dir, 'hist', twoAttempts);
    const { history } = await loadTask(repo, id);
    expect(
      history.attempts.map((a) => [a.address, a.checkExit, a.verdict, a.outcome, a.steps.length]),
    ).toEqual([
      ['1.1', 1, 'FAIL', 'failed', 2],
      ['1.2', 0, 'PASS', 'passed', 2],
    ]);
    expect(history.attempts[1]!.steps.map((s) => [s.address, s.tool, s.files])).toEqual([
      ['1.2.1', 'write_file', ['a.txt']],
      ['1.2.2', 'write_file', ['two.txt']],
    ]);
    expect(history.attempts[0]!.added).toBe(2);
  });

  it('reads several histories at once as it reads each alone, bases shared or not', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const one = await taskWithAttempts(dir, 'one', twoAttempts);
    const two = await taskWithAttempts(dir, 'two', [{ files: { 'b.txt': 'b\n' }, exit: 0 }]);
    // Rolled back: attempt 2 of task one is off its branch, still read from its ref.
    await rollbackTask(one.repo, { task: one.id, attempt: 1 });
    sh(dir, 'commit', '-q', '--allow-empty', '-m', 'main moves on');
    const three = await taskWithAttempts(dir, 'three', [{ files: { 'c.txt': 'c\n' }, exit: 0 }]);
    const gone = await taskWithAttempts(dir, 'gone', []);
    const views = await Promise.all([one, two, three, gone].map((t) => loadTask(one.repo, t.id)));
    const together = await readHistories(
      one.repo,
      views.map((v) => ({ task: v.record.id, base: v.record.base, tip: v.tip })),
    );
    expect(together).toEqual(views.map((v) => v.history));
    expect(together.map((h) => h.attempts.map((a) => [a.address, a.onBranch]))).toEqual([
      [
        ['1.1', true],
        ['1.2', false],
      ],
      [['2.1', true]],
      [['3.1', true]],
      [],
    ]);
  });
});

describe('rollback', () => {
  it('moves branch and worktree to an attempt, keeps later attempts reachable, and can be undone', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id, worktree } = await taskWithAttempts(dir, 'rb', twoAttempts);
    const before = sh(dir, 'rev-parse', 'factory/1-rb');
    // A file the user put in the worktree by hand must survive.
    await writeFiles(worktree, { 'notes-by-hand.txt': 'mine\n' });
    const r = await rollbackTask(repo, { task: id, attempt: 1 });
    expect(sh(dir, 'rev-parse', 'factory/1-rb')).toBe(sh(dir, 'rev-parse', 'refs/factory/1/attempts/1'));
    expect(readFileSync(path.join(worktree, 'a.txt'), 'utf8')).toBe('attempt 1\n');
    expect(existsSync(path.join(worktree, 'two.txt'))).toBe(false);
    expect(readFileSync(path.join(worktree, 'notes-by-hand.txt'), 'utf8')).toBe('mine\n');
    expect(sh(worktree, 'status', '--porcelain')).toBe('?? notes-by-hand.txt');
    expect(r.from).toBe(before);
    const view = await loadTask(repo, id);
    expect(view.history.attempts.map((a) => a.onBranch)).toEqual([true, false]);

    await undoRollback(repo, id);
    expect(sh(dir, 'rev-parse', 'factory/1-rb')).toBe(before);
    expect(readFileSync(path.join(worktree, 'two.txt'), 'utf8')).toBe('2\n');
  });

  it('rolls back to a step, and to a commit id', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id, worktree } = await taskWithAttempts(dir, 'steps', twoAttempts);
    const view = await loadTask(repo, id);
    const step = view.history.attempts[1]!.steps[0]!;
    await rollbackTask(repo, { task: id, attempt: 2, step: 1 });
    expect(sh(dir, 'rev-parse', 'factory/1-steps')).toBe(step.commit);
    expect(readFileSync(path.join(worktree, 'a.txt'), 'utf8')).toBe('attempt 2\n');
    expect(existsSync(path.join(worktree, 'two.txt'))).toBe(false);
    const viaSha = await runCli(dir, ['rollback', view.history.attempts[0]!.commit!.slice(0, 12)]);
    expect(viaSha.code, viaSha.stderr).toBe(0);
    expect(sh(dir, 'rev-parse', 'factory/1-steps')).toBe(view.history.attempts[0]!.commit);
  });

  it('accepts a bare attempt number inside the task worktree', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { worktree } = await taskWithAttempts(dir, 'bare', twoAttempts);
    const r = await runCli(worktree, ['rollback', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rolled back to 1.1');
    const outside = await runCli(dir, ['rollback', '1']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('say which attempt');
    const undo = await runCli(worktree, ['rollback', '--undo', '1']);
    expect(undo.code).toBe(0);
    expect(readFileSync(path.join(worktree, 'a.txt'), 'utf8')).toBe('attempt 2\n');
  });

  it('refuses while the task is running, and refuses a missing attempt', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id } = await taskWithAttempts(dir, 'busy', twoAttempts);
    const lock = await acquireRunLock(repo, id);
    try {
      const tip = sh(dir, 'rev-parse', 'factory/1-busy');
      const r = await runCli(dir, ['rollback', '1.1']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('task 1 is running');
      expect(sh(dir, 'rev-parse', 'factory/1-busy')).toBe(tip);
    } finally {
      await lock.release();
    }
    const missing = await runCli(dir, ['rollback', '1.9']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('task 1 has no attempt 9');
    const noUndo = await runCli(dir, ['rollback', '--undo', '1']);
    expect(noUndo.code).toBe(2);
  });
});
