/**
 * The `.git` file of a linked worktree tells git which repository, index and HEAD the folder
 * belongs to. Anything running in the worktree (a check, a tool) can rewrite it, and git then
 * stages into whatever repository it now names, the main one included. So before factory
 * commits in a task worktree or removes one, it verifies the link both ways: the `.git` file
 * names a git dir `<common dir>/worktrees/<name>` of this repository, and that git dir's
 * `gitdir` file names this folder back. Three small reads, no process: it runs before every
 * step commit.
 */
import { lstat, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { refuse } from '../errors.js';

/** Same path, even when one side went through a symlink (as /tmp often does). */
async function samePath(a: string, b: string): Promise<boolean> {
  if (path.resolve(a) === path.resolve(b)) return true;
  const [ra, rb] = await Promise.all([realpath(a).catch(() => null), realpath(b).catch(() => null)]);
  return ra !== null && ra === rb;
}

/** The path a `gitdir: <path>` file names, resolved against the folder it is in; null when malformed. */
export async function readGitLink(file: string): Promise<string | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  const m = /^gitdir: (.+?)\r?\n?$/.exec(text);
  return m ? path.resolve(path.dirname(file), m[1]!) : null;
}

function broken(worktree: string, what: string): Error {
  return refuse(
    `the git link of worktree ${worktree} was changed: ${what}; factory stopped before touching git, ` +
      'the task and its branch are as they were',
    `something run in the worktree rewrote it; run \`git worktree repair ${worktree}\` in the main ` +
      'tree, then resume the task',
  );
}

/**
 * Verifies that `worktree` is a linked worktree of the repository whose common dir is
 * `commonDir`, linked both ways, and returns its private git dir. Refuses (exit 2) otherwise.
 */
export async function verifyWorktreeLink(commonDir: string, worktree: string): Promise<string> {
  const dotGit = path.join(worktree, '.git');
  const st = await lstat(dotGit).catch(() => null);
  if (!st) throw broken(worktree, 'its .git file is missing');
  if (!st.isFile())
    throw broken(
      worktree,
      `.git is a ${st.isDirectory() ? 'directory' : 'symbolic link'}, not git's link file`,
    );
  const gitDir = await readGitLink(dotGit);
  if (!gitDir) throw broken(worktree, 'its .git file is not a `gitdir:` link');
  const admin = path.join(commonDir, 'worktrees');
  if (!(await samePath(path.dirname(gitDir), admin)))
    throw broken(
      worktree,
      `its .git file points at ${gitDir}, which is not a worktree git dir of ${commonDir}`,
    );
  // The git dir's own `gitdir` file holds the bare path of the worktree's `.git` file.
  const backText = await readFile(path.join(gitDir, 'gitdir'), 'utf8').catch(() => null);
  const back = backText?.trim() ? path.resolve(gitDir, backText.trim()) : null;
  if (!back || !(await samePath(back, dotGit)))
    throw broken(
      worktree,
      `its .git file points at ${gitDir}, which belongs to ${back ? path.dirname(back) : 'no worktree'}`,
    );
  return gitDir;
}

/** True when `dir` holds a git link verified as one of this repository's worktrees. */
export async function isOwnWorktree(commonDir: string, dir: string): Promise<boolean> {
  return verifyWorktreeLink(commonDir, dir).then(
    () => true,
    () => false,
  );
}
