/**
 * Finding the repository around a folder from its files, as git does, for the common layouts
 * only: every command starts by it, and a `git rev-parse` for it cost a process each time.
 * Whatever is not plainly one of those layouts answers undefined and openRepo asks git, which
 * then also words the refusals (no repository, a bare one, unsafe ownership).
 *
 * git looks in each folder from the starting one up: for a `.git` (a folder, or a file that
 * links to one) and then for the folder itself being a git dir (a bare repository). It stops at
 * a file-system boundary, since factory strips GIT_DISCOVERY_ACROSS_FILESYSTEM like every other
 * GIT_* variable.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { readGitLink } from './worktree-link.js';

export interface Discovered {
  /** The shared git dir (real path). */
  commonDir: string;
  /** Top of the worktree the folder is in (real path). */
  top: string;
}

/** What git's is_git_directory() asks: HEAD, and objects and refs here or in the common dir. */
async function isGitDir(dir: string): Promise<boolean> {
  const head = await stat(path.join(dir, 'HEAD')).catch(() => null);
  return head?.isFile() ?? false;
}

/**
 * Settings that move the worktree or make the repository bare, or that this reader cannot follow
 * (includes, per-worktree config, other ref or object formats): with any of them, git decides.
 */
const UNUSUAL =
  /^\s*(worktree|bare\s*(=\s*(true|yes|on|1)\s*)?$|worktreeconfig|refstorage)\b|^\s*\[\s*include/im;

async function plainConfig(commonDir: string): Promise<boolean> {
  const text = await readFile(path.join(commonDir, 'config'), 'utf8').catch(() => null);
  return text !== null && !UNUSUAL.test(text);
}

/** Owned by this user, as git's safe.directory check wants (else git decides, and may refuse). */
async function ours(...dirs: string[]): Promise<boolean> {
  const uid = process.getuid?.();
  if (uid === undefined) return false;
  const sts = await Promise.all(dirs.map((d) => stat(d).catch(() => null)));
  return sts.every((s) => s !== null && s.uid === uid);
}

/** The repository around `cwd`, read from its files; undefined whenever git should be asked. */
export async function discoverRepo(cwd: string): Promise<Discovered | undefined> {
  let dir = await realpath(cwd).catch(() => null);
  if (!dir) return undefined;
  const device = (await stat(dir)).dev;
  for (;;) {
    const dotGit = path.join(dir, '.git');
    const st = await stat(dotGit).catch(() => null);
    if (st) {
      const gitDir = st.isDirectory() ? dotGit : st.isFile() ? await readGitLink(dotGit) : null;
      if (!gitDir || !(await isGitDir(gitDir))) return undefined;
      const link = await readFile(path.join(gitDir, 'commondir'), 'utf8').catch(() => null);
      const commonDir = await realpath(link === null ? gitDir : path.resolve(gitDir, link.trim())).catch(
        () => null,
      );
      if (!commonDir || !(await plainConfig(commonDir))) return undefined;
      if (!(await ours(dir, gitDir, commonDir))) return undefined;
      return { commonDir, top: dir };
    }
    // Inside a git dir, or a bare repository: git has its own answers there.
    if (await isGitDir(dir)) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    const up = await stat(parent).catch(() => null);
    if (!up || up.dev !== device) return undefined;
    dir = parent;
  }
}
