/**
 * The folder that holds task worktrees (`worktree.dir`) is one factory creates and removes
 * folders in, so it must be factory's alone: never the repository, a folder above it, part of
 * its working tree that git does not ignore (or that holds tracked files), the .git directory,
 * nor a folder that already holds other things. Factory marks the folder as its own (for this
 * repository) the first time it uses it; a folder marked by another repository is refused too.
 * The default, inside factory's own directory of the git common dir, needs none of this.
 */
import { mkdir, readFile, readdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Repo } from '../git/repo.js';
import { git } from '../git/run.js';
import { listWorktrees } from '../git/worktree.js';
import { isOwnWorktree } from '../git/worktree-link.js';
import { dirProblem } from '../config/worktree-paths.js';
import { refuse } from '../errors.js';
import { worktreesDir } from './paths.js';
import type { WorktreeOptions } from './options.js';

/** The mark factory leaves in a `worktree.dir` it owns; it names the repository. */
export const DIR_MARKER = '.factory-worktrees.json';

const isInside = (parent: string, p: string) => {
  const rel = path.relative(parent, p);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
};

/** The real path of `p`, resolving the part that exists (symlinks included) and keeping the rest. */
async function realpathLoose(p: string): Promise<string> {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return path.join(await realpath(cur), ...rest);
    } catch {
      const up = path.dirname(cur);
      if (up === cur) return p;
      rest.unshift(path.basename(cur));
      cur = up;
    }
  }
}

function bad(configured: string, why: string, hint?: string): Error {
  return refuse(
    `worktree.dir ${JSON.stringify(configured)} ${why}`,
    hint ?? 'set worktree.dir in .factoryrc.json to an empty folder of its own (or null for the default)',
  );
}

async function readMarker(dir: string): Promise<{ repo?: unknown } | null> {
  const text = await readFile(path.join(dir, DIR_MARKER), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as { repo?: unknown };
  } catch {
    return {};
  }
}

const writeMarker = (repo: Repo, dir: string) =>
  writeFile(
    path.join(dir, DIR_MARKER),
    `${JSON.stringify({ factory: 'worktrees', repo: repo.commonDir })}\n`,
  );

/** Rules that depend on where the folder is relative to the repository. */
async function checkPlace(repo: Repo, configured: string, real: string): Promise<void> {
  const why = dirProblem(real, repo.root);
  if (why) throw bad(configured, why);
  if (isInside(repo.commonDir, real)) {
    if (!isInside(repo.factoryDir, real))
      throw bad(configured, `is inside the git directory ${repo.commonDir}`);
    return;
  }
  if (!isInside(repo.root, real)) return;
  const rel = path.relative(repo.root, real).split(path.sep).join('/');
  const tracked = await git(['ls-files', '-z', '--cached', '--', `:(literal)${rel}`], { cwd: repo.root });
  if (tracked.stdout) throw bad(configured, 'holds files the repository tracks');
  const ignored = await git(['check-ignore', '-q', '--', `${rel}/`], { cwd: repo.root, allowFail: true });
  if (ignored.code !== 0)
    throw bad(
      configured,
      "is inside the repository's working tree and git does not ignore it",
      `add /${rel}/ to .gitignore, or use a folder outside the repository`,
    );
}

/**
 * The checked folder for task worktrees, created and marked when needed. Refuses (exit 2), with
 * nothing changed, for a folder factory must not use.
 */
export async function checkedWorktreesDir(repo: Repo, opts: Pick<WorktreeOptions, 'dir'>): Promise<string> {
  const dir = worktreesDir(repo, opts.dir);
  if (!opts.dir) return dir;
  const real = await realpathLoose(dir);
  if (real === path.join(repo.factoryDir, 'worktrees')) return dir;
  await checkPlace(repo, opts.dir, real);

  const marker = await readMarker(real);
  if (marker) {
    if (marker.repo !== repo.commonDir)
      throw bad(
        opts.dir,
        `holds the task worktrees of another repository (${String(marker.repo)})`,
        'give each repository a worktree.dir of its own',
      );
    return dir;
  }
  const entries = await readdir(real).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (entries === null) {
    await mkdir(real, { recursive: true });
  } else if (entries.length > 0 && !(await onlyOwnWorktrees(repo, real, entries))) {
    throw bad(opts.dir, 'is not empty and factory did not make it');
  }
  await writeMarker(repo, real);
  return dir;
}

/**
 * A folder used before factory marked its folders is adopted when everything in it is a
 * worktree of this repository, linked both ways.
 */
async function onlyOwnWorktrees(repo: Repo, real: string, entries: string[]): Promise<boolean> {
  const listed = new Set(await Promise.all((await listWorktrees(repo)).map((w) => realpathLoose(w.path))));
  for (const name of entries) {
    const p = path.join(real, name);
    if (!listed.has(p) || !(await isOwnWorktree(repo.commonDir, p))) return false;
  }
  return true;
}
