/**
 * Models often name a file by its bare name (`utils.js` for `src/utils.js`). When no file of
 * that name is at the root, the files of the worktree that have it are the candidates: one is
 * the file meant, several must be told apart by the model.
 */
import { realpath } from 'node:fs/promises';
import { walkFiles } from './walk.js';

/** True for a path with no directory part (`utils.js`, not `./utils.js` or `src/utils.js`). */
export const isBareName = (rel: string) => !/[\\/]/.test(rel);

/** Worktree-relative paths of the files named `name`, in path order. */
export async function filesNamed(root: string, name: string): Promise<string[]> {
  const realRoot = await realpath(root);
  const found: string[] = [];
  for await (const e of walkFiles(realRoot, realRoot)) {
    if (!e.isLink && e.rel.split('/').pop() === name) found.push(e.rel);
  }
  return found;
}

export function severalNamed(name: string, found: readonly string[]): string {
  const shown = found.slice(0, 8).join(', ') + (found.length > 8 ? ', …' : '');
  return (
    `there is no ${name} at the root of the repository, and ${found.length} files have that name: ` +
    `${shown}. Write the full path of the one you mean.`
  );
}
