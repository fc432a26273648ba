/**
 * Task addresses as the CLI takes them (`3`, `3.2`, `3.2.1`, a commit id). Real git in temp repos.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { parseAddress } from '../../src/tasks/address.js';
import { cleanupTemps, makeRepo, sh } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';

afterAll(cleanupTemps);

/** A commit of task `task`'s attempt 1 (by its trailers) whose id starts with 7 digits. */
function digitsOnlyCommit(dir: string, task: number): string {
  const tree = sh(dir, 'rev-parse', 'HEAD^{tree}');
  // One id in 27 starts with 7 digits: a few hundred tries find one, each a few ms.
  for (let n = 0; n < 2000; n++) {
    const message = `attempt\n\nnonce ${n}\n\nFactory-Task: ${task}\nFactory-Attempt: 1\n`;
    const sha = execFileSync('git', ['commit-tree', tree, '-F', '-'], {
      cwd: dir,
      input: message,
      encoding: 'utf8',
    }).trim();
    if (/^\d{7}/.test(sha)) return sha;
  }
  throw new Error('no commit id of 7 leading digits in 2000 tries');
}

describe('parseAddress', () => {
  it('reads task, attempt and step numbers', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const { repo } = await taskWithAttempts(dir, 'one', [{ files: { 'a.txt': 'b\n' }, exit: 0 }]);
    expect(await parseAddress(repo, '1')).toEqual({ task: 1, attempt: undefined, step: undefined });
    expect(await parseAddress(repo, '1.2.3')).toEqual({ task: 1, attempt: 2, step: 3 });
  });

  it('takes a commit id made only of digits for the commit when no task has that number', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const { repo } = await taskWithAttempts(dir, 'one', [{ files: { 'a.txt': 'b\n' }, exit: 0 }]);
    const sha = digitsOnlyCommit(dir, 1);
    expect(await parseAddress(repo, sha.slice(0, 7))).toEqual({
      task: 1,
      attempt: 1,
      step: undefined,
      commit: sha,
    });
    // A number that names a task stays the task; one that names nothing at all stays a task too
    // (and is refused as such by the command).
    expect(await parseAddress(repo, '1')).toMatchObject({ task: 1 });
    expect(await parseAddress(repo, '9999999')).toEqual({
      task: 9999999,
      attempt: undefined,
      step: undefined,
    });
  });
});
