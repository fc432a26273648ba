import { readFile, rename, rm, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { git, gitOut, GitError } from './run.js';
import { refuse } from '../errors.js';
import type { Repo } from './repo.js';
import { isOwnWorktree, verifyWorktreeLink } from './worktree-link.js';

export interface WorktreeEntry {
  path: string;
  head: string | null;
  /** Full ref name (`refs/heads/...`), or null when detached. */
  branch: string | null;
  prunable: boolean;
}

/** Every worktree git knows, parsed from `git worktree list --porcelain`. */
export async function listWorktrees(repo: Repo): Promise<WorktreeEntry[]> {
  const out = await gitOut(['worktree', 'list', '--porcelain', '-z'], { cwd: repo.root });
  const entries: WorktreeEntry[] = [];
  let cur: WorktreeEntry | null = null;
  for (const field of out.split('\0')) {
    if (field === '') {
      if (cur) entries.push(cur);
      cur = null;
      continue;
    }
    const sp = field.indexOf(' ');
    const key = sp < 0 ? field : field.slice(0, sp);
    const val = sp < 0 ? '' : field.slice(sp + 1);
    if (key === 'worktree') cur = { path: val, head: null, branch: null, prunable: false };
    else if (!cur) continue;
    else if (key === 'HEAD') cur.head = val;
    else if (key === 'branch') cur.branch = val;
    else if (key === 'prunable') cur.prunable = true;
  }
  if (cur) entries.push(cur);
  return entries;
}

/**
 * `git worktree add` of a new branch at `startPoint` (any commit-ish: git resolves it, which
 * saves a separate rev-parse), never tracking anything. Returns the commit the branch starts at.
 */
export async function addWorktree(
  repo: Repo,
  dir: string,
  branch: string,
  startPoint: string,
): Promise<string> {
  await mkdir(path.dirname(dir), { recursive: true });
  const r = await git(['worktree', 'add', '--quiet', '--no-track', '-b', branch, dir, startPoint], {
    cwd: repo.root,
    allowFail: true,
  });
  if (r.code !== 0) {
    if (/invalid reference|not a valid|unknown revision/i.test(r.stderr)) {
      if (startPoint === 'HEAD')
        throw refuse('the repository has no commits yet', 'make a first commit, then run factory again');
      throw refuse(`unknown base ref: ${startPoint}`, 'name a branch, tag or commit that exists');
    }
    throw new GitError(['worktree', 'add', dir], r.code, r.stderr);
  }
  return (
    (await readLooseRef(repo, `refs/heads/${branch}`)) ?? gitOut(['rev-parse', branch], { cwd: repo.root })
  );
}

/** A ref git has just written is a loose file; reading it spares a process. */
async function readLooseRef(repo: Repo, ref: string): Promise<string | null> {
  const text = await readFile(path.join(repo.commonDir, ref), 'utf8').catch(() => '');
  const sha = text.trim();
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha) ? sha : null;
}

/** What excludes `keep` (folders kept across tasks) from `git clean`. */
export function keepExcludes(keep: string[]): string[] {
  return keep.flatMap((k) => ['-e', `/${k.replace(/^\/+|\/+$/g, '')}`]);
}

/**
 * Set in a pooled worktree's git dir when it was parked as it was (see stowWorktrees): whoever
 * takes it cleans it first.
 */
const UNCLEAN = 'factory-unclean';

/** Cleans a stowed worktree (untracked and ignored files, except `keep`) and clears its mark. */
export async function cleanStowed(dir: string, gitDir: string, keep: string[]): Promise<void> {
  await git(['clean', '-ffdxq', ...keepExcludes(keep)], { cwd: dir });
  await rm(path.join(gitDir, UNCLEAN), { force: true });
}

/**
 * Moves a parked worktree to `dir` and checks out a new branch at `base` in it. Checkout only
 * rewrites files that differ between the parked commit and `base`, which is what makes a
 * recycled worktree cheap. A stowed one is cleaned after that checkout, which resets its tracked
 * files anyway.
 */
export async function reuseWorktree(
  repo: Repo,
  from: PooledWorktree,
  dir: string,
  branch: string,
  base: string,
  keep: string[],
): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true });
  await rename(from.path, dir);
  await git(['worktree', 'repair', dir], { cwd: repo.root });
  // Parked clean at `base`, creating the branch needs no look at the files at all (a checkout
  // with a start point rescans every file).
  if (from.clean && from.head === base)
    await git(['switch', '--quiet', '--no-track', '-c', branch], { cwd: dir });
  else await git(['checkout', '--quiet', '--force', '--no-track', '-b', branch, base], { cwd: dir });
  if (!from.clean) await cleanStowed(dir, from.gitDir, keep);
}

export interface PooledWorktree {
  path: string;
  /** Its private git dir (`<common>/worktrees/<name>`). */
  gitDir: string;
  head: string | null;
  /** False when it was stowed as it was: untracked files, changes and all. */
  clean: boolean;
}

/**
 * A linked worktree as `git worktree list` would report it, read from its files with no git
 * process: linked both ways (else git would call it prunable, or it is another repository's),
 * and its HEAD when that holds a commit (a detached worktree, as parked ones are).
 */
export async function linkedWorktree(commonDir: string, dir: string): Promise<PooledWorktree | null> {
  const gitDir = await verifyWorktreeLink(commonDir, dir).catch(() => null);
  if (!gitDir) return null;
  const head = (await readFile(path.join(gitDir, 'HEAD'), 'utf8').catch(() => '')).trim();
  return {
    path: dir,
    gitDir,
    head: /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head) ? head : null,
    clean: !existsSync(path.join(gitDir, UNCLEAN)),
  };
}

/**
 * Detaches a worktree from its branch and cleans it for the next task: tracked files back to
 * HEAD, untracked and ignored files removed except the kept directories.
 */
export async function parkWorktree(
  repo: Repo,
  dir: string,
  to: string,
  keep: string[],
  opts: { repair?: boolean } = {},
): Promise<void> {
  const gitDir = await verifyWorktreeLink(repo.commonDir, dir);
  // One pass over the files: --force with no commit detaches and resets tracked files to HEAD
  // (staged new files included), as checkout --detach then reset --hard would in two.
  await git(['checkout', '--quiet', '--force', '--detach'], { cwd: dir });
  await cleanStowed(dir, gitDir, keep);
  await moveIntoPool(repo, dir, to, opts.repair ?? true);
}

/**
 * Detaches worktrees from their branches and parks them as they are, marked unclean: for a
 * worktree whose commit is not where new tasks start, the next taker's checkout rewrites its files
 * anyway, and the clean-up is left to it (reuseWorktree, the merge queue's scratch). Costs no look
 * at the files; the caller knows nothing in them is worth keeping. git learns their new places
 * from the caller's `repairMoved`.
 */
export async function stowWorktrees(repo: Repo, moves: { dir: string; to: string }[]): Promise<void> {
  if (!moves.length) return;
  const gitDirs = await Promise.all(moves.map((m) => verifyWorktreeLink(repo.commonDir, m.dir)));
  await Promise.all(gitDirs.map((g) => writeFile(path.join(g, UNCLEAN), '')));
  // HEAD, not the branch, moves: a pooled worktree holds no branch, as a parked one. A merge
  // detached them already when it moved the main branch (see attachedHeads).
  const heads = (await Promise.all(gitDirs.map(attachedHead))).filter((h) => h !== null);
  if (heads.length) await detachHeads(repo, heads);
  for (const m of moves) await moveIntoPool(repo, m.dir, m.to, false);
}

/**
 * The HEAD of a linked worktree as the main one names it (`worktrees/<name>/HEAD`), when it is on
 * a branch; null when it is detached already.
 */
async function attachedHead(gitDir: string): Promise<string | null> {
  const head = (await readFile(path.join(gitDir, 'HEAD'), 'utf8').catch(() => '')).trim();
  return head.startsWith('ref:') ? `worktrees/${path.basename(gitDir)}/HEAD` : null;
}

/**
 * The HEADs (as `worktrees/<name>/HEAD`) of those of `dirs` that are linked worktrees of this
 * repository on a branch, read from their files: the refs a merge detaches in the transaction
 * that moves the main branch (moveMainTree), which spares the stow that follows a git process.
 */
export async function attachedHeads(repo: Repo, dirs: string[]): Promise<string[]> {
  const heads = await Promise.all(
    dirs.map(async (d) => {
      const gitDir = await verifyWorktreeLink(repo.commonDir, d).catch(() => null);
      return gitDir && attachedHead(gitDir);
    }),
  );
  return heads.filter((h) => h !== null);
}

/**
 * The lines of an `update-ref --stdin` transaction that detach each HEAD (`worktrees/<name>/HEAD`)
 * where it is: each `update` takes the commit its ref holds, and does not follow it to the branch.
 */
export function detachLines(heads: string[]): string {
  return heads.map((h) => `option no-deref\nupdate ${h} ${h}\n`).join('');
}

async function detachHeads(repo: Repo, heads: string[]): Promise<void> {
  await git(['update-ref', '--stdin'], { cwd: repo.root, input: detachLines(heads) });
}

/**
 * Renames a worktree into the pool. git learns the new path from `repairMoved`, at once or (with
 * `repair` false) once for several: until then `git worktree prune` would forget it.
 */
async function moveIntoPool(repo: Repo, dir: string, to: string, repair: boolean): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  await rename(dir, to);
  if (repair) await repairMoved(repo, [to]);
}

/** Tells git where worktrees renamed by hand are now (one process for all of them). */
export async function repairMoved(repo: Repo, dirs: string[]): Promise<void> {
  if (dirs.length) await git(['worktree', 'repair', ...dirs], { cwd: repo.root });
}

/**
 * Removes a worktree, even a dirty or half-deleted one, and forgets it in git. When git cannot
 * remove it, the folder is deleted by hand only if it is still this repository's worktree or no
 * repository's at all: a folder whose `.git` now leads to another repository is left alone.
 */
export async function removeWorktree(repo: Repo, dir: string): Promise<void> {
  const r = await git(['worktree', 'remove', '--force', '--force', dir], { cwd: repo.root, allowFail: true });
  if (r.code !== 0 && existsSync(dir)) {
    const unlinked = !existsSync(path.join(dir, '.git'));
    if (!unlinked && !(await isOwnWorktree(repo.commonDir, dir)))
      throw refuse(
        `${dir} is not a worktree of this repository any more (its .git leads elsewhere); factory left it alone`,
        'look at it, and delete it yourself if it is not needed',
      );
    await rm(dir, { recursive: true, force: true });
  }
  await git(['worktree', 'prune'], { cwd: repo.root });
}

/**
 * The private git dir of a linked worktree (`<common>/worktrees/<name>`), where its index and
 * lock files live. Read from its `.git` link, which must be linked both ways: a link rewritten to
 * point at the main repository must never make factory clear the main repository's lock files.
 */
export async function worktreeGitDir(dir: string): Promise<string> {
  const commonDir = await gitOut(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: dir });
  return verifyWorktreeLink(commonDir, dir);
}
