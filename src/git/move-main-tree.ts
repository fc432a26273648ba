import { git } from './run.js';
import { refuse, RefConflictError } from '../errors.js';
import type { Repo } from './repo.js';
import { detachLines } from './worktree.js';

/**
 * Moves the main tree and HEAD from `head` to `commit` in one step: a two-tree read-tree (which
 * rewrites only the files that differ and keeps unrelated uncommitted work), then HEAD by
 * compare-and-swap. On a failure everything is put back. Callers ran refuseUnsafeLanding first
 * (read-tree itself refuses to overwrite uncommitted changes, not ignored files). `detach` (see
 * attachedHeads) are worktree HEADs the merge leaves on branches nobody works on any more: they
 * are detached in the same transaction, which spares the stow that follows a git process.
 */
export async function moveMainTree(
  repo: Repo,
  head: string,
  commit: string,
  reason: string,
  detach: string[] = [],
): Promise<void> {
  const cwd = repo.root;
  const readTree = () => git(['read-tree', '-m', '-u', head, commit], { cwd, allowFail: true });
  let move = await readTree();
  // read-tree trusts the index's cached stat data: a file the user only touched (same content,
  // new mtime) is "not uptodate" and refuses the move. Our status calls never refresh that cache
  // (GIT_OPTIONAL_LOCKS=0). A refused read-tree has written nothing (checked before any file or
  // the index is touched), so refresh the stat data (no content changes) and ask once more.
  if (move.code !== 0) {
    await git(['update-index', '-q', '--refresh'], { cwd, allowFail: true });
    move = await readTree();
  }
  if (move.code !== 0)
    throw refuse(
      `cannot update the main tree: ${move.stderr.trim()}`,
      'commit or stash your changes, then merge again',
    );
  const update = (heads: string[]) =>
    git(['update-ref', '-m', reason, '--stdin'], {
      cwd,
      input: `update HEAD ${commit} ${head}\n${detachLines(heads)}`,
      allowFail: true,
    });
  let upd = await update(detach);
  // A worktree HEAD that cannot be detached (its worktree removed meanwhile) must not stop the
  // merge: the stow detaches what is left. HEAD itself moved refuses again.
  if (upd.code !== 0 && detach.length) upd = await update([]);
  if (upd.code !== 0) {
    await git(['read-tree', '-m', '-u', commit, head], { cwd, allowFail: true });
    throw new RefConflictError('HEAD', head);
  }
}
