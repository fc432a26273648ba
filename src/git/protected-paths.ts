/**
 * Paths of a task worktree that factory never stages: files copied in by `worktree.copy` (they
 * are the user's untracked secrets and settings, `.env` and the like), any path git ignores, and
 * anything inside a submodule or nested repository (its files belong to another repository).
 * The same answers serve the commits (which leave such paths out) and the file tools (which
 * refuse the edit and say why).
 */
import { lstat, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { git, GitError, type GitOptions } from './run.js';

/** In the worktree's own git dir: the files `worktree.copy` put in, one NUL-terminated path each. */
const COPIED_LIST = 'factory-copied';

export async function writeCopiedList(gitDir: string, rels: string[]): Promise<void> {
  await writeFile(path.join(gitDir, COPIED_LIST), rels.map((r) => `${r}\0`).join(''));
}

export async function readCopiedList(gitDir: string): Promise<Set<string>> {
  const text = await readFile(path.join(gitDir, COPIED_LIST), 'utf8').catch(() => '');
  return new Set(text.split('\0').filter(Boolean));
}

/**
 * The submodule (or nested repository) `rel` lies inside, as a worktree-relative path, or null.
 * A directory holding a `.git` entry is the top of another repository; git refuses to stage
 * paths below it.
 */
export async function enclosingSubmodule(worktree: string, rel: string): Promise<string | null> {
  const parts = rel.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    if (
      await lstat(path.join(worktree, dir, '.git')).then(
        () => true,
        () => false,
      )
    )
      return dir;
  }
  return null;
}

export interface IgnoredPath {
  path: string;
  /** Where the rule is and the rule itself, e.g. `.gitignore:1: .env`. */
  rule: string;
}

/**
 * The paths among `rels` that git ignores and does not track (what `git add` would refuse).
 * Ignore rules are matched without reading the index, which is the cheap part; only when a path
 * matches is it looked up, because a tracked file stays tracked whatever .gitignore says.
 * `trackedIn` names the tree to look in (a commit); without it, the index is asked.
 */
export async function ignoredUntracked(
  rels: string[],
  opts: GitOptions & { trackedIn?: string },
): Promise<IgnoredPath[]> {
  if (rels.length === 0) return [];
  const r = await git(['check-ignore', '--no-index', '--verbose', '-z', '--stdin'], {
    ...opts,
    input: rels.map((p) => `${p}\0`).join(''),
    allowFail: true,
  });
  // Exit 1: nothing matched. Anything else but 0 is a real failure and shows as one.
  if (r.code === 1) return [];
  if (r.code !== 0) throw new GitError(['check-ignore'], r.code, r.stderr);
  // Records of four fields: source, line, pattern, path. A negated pattern (`!x`) matched, but
  // it un-ignores.
  const f = r.stdout.split('\0');
  const hits: IgnoredPath[] = [];
  for (let i = 0; i + 3 < f.length; i += 4)
    if (f[i] && !f[i + 2]!.startsWith('!'))
      hits.push({ path: f[i + 3]!, rule: `${f[i]}:${f[i + 1]}: ${f[i + 2]}` });
  if (hits.length === 0) return [];
  const names = hits.map((h) => h.path);
  const args = opts.trackedIn
    ? ['ls-tree', '-r', '-z', '--name-only', '--full-tree', opts.trackedIn, '--', ...names]
    : ['ls-files', '-z', '--cached', '--', ...names.map((n) => `:(literal)${n}`)];
  const tracked = new Set((await git(args, opts)).stdout.split('\0'));
  return hits.filter((h) => !tracked.has(h.path));
}
