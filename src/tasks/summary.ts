import type { Repo } from '../git/repo.js';
import { git } from '../git/run.js';
import { branchRef } from '../git/refs.js';
import { revParse } from '../git/rollback.js';
import { readEvents, readRecord, taskIds, type TaskRecord } from './record.js';
import { taskStatus, type TaskStatus } from './status.js';

export interface TaskSummary {
  id: number;
  title: string;
  branch: string;
  status: TaskStatus;
  detail?: string;
  attempts: number;
  added: number;
  removed: number;
  createdAt: string;
  worktree: string;
}

async function attemptCounts(repo: Repo): Promise<Map<number, number>> {
  const out = await git(['for-each-ref', '--format=%(refname)', 'refs/factory/'], { cwd: repo.root });
  const counts = new Map<number, number>();
  for (const line of out.stdout.split('\n')) {
    const m = /^refs\/factory\/(\d+)\/attempts\/\d+$/.exec(line);
    if (m) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  }
  return counts;
}

export async function lineCounts(repo: Repo, rec: TaskRecord): Promise<{ added: number; removed: number }> {
  const tip = await revParse(repo.root, branchRef(rec.branch));
  if (!tip) return { added: 0, removed: 0 };
  const out = await git(['diff', '--numstat', '-z', rec.base, tip], { cwd: repo.root });
  let added = 0;
  let removed = 0;
  for (const m of out.stdout.matchAll(/(?:^|\0)(\d+)\t(\d+)\t/g)) {
    added += Number(m[1]);
    removed += Number(m[2]);
  }
  return { added, removed };
}

/** One row per task for `factory list` and the review screen, newest last. */
export async function listTasks(repo: Repo, opts: { all?: boolean } = {}): Promise<TaskSummary[]> {
  const counts = await attemptCounts(repo);
  const rows: TaskSummary[] = [];
  for (const id of await taskIds(repo)) {
    const rec = await readRecord(repo, id).catch(() => null);
    if (!rec) continue;
    const st = await taskStatus(repo, id, await readEvents(repo, id));
    if (st.status === 'discarded' && !opts.all) continue;
    rows.push({
      id,
      title: rec.title,
      branch: rec.branch,
      status: st.status,
      ...(st.detail ? { detail: st.detail } : {}),
      attempts: counts.get(id) ?? 0,
      ...(await lineCounts(repo, rec)),
      createdAt: rec.createdAt,
      worktree: rec.worktree,
    });
  }
  return rows;
}
