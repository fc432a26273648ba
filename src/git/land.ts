import { git, gitOut } from './run.js';
import { refuse } from '../errors.js';
import type { Repo } from './repo.js';
import { inTheWay, refuseDuringOperation } from './merge.js';
import { netChange, type TreeChange } from './tree-changes.js';
export { moveMainTree } from './move-main-tree.js';

/**
 * One commit on `parent` with `tree`: a squash commit (one parent) or, given `second`, a merge
 * commit. Made with commit-tree, so no worktree, index or ref is touched.
 */
export async function commitTree(
  repo: Repo,
  tree: string,
  parent: string,
  message: string,
  env: Record<string, string>,
  second?: string,
): Promise<string> {
  const parents = second ? ['-p', parent, '-p', second] : ['-p', parent];
  return gitOut(['commit-tree', tree, ...parents, '-F', '-'], { cwd: repo.root, env, input: message });
}

/**
 * Which of `files` have uncommitted changes in the main tree (staged, unstaged or untracked). The
 * status is limited to those paths: at 10k files a full one costs more than the rest of a merge.
 */
export async function dirtyAmong(repo: Repo, files: string[]): Promise<Set<string>> {
  const set = new Set<string>();
  if (!files.length) return set;
  const out = await git(
    [
      '--literal-pathspecs',
      'status',
      '--porcelain=v1',
      '-z',
      '--untracked-files=all',
      '--no-renames',
      '--',
      ...files,
    ],
    { cwd: repo.root },
  );
  for (const e of out.stdout.split('\0')) if (e.length >= 4) set.add(e.slice(3));
  return set;
}

/**
 * Refuses (nothing changed) when moving the main tree along `steps` (the diff of each commit the
 * queue landed, from the head on) could lose the user's work: an operation in progress,
 * uncommitted changes to a file a step touched, or a file git does not track where the move
 * creates one. The same rules as a single merge.
 */
export async function refuseUnsafeLanding(repo: Repo, steps: TreeChange[]): Promise<void> {
  refuseDuringOperation(repo, 'the merge queue');
  const net = netChange(steps);
  const [found, dirty] = await Promise.all([inTheWay(repo, net), dirtyAmong(repo, net.files)]);
  if (found.length)
    throw refuse(
      `the merge would overwrite files in the main tree that git does not track (untracked or ignored): ${found.join(', ')}`,
      'move them out of the way, then merge again',
    );
  const clash = net.files.filter((f) => dirty.has(f));
  if (clash.length)
    throw refuse(
      `the main tree has uncommitted changes to files the tasks touched: ${clash.join(', ')}`,
      'commit or stash them, then merge again',
    );
}
