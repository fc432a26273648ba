import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Repo } from '../git/repo.js';

/** Where the journals of merges and discards in flight are (see journal.ts). */
export const journalDir = (repo: Repo) => path.join(repo.factoryDir, 'journal');

/**
 * The journal files there are, by name (`<task>.json`). Every command looks before it starts;
 * almost always there are none, and then the recovery code (git, merges, the worktree pool)
 * need not even be loaded.
 */
export async function journalNames(repo: Repo): Promise<string[]> {
  const names = await readdir(journalDir(repo)).catch(() => [] as string[]);
  return names.filter((n) => /^\d+\.json$/.test(n));
}
