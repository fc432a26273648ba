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
  const cached = await readCache(repo, rec, tip);
  if (cached) return cached;
  const stats = await compute(repo, rec.base, tip);
  await writeCache(repo, rec, tip, stats);
  return stats;
}

async function readCache(repo: Repo, rec: TaskRecord, tip: string): Promise<LineStats | null> {
  try {
    const raw = await readFile(cacheFile(repo, rec.id), 'utf8');
    const cached = JSON.parse(raw) as LineStats & { base: string; tip: string };
    if (cached.tip === tip && cached.base === rec.base)
      return { added: cached.added, removed: cached.removed };
  } catch {
    // No cache yet, or a torn one: compute afresh.
  }
  return null;
}

async function writeCache(repo: Repo, rec: TaskRecord, tip: string, stats: LineStats): Promise<void> {
  const data = JSON.stringify({ base: rec.base, tip, ...stats });
  await writeFile(cacheFile(repo, rec.id), data).catch(() => undefined);
}

/**
 * Line counts of many tasks at once: one `git diff-tree --stdin` call for every task whose
 * cache is stale, instead of one git call per task.
 */
export async function lineStatsMany(
  repo: Repo,
  items: { rec: TaskRecord; tip: string | null }[],
): Promise<Map<number, LineStats>> {
  const out = new Map<number, LineStats>();
  const stale: { rec: TaskRecord; tip: string }[] = [];
  // The cache files are read all at once (one after another, 20 of them were ~15 ms of the review's
  // first frame), then taken in the tasks' order.
  const cached = await Promise.all(items.map(({ rec, tip }) => (tip ? readCache(repo, rec, tip) : null)));
  items.forEach(({ rec, tip }, i) => {
    if (!tip) out.set(rec.id, { added: 0, removed: 0 });
    else if (cached[i]) out.set(rec.id, cached[i]);
    else stale.push({ rec, tip });
  });
  // diff-tree reports by tip; two tasks on the same tip are computed one by one.
  const byTip = new Map<string, { rec: TaskRecord; tip: string }>();
  for (const s of stale) {
    if (byTip.has(s.tip)) out.set(s.rec.id, await lineStats(repo, s.rec, s.tip));
    else byTip.set(s.tip, s);
  }
  if (byTip.size === 0) return out;
  const input = [...byTip.values()].map((s) => `${s.tip} ${s.rec.base}\n`).join('');
  const r = await git(['diff-tree', '--numstat', '-z', '--stdin'], { cwd: repo.root, input });
  const totals = new Map<string, LineStats>();
  let current: LineStats | null = null;
  for (const field of r.stdout.split('\0')) {
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(field)) {
      current = { added: 0, removed: 0 };
      totals.set(field, current);
      continue;
    }
    const m = /^(\d+|-)\t(\d+|-)\t/.exec(field);
    if (m && current) {
      current.added += m[1] === '-' ? 0 : Number(m[1]);
      current.removed += m[2] === '-' ? 0 : Number(m[2]);
    }
  }
  for (const { rec, tip } of byTip.values()) {
    const stats = totals.get(tip) ?? { added: 0, removed: 0 };
    out.set(rec.id, stats);
    await writeCache(repo, rec, tip, stats);
  }
  return out;
}
