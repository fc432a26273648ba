/**
 * The last step of every merge: the main tree and HEAD move by compare-and-swap, and the merged
 * task's worktree HEAD is detached in the same ref transaction. Real git in temp repos.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { moveMainTree } from '../../src/git/move-main-tree.js';
import { attachedHeads } from '../../src/git/worktree.js';
import { openRepo } from '../../src/git/repo.js';
import { RefConflictError } from '../../src/errors.js';
import { cleanupTemps, makeRepo, sh, tempDir, writeFiles } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

/** A repo on main with a worktree on branch `task` one commit ahead (a.txt changed). */
async function repoWithTask() {
  const dir = await makeRepo({ 'a.txt': 'a\n' });
  const head = sh(dir, 'rev-parse', 'HEAD');
  const wt = path.join(await tempDir(), 'wt');
  sh(dir, 'worktree', 'add', '-q', '-b', 'task', wt);
  await writeFiles(wt, { 'a.txt': 'a2\n' });
  sh(wt, 'commit', '-qam', 'change a');
  const tip = sh(wt, 'rev-parse', 'HEAD');
  return { dir, wt, head, tip, repo: await openRepo(dir) };
}

describe('moveMainTree', () => {
  it('moves the main tree and HEAD, and detaches the merged worktree in the same transaction', async () => {
    const { dir, wt, head, tip, repo } = await repoWithTask();
    const detach = await attachedHeads(repo, [wt, dir, path.join(dir, 'no-such-worktree')]);
    // Only the linked worktree on a branch: the main one and a missing folder are no such HEAD.
    expect(detach).toEqual(['worktrees/wt/HEAD']);
    await moveMainTree(repo, head, tip, 'factory: test merge', detach);
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(tip);
    expect(sh(dir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('a2\n');
    expect(sh(wt, 'rev-parse', 'HEAD')).toBe(tip);
    expect(() => sh(wt, 'symbolic-ref', '-q', 'HEAD')).toThrow();
    expect(sh(dir, 'rev-parse', 'task')).toBe(tip);
    expect(await attachedHeads(repo, [wt])).toEqual([]);
    expect(sh(dir, 'reflog', '-1', '--format=%gs', 'main')).toBe('factory: test merge');
  });

  it('still moves when a HEAD to detach is gone (its worktree removed meanwhile)', async () => {
    const { dir, wt, head, tip, repo } = await repoWithTask();
    await moveMainTree(repo, head, tip, 'factory: test merge', ['worktrees/gone/HEAD']);
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(tip);
    expect(sh(wt, 'symbolic-ref', 'HEAD')).toBe('refs/heads/task');
  });

  it('changes nothing when HEAD moved: the tree is put back and the worktree stays on its branch', async () => {
    const { dir, wt, head, tip, repo } = await repoWithTask();
    sh(dir, 'commit', '-q', '--allow-empty', '-m', 'the user moved on');
    const moved = sh(dir, 'rev-parse', 'HEAD');
    const detach = await attachedHeads(repo, [wt]);
    await expect(moveMainTree(repo, head, tip, 'factory: test merge', detach)).rejects.toBeInstanceOf(
      RefConflictError,
    );
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(moved);
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('a\n');
    expect(sh(dir, 'status', '--porcelain')).toBe('');
    expect(sh(wt, 'symbolic-ref', 'HEAD')).toBe('refs/heads/task');
  });
});
