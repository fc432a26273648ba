import { rm } from 'node:fs/promises';
import { git, gitOut, FACTORY_IDENTITY } from './run.js';

/**
 * Files in a worktree that differ from its HEAD: modified, staged, deleted or new (untracked and
 * not ignored). These are edits someone made by hand; cleaning the worktree would destroy them.
 * `sideBySide`: as many statuses run at once as there are cores (a merge queue's worktrees). git
 * then looks at the files on one thread (core.preloadIndex off): its own threads would only
 * compete with the other statuses for the cores, a sixth more CPU each at 10k files.
 */
export async function worktreeEdits(dir: string, sideBySide = false): Promise<string[]> {
  const threads = sideBySide ? ['-c', 'core.preloadIndex=false'] : [];
  const status = ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames'];
  const out = await git([...threads, ...status], { cwd: dir });
  return out.stdout
    .split('\0')
    .filter((e) => e.length > 3)
    .map((e) => e.slice(3));
}

/**
 * Records every edit in the worktree at `dir` (tracked changes and new files, not ignored ones)
 * as one commit on top of its HEAD, and points `ref` at it. Uses a private index file, so the
 * worktree, its index and its branch are left exactly as they were.
 */
export async function saveEdits(dir: string, ref: string, message: string): Promise<string> {
  const gitDir = await gitOut(['rev-parse', '--absolute-git-dir'], { cwd: dir });
  const index = `${gitDir}/factory-save-index`;
  const env = { ...FACTORY_IDENTITY, GIT_INDEX_FILE: index };
  try {
    await git(['read-tree', 'HEAD'], { cwd: dir, env });
    await git(['add', '-A', '--', '.'], { cwd: dir, env });
    const tree = await gitOut(['write-tree'], { cwd: dir, env });
    const commit = await gitOut(['commit-tree', tree, '-p', 'HEAD', '-F', '-'], {
      cwd: dir,
      env,
      input: message,
    });
    // Create only: an existing ref of that name is someone else's save, never overwritten.
    await git(['update-ref', '-m', message.split('\n')[0]!, ref, commit, ''], { cwd: dir });
    return commit;
  } finally {
    await rm(index, { force: true });
  }
}
