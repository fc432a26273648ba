import { existsSync } from 'node:fs';
import path from 'node:path';
import { gitOut } from './run.js';

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
 * The git operations in progress in the worktree at `dir` (merge, rebase, cherry-pick, revert,
 * bisect), by name; empty when none is. Committing into the middle of one would fold our commit
 * into the user's half-done work.
 */
export async function operationsInProgress(dir: string): Promise<string[]> {
  const gitDir = await gitOut(['rev-parse', '--absolute-git-dir'], { cwd: dir });
  return MARKERS.filter(([f]) => existsSync(path.join(gitDir, f))).map(([, name]) => name);
}
