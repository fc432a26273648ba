import { existsSync } from 'node:fs';
import path from 'node:path';

/** The marker files git leaves in a git dir while an operation waits for the user. */
const MARKERS: [string, string][] = [
  ['rebase-merge', 'a rebase'],
  ['rebase-apply', 'a rebase (or git am)'],
  ['MERGE_HEAD', 'a merge'],
  ['CHERRY_PICK_HEAD', 'a cherry-pick'],
  ['REVERT_HEAD', 'a revert'],
  ['sequencer', 'a cherry-pick or revert sequence'],
  ['BISECT_LOG', 'a bisect'],
];

/**
 * The git operations in progress in a worktree (merge, rebase, cherry-pick, revert, bisect), by
 * name, from its git dir (the common dir for the main worktree); empty when none is. Committing
 * into the middle of one would fold our commit into the user's half-done work.
 */
export function operationsInProgress(gitDir: string): string[] {
  return MARKERS.filter(([f]) => existsSync(path.join(gitDir, f))).map(([, name]) => name);
}
