import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Repo } from '../git/repo.js';
import { git } from '../git/run.js';
import { taskDir } from './paths.js';
import type { TaskRecord } from './record.js';

export interface LineStats {
  added: number;
  removed: number;
}

const cacheFile = (repo: Repo, id: number) => path.join(taskDir(repo, id), 'line-stats.json');

async function compute(repo: Repo, base: string, tip: string): Promise<LineStats> {
  const out = await git(['diff', '--numstat', '-z', base, tip], { cwd: repo.root });
  let added = 0;
  let removed = 0;
  for (const m of out.stdout.matchAll(/(?:^|\0)(\d+)\t(\d+)\t/g)) {
    added += Number(m[1]);
    removed += Number(m[2]);
  }
  return { added, removed };
}

/**
 * Lines added and removed by a task (base..tip), cached per tip: a list of many tasks then
 * costs a git call only for the branches that moved since it was last drawn.
 */
export async function lineStats(repo: Repo, rec: TaskRecord, tip: string | null): Promise<LineStats> {
  if (!tip) return { added: 0, removed: 0 };
  const file = cacheFile(repo, rec.id);
  try {
    const cached = JSON.parse(await readFile(file, 'utf8')) as LineStats & { base: string; tip: string };
    if (cached.tip === tip && cached.base === rec.base)
      return { added: cached.added, removed: cached.removed };
  } catch {
    // No cache yet, or a torn one: compute afresh.
  }
  const stats = await compute(repo, rec.base, tip);
  await writeFile(file, JSON.stringify({ base: rec.base, tip, ...stats })).catch(() => undefined);
  return stats;
}
