import { git, gitOut, gitStatus, FACTORY_IDENTITY } from './run.js';
import { refuse } from '../errors.js';
import { branchRef } from './refs.js';
import { RefConflictError } from '../errors.js';

/** Tracked files with uncommitted changes in a worktree (untracked files do not count). */
export async function dirtyTracked(dir: string): Promise<string[]> {
  // Only shown in a refusal; simple-git's parser also names both sides of a staged rename.
  const st = await gitStatus(dir, ['--untracked-files=no']);
  return st.files.map((f) => (f.from ? `${f.from} -> ${f.path}` : f.path));
}

/**
 * Moves a task branch and its worktree from `from` to `to`. A two-tree read-tree only removes
 * files that `from` tracks and `to` does not, and refuses to overwrite untracked files, so files
 * the user put in the worktree by hand survive. The ref moves by compare-and-swap.
 */
export async function moveBranch(
  dir: string,
  branch: string,
  from: string,
  to: string,
  reason: string,
): Promise<void> {
  const dirty = await dirtyTracked(dir);
  if (dirty.length)
    throw refuse(
      `the task worktree has uncommitted changes to tracked files: ${dirty.join(', ')}`,
      `commit or discard them in ${dir} first`,
    );
  const r = await git(['read-tree', '-m', '-u', from, to], { cwd: dir, allowFail: true });
  if (r.code !== 0)
    throw refuse(`cannot move the worktree to ${to.slice(0, 12)}: ${r.stderr.trim()}`, `inspect ${dir}`);
  // The reflog is the rollback history (rollback-log.ts): make sure there is one even where
  // core.logAllRefUpdates is off.
  const u = await git(['update-ref', '--create-reflog', '-m', reason, branchRef(branch), to, from], {
    cwd: dir,
    env: FACTORY_IDENTITY,
    allowFail: true,
  });
  if (u.code !== 0) {
    await git(['read-tree', '-m', '-u', to, from], { cwd: dir, allowFail: true });
    throw new RefConflictError(branchRef(branch), from);
  }
}

/** True when `ancestor` is reachable from `commit`. */
export async function isAncestor(dir: string, ancestor: string, commit: string): Promise<boolean> {
  const r = await git(['merge-base', '--is-ancestor', ancestor, commit], { cwd: dir, allowFail: true });
  return r.code === 0;
}

export async function revParse(dir: string, rev: string): Promise<string | null> {
  const r = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', rev], {
    cwd: dir,
    allowFail: true,
  });
  return r.code === 0 ? r.stdout.trim() : null;
}

export async function setRef(dir: string, ref: string, value: string): Promise<void> {
  await gitOut(['update-ref', ref, value], { cwd: dir });
}
