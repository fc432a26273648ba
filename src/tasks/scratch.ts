import path from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import type { Repo } from '../git/repo.js';
import { git } from '../git/run.js';
import { cleanStowed, keepExcludes, removeWorktree } from '../git/worktree.js';
import { prepareWorktree } from '../git/prepare.js';
import { verifyWorktreeLink } from '../git/worktree-link.js';
import { wrapCommand, type SandboxPlan } from '../agent/os-sandbox/index.js';
import { checkEnv } from '../agent/exec-env.js';
import { pickPooled, pooledWorktrees, retireWorktree } from './pool.js';
import { checkedWorktreesDir } from './worktrees-dir.js';
import { markFolder, unmarkFolder } from './folder-marks.js';
import { queuePrefix } from './paths.js';
import { keptDirs, type WorktreeOptions } from './options.js';

/**
 * The merge queue's scratch worktree: a detached checkout where each merged tree is checked.
 * Taken from the worktree pool when it has one (then moving it to a commit rewrites only the files
 * that differ, which is what keeps the queue cheap at 10k files), else made and prepared like a
 * task worktree (copy, link, setup). Callers hold the repo lock.
 */
export async function takeScratch(
  repo: Repo,
  opts: WorktreeOptions,
  at: string,
  name: string,
  setupSandbox?: SandboxPlan,
): Promise<string> {
  const dir = path.join(await checkedWorktreesDir(repo, opts), `${queuePrefix}${name}`);
  // A scratch worktree left by a killed queue whose journal is gone: not worth keeping.
  if (existsSync(dir)) await removeWorktree(repo, dir);
  await markFolder(repo, dir);
  const pooled = pickPooled(await pooledWorktrees(repo, opts), at);
  if (pooled) {
    await mkdir(path.dirname(dir), { recursive: true });
    await rename(pooled.path, dir);
    await unmarkFolder(repo, pooled.path);
    await git(['worktree', 'repair', dir], { cwd: repo.root });
    // Detached: the first check's checkout (--force) moves it and resets its tracked files, only
    // the files that differ. worktree.setup must run on the tree the checks start from, though.
    if (opts.setup && (pooled.head !== at || !pooled.clean))
      await git(['checkout', '--quiet', '--force', '--detach', at], { cwd: dir });
    // A stowed one still holds what its task left, untracked and ignored files.
    if (!pooled.clean) await cleanStowed(dir, pooled.gitDir, keptDirs(opts));
  } else await git(['worktree', 'add', '--quiet', '--detach', dir, at], { cwd: repo.root });
  // As for a task worktree, fresh or recycled: copied files, links and setup.
  await prepareWorktree(repo, dir, {
    copy: opts.copy,
    link: opts.link,
    setup: opts.setup,
    setupLog: path.join(repo.factoryDir, `${queuePrefix}setup.log`),
    ...(setupSandbox
      ? {
          wrap: (command: string, cwd: string, env: NodeJS.ProcessEnv) =>
            wrapCommand(
              command,
              cwd,
              checkEnv(env, { allow: setupSandbox.envAllow, deny: setupSandbox.envDeny }),
              setupSandbox,
            ),
        }
      : {}),
  });
  return dir;
}

/**
 * Puts the scratch worktree at `commit`: tracked files and index as in the commit, whatever a
 * check changed in them. Untracked files a check left were removed by `cleanScratch` right after
 * it ran, while the next merge was being made. A forced checkout rewrites only the files that
 * differ from the index (after looking at each, as `reset --hard` does, but cheaper at 10k files),
 * and it detaches HEAD: a check that switched the scratch worktree to a branch never has that
 * branch moved, as `reset --hard` would move it.
 */
export async function moveScratch(dir: string, commit: string): Promise<void> {
  await git(['checkout', '--quiet', '--force', '--detach', commit], { cwd: dir });
}

/**
 * Removes the untracked files a check left in the scratch worktree. Ignored files stay (copied
 * files, build caches), as between two attempts. Run before the next `moveScratch`: clean first
 * and reset after leaves the same files as the other way round.
 */
export async function cleanScratch(dir: string, opts: WorktreeOptions): Promise<void> {
  await git(['clean', '-ffdq', ...keepExcludes(keptDirs(opts))], { cwd: dir });
}

/** Returns the scratch worktree to the pool (or removes it when the pool is full). Callers hold the repo lock. */
export async function retireScratch(repo: Repo, dir: string, opts: WorktreeOptions): Promise<void> {
  if (existsSync(dir)) await verifyWorktreeLink(repo.commonDir, dir).catch(() => undefined);
  await retireWorktree(repo, dir, opts);
  await unmarkFolder(repo, dir);
}
