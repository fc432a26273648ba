/**
 * Rollback keeps a history (the task branch's reflog): `--undo` takes back the latest rollback
 * not undone yet, so it steps back more than once instead of swapping the last two positions.
 */
import { vi, afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { rollbackTask, undoRollback } from '../../src/tasks/rollback.js';
import { cleanupTemps, makeRepo, runCli, sh } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';

// CLI runs take seconds each on a loaded machine.
vi.setConfig({ testTimeout: 240_000 });

afterAll(cleanupTemps);

const three = [
  { files: { 'a.txt': 'one\n' }, exit: 1 },
  { files: { 'a.txt': 'two\n' }, exit: 1 },
  { files: { 'a.txt': 'three\n' }, exit: 0 },
];

describe('trust: rollback --undo steps back through a history', () => {
  it('undoes two rollbacks in turn, then has nothing left to undo (reflogs off in the repo)', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    // Without a reflog there would be no history: factory must make one for the task branch.
    sh(dir, 'config', 'core.logAllRefUpdates', 'false');
    const { repo, id, worktree } = await taskWithAttempts(dir, 'undo', three);
    const branch = 'factory/1-undo';
    const at = (n: number) => sh(dir, 'rev-parse', `refs/factory/1/attempts/${n}`);
    const content = () => readFileSync(path.join(worktree, 'a.txt'), 'utf8');
    expect(sh(dir, 'rev-parse', branch)).toBe(at(3));

    await rollbackTask(repo, { task: id, attempt: 2 });
    await rollbackTask(repo, { task: id, attempt: 1 });
    expect([sh(dir, 'rev-parse', branch), content()]).toEqual([at(1), 'one\n']);

    const first = await runCli(dir, ['rollback', '--undo', '1']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('before the last rollback (to 1.1)');
    expect([sh(dir, 'rev-parse', branch), content()]).toEqual([at(2), 'two\n']);

    const second = await runCli(dir, ['rollback', '--undo', '1']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('before the last rollback (to 1.2)');
    expect([sh(dir, 'rev-parse', branch), content()]).toEqual([at(3), 'three\n']);

    const third = await runCli(dir, ['rollback', '--undo', '1']);
    expect(third.code).toBe(2);
    expect(third.stderr).toContain('task 1 has no rollback to undo');
    expect(sh(dir, 'rev-parse', branch)).toBe(at(3));
  });

  it('an undone rollback is not undone twice, and a new rollback goes on top of the history', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id } = await taskWithAttempts(dir, 'stack', three);
    const branch = 'factory/1-stack';
    const at = (n: number) => sh(dir, 'rev-parse', `refs/factory/1/attempts/${n}`);

    await rollbackTask(repo, { task: id, attempt: 1 }); // 3 -> 1
    await undoRollback(repo, id); // back to 3
    await rollbackTask(repo, { task: id, attempt: 2 }); // 3 -> 2
    await rollbackTask(repo, { task: id, attempt: 1 }); // 2 -> 1
    expect(sh(dir, 'rev-parse', branch)).toBe(at(1));
    expect((await undoRollback(repo, id)).to).toBe(at(2));
    expect((await undoRollback(repo, id)).to).toBe(at(3));
    // The first rollback was undone already: nothing is left, and the branch stays where it is.
    await expect(undoRollback(repo, id)).rejects.toThrow(/no rollback to undo/);
    expect(sh(dir, 'rev-parse', branch)).toBe(at(3));
  });
});
