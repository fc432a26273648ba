/**
 * `worktree.copy` and `worktree.link` name paths in the main tree (the source) and in the task
 * worktree (the target). The configuration checks their text (no absolute path, no `..`); these
 * checks follow the disk, where a symlink on the way could still lead out: the source must
 * resolve inside the main tree, and the target's directories must be real directories inside the
 * worktree (created here one level at a time, never through a link).
 */
import { lstat, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { refuse } from '../errors.js';

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel);
}

function outside(field: string, rel: string, why: string): Error {
  return refuse(
    `${field}: ${JSON.stringify(rel)} ${why}`,
    `every ${field} path must stay inside the repository; fix .factoryrc.json`,
  );
}

/** The real path of `rel` in the main tree; refuses when a symlink takes it outside (or into .git). */
export async function sourceInside(root: string, rel: string, field: string): Promise<string> {
  const realRoot = await realpath(root);
  const real = await realpath(path.join(realRoot, rel));
  if (!inside(realRoot, real)) throw outside(field, rel, `resolves to ${real}, outside the main tree`);
  if (path.relative(realRoot, real).split(path.sep)[0] === '.git')
    throw outside(field, rel, 'resolves into the .git directory');
  return real;
}

/**
 * The path of `rel` in the worktree, its parent directories created; refuses when any of them is
 * a symlink or not a directory, so nothing is ever written outside the worktree.
 */
export async function targetInside(worktree: string, rel: string, field: string): Promise<string> {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..'))
    throw outside(field, rel, 'is not a path inside the worktree');
  if (parts.some((p) => p.toLowerCase() === '.git')) throw outside(field, rel, "names git's own .git");
  let cur = await realpath(worktree);
  for (const part of parts.slice(0, -1)) {
    cur = path.join(cur, part);
    await mkdir(cur).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    const st = await lstat(cur);
    if (!st.isDirectory() || st.isSymbolicLink())
      throw outside(
        field,
        rel,
        `goes through ${path.relative(worktree, cur)}, which is not a plain directory in the worktree`,
      );
  }
  const dest = path.join(cur, parts[parts.length - 1]!);
  const st = await lstat(dest).catch(() => null);
  if (st?.isSymbolicLink() && field !== 'worktree.link')
    throw outside(field, rel, 'is a symbolic link in the worktree');
  return dest;
}
