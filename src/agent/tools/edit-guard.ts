/**
 * Edits the sandbox lets through as paths but factory could not (or must not) commit: a file
 * inside a submodule belongs to another repository, a file `worktree.copy` put in is the user's
 * (secrets, local settings) and never enters history, and an ignored path is never committed.
 * Such an edit is refused before anything is written, with a message that tells the model why,
 * so the task goes on instead of failing in git.
 */
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { enclosingSubmodule, ignoredUntracked, readCopiedList } from '../../git/protected-paths.js';
import { readGitLink } from '../../git/worktree-link.js';
import { SandboxError, quotePath, toRelative } from '../sandbox.js';

function refused(rel: string, why: string): SandboxError {
  return new SandboxError(`refused path ${quotePath(rel)}: ${why}`);
}

/**
 * Refuses an edit (write, replace or delete) of `abs` (already confined to `root` by the
 * sandbox); `rel` is the path as the model wrote it, for the message.
 */
export async function assertEditable(root: string, abs: string, rel: string): Promise<void> {
  const realRoot = await realpath(root);
  const inTree = toRelative(realRoot, abs);
  const sub = await enclosingSubmodule(realRoot, inTree);
  if (sub)
    throw refused(
      rel,
      `it is inside the submodule ${quotePath(sub)}, which is another repository; factory cannot ` +
        'commit changes there. Change the files of this repository instead.',
    );
  const dotGit = path.join(realRoot, '.git');
  const st = await lstat(dotGit).catch(() => null);
  if (!st) return;
  if (st.isFile()) {
    const gitDir = await readGitLink(dotGit);
    if (gitDir && (await readCopiedList(gitDir)).has(inTree))
      throw refused(
        rel,
        "it was copied in from the user's main tree (worktree.copy) and may hold secrets; factory " +
          'never commits it, so it cannot be edited. Leave it as it is.',
      );
  }
  const [ignored] = await ignoredUntracked([inTree], { cwd: realRoot });
  if (ignored)
    throw refused(
      rel,
      `git ignores it (${ignored.rule}), and factory never commits ignored files, so the edit ` +
        'would not be kept. Change tracked files instead.',
    );
}
