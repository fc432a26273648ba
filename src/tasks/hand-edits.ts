import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Repo } from '../git/repo.js';
import { git } from '../git/run.js';
import { saveEdits, worktreeEdits } from '../git/save.js';
import { taskRefPrefix } from '../git/refs.js';
import { refuse } from '../errors.js';
import { verifyWorktreeLink } from '../git/worktree-link.js';

/** Hand edits of a task worktree, kept in a commit before the worktree was cleaned. */
export interface SavedEdits {
  ref: string;
  commit: string;
  files: string[];
}

export const savedRef = (id: number, n: number) => `${taskRefPrefix(id)}saved/${n}`;

/**
 * The files someone edited by hand in a task's worktree. Without `force`, refuses (naming them)
 * when there are any: merge and discard clean the worktree, which would delete them.
 * `sideBySide`: see worktreeEdits.
 */
export async function checkHandEdits(
  repo: Repo,
  id: number,
  worktree: string,
  verb: 'merge' | 'discard',
  force: boolean,
  sideBySide = false,
): Promise<string[]> {
  if (!existsSync(worktree)) return [];
  // git runs inside the worktree next: a rewritten .git link would make it read the main repo.
  await verifyWorktreeLink(repo.commonDir, worktree);
  const files = await worktreeEdits(worktree, sideBySide);
  if (files.length && !force)
    throw refuse(
      `the worktree of task ${id} has changes that are not committed, which ${verb} would delete: ${files.join(', ')}`,
      `commit them in ${worktree}, or run \`factory ${verb} ${id} --force\` to save them under ${taskRefPrefix(id)}saved/ and go on`,
    );
  return files;
}

/**
 * Saves the hand edits (`files`, as found by checkHandEdits) of a task worktree as a commit under `refs/factory/<id>/saved/<n>`, then
 * cleans the worktree (tracked files back to HEAD, new files removed; ignored files stay).
 */
export async function saveHandEdits(
  repo: Repo,
  id: number,
  worktree: string,
  files: string[],
): Promise<SavedEdits | null> {
  if (!files.length || !existsSync(worktree)) return null;
  const taken = await git(['for-each-ref', '--format=%(refname)', `${taskRefPrefix(id)}saved/`], {
    cwd: repo.root,
  });
  let n = 1;
  const names = new Set(taken.stdout.split('\n'));
  // A save killed inside its update-ref leaves `<ref>.lock` behind, and that ref could never be
  // written again: take the next number instead (factory holds the repo lock, so nothing of ours
  // is writing it; the edits are still in the worktree and are saved again).
  while (names.has(savedRef(id, n)) || existsSync(path.join(repo.commonDir, `${savedRef(id, n)}.lock`))) n++;
  const ref = savedRef(id, n);
  const commit = await saveEdits(
    worktree,
    ref,
    `factory: edits left in the worktree of task ${id}\n\nSaved before the worktree was cleaned.\nFiles: ${files.join(', ')}\n`,
  );
  await git(['reset', '--quiet', '--hard'], { cwd: worktree });
  await git(['clean', '-fdq'], { cwd: worktree });
  return { ref, commit, files };
}

/** How to get saved edits back, in one line. */
export function savedEditsText(s: SavedEdits): string {
  return (
    `saved the uncommitted changes of the task worktree (${s.files.join(', ')}) as ${s.ref} (${s.commit.slice(0, 10)}); ` +
    `see them with \`git show ${s.ref}\`, put the files back with \`git restore --source=${s.ref} -- ${s.files.join(' ')}\``
  );
}
