/**
 * Walks the worktree the way a model should see it: files only, sorted, without `.git` or
 * `node_modules`, never following symlinks (a link is listed, not entered), and stopping early
 * once enough was found so a huge tree cannot stall the turn.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isGitName } from '../sandbox.js';

const SKIP_DIRS = new Set(['node_modules']);

export interface WalkEntry {
  /** Worktree-relative POSIX path. */
  rel: string;
  abs: string;
  isLink: boolean;
}

/**
 * Yields the files under `startAbs` (a real directory inside `realRoot`) in path order.
 */
export async function* walkFiles(realRoot: string, startAbs: string): AsyncGenerator<WalkEntry> {
  let entries;
  try {
    entries = await readdir(startAbs, { withFileTypes: true });
  } catch {
    return; // unreadable or vanished: nothing to show
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (isGitName(e.name)) continue;
    const abs = path.join(startAbs, e.name);
    if (e.isDirectory()) {
      if (SKIP_DIRS.has(e.name)) continue;
      yield* walkFiles(realRoot, abs);
    } else if (e.isFile() || e.isSymbolicLink()) {
      const rel = path.relative(realRoot, abs).split(path.sep).join('/');
      yield { rel, abs, isLink: e.isSymbolicLink() };
    }
  }
}
