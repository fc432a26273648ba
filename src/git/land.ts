import { FACTORY_IDENTITY, git, gitOut } from './run.js';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { refuse, RefConflictError } from '../errors.js';
import type { Repo } from './repo.js';
import { inTheWay, refuseDuringOperation } from './merge.js';
import { netChange, type TreeChange } from './tree-changes.js';
export { moveMainTree } from './move-main-tree.js';

/**
 * One commit on `parent` with `tree`: a squash commit (one parent) or, given `second`, a merge
 * commit. Made with commit-tree, so no worktree, index or ref is touched. Its author is the
 * user's identity, as git finds it; only when git finds none is it factory's. Asking git first
 * would cost a process on every merge for a case that is rare.
 */
export async function commitTree(
  repo: Repo,
  tree: string,
  parent: string,
  message: string,
  second?: string,
): Promise<string> {
  const parents = second ? ['-p', parent, '-p', second] : ['-p', parent];
  const args = ['commit-tree', tree, ...parents, '-F', '-'];
  const r = await git(args, { cwd: repo.root, input: message, allowFail: true });
  if (r.code === 0) return r.stdout.trim();
  return gitOut(args, { cwd: repo.root, env: FACTORY_IDENTITY, input: message });
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
 * queue landed, from the head on) could lose the user's work, as far as the files alone tell: an
 * operation in progress, a file git does not track where the move creates one (git would
 * overwrite an ignored one), or a file the move rewrites that the user deleted (git would bring
 * it back). Uncommitted changes to a file the move rewrites, git's read-tree refuses itself (see
 * `explainRefusedMove`): no `git status` over the main tree is needed before it.
 */
export async function refuseUnsafeLanding(repo: Repo, steps: TreeChange[]): Promise<void> {
  refuseDuringOperation(repo, 'the merge queue');
  const net = netChange(steps);
  const [found, gone] = await Promise.all([inTheWay(repo, net), missingAmong(repo, net)]);
  if (found.length)
    throw refuse(
      `the merge would overwrite files in the main tree that git does not track (untracked or ignored): ${found.join(', ')}`,
      'move them out of the way, then merge again',
    );
  if (gone.length) throw dirtyRefusal(gone);
}

/**
 * Why moveMainTree refused a move along `steps`: the files the tasks touched that `git status`
 * calls changed (the same refusal as before a queue starts), else git's own words in `e`.
 */
export async function explainRefusedMove(repo: Repo, steps: TreeChange[], e: unknown): Promise<never> {
  if (e instanceof RefConflictError) throw e;
  const { files } = netChange(steps);
  const dirty = await dirtyAmong(repo, files).catch(() => new Set<string>());
  const clash = files.filter((f) => dirty.has(f));
  throw clash.length ? dirtyRefusal(clash) : e;
}

function dirtyRefusal(files: string[]): Error {
  return refuse(
    `the main tree has uncommitted changes to files the tasks touched: ${files.join(', ')}`,
    'commit or stash them, then merge again',
  );
}

/** Files the move rewrites or deletes (they are in the head) that are gone from the main tree. */
async function missingAmong(repo: Repo, net: { existing: string[] }): Promise<string[]> {
  const there = net.existing;
  const gone = await Promise.all(
    there.map((f) =>
      lstat(path.join(repo.root, f)).then(
        () => false,
        (e: NodeJS.ErrnoException) => e.code === 'ENOENT' || e.code === 'ENOTDIR',
      ),
    ),
  );
  return there.filter((_, i) => gone[i]);
}
