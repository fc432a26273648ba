/**
 * The marks factory keeps of the worktree folders it made, in its own directory of the git
 * common dir (never inside the folder, where a tool or a check could forge or delete them).
 * `prune` removes a folder git no longer lists only when it carries such a mark: a folder
 * factory did not make, in whatever directory, is never deleted.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Repo } from '../git/repo.js';
import { readGitLink } from '../git/worktree-link.js';

const marksDir = (repo: Repo) => path.join(repo.factoryDir, 'folders');
const markFile = (repo: Repo, folder: string) =>
  path.join(marksDir(repo), createHash('sha1').update(path.resolve(folder)).digest('hex').slice(0, 24));

/** Records that factory is about to make `folder` (before it exists, so a crash leaves it marked). */
export async function markFolder(repo: Repo, folder: string): Promise<void> {
  await mkdir(marksDir(repo), { recursive: true });
  await writeFile(markFile(repo, folder), path.resolve(folder));
}

export async function unmarkFolder(repo: Repo, folder: string): Promise<void> {
  await rm(markFile(repo, folder), { force: true });
}

/**
 * True when factory made `folder` and nobody else has claimed it since: it is marked, it is no
 * repository of its own, and its git link (if any) leads into this repository or nowhere.
 */
export async function ownsFolder(repo: Repo, folder: string): Promise<boolean> {
  const mark = await readFile(markFile(repo, folder), 'utf8').catch(() => null);
  if (mark !== path.resolve(folder)) return false;
  const st = await lstat(path.join(folder, '.git')).catch(() => null);
  if (!st) return true;
  if (!st.isFile()) return false;
  const target = await readGitLink(path.join(folder, '.git'));
  if (!target) return false;
  const inOurs = !path.relative(repo.commonDir, target).startsWith('..');
  const alive = await lstat(target).then(
    () => true,
    () => false,
  );
  return inOurs || !alive;
}
