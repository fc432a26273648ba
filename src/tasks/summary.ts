import type { Repo } from '../git/repo.js';
import { branchRef } from '../git/refs.js';
import { listRefs, refOid } from '../git/ref-files.js';
import { readEvents, readRecord, taskIds, type TaskRecord } from './record.js';
import { taskStatus, type TaskStatus } from './status.js';
import { lineStats, lineStatsMany, type LineStats } from './line-stats.js';
import { treeOrder } from './task-tree.js';

export interface TaskSummary {
  id: number;
  title: string;
  branch: string;
  status: TaskStatus;
  detail?: string;
  /** Set when a rollback moved the branch: the address it was moved away from. */
  rolledBackFrom?: string;
  attempts: number;
  added: number;
  removed: number;
  createdAt: string;
  worktree: string;
  /** A plan's child: its parent's id (rows come in tree order, children after their parent). */
  parent?: number;
}

/** Attempt counts and branch tips of every task, from the ref files (or one for-each-ref). */
async function refsOverview(
  repo: Repo,
): Promise<{ attempts: Map<number, number>; tips: Map<string, string> }> {
  const refs = await listRefs(repo, ['refs/factory/', 'refs/heads/factory/']);
  const attempts = new Map<number, number>();
  const tips = new Map<string, string>();
  for (const [ref, sha] of refs) {
    const m = /^refs\/factory\/(\d+)\/attempts\/\d+$/.exec(ref);
    if (m) attempts.set(Number(m[1]), (attempts.get(Number(m[1])) ?? 0) + 1);
    else if (ref.startsWith('refs/heads/')) tips.set(ref.slice('refs/heads/'.length), sha);
  }
  return { attempts, tips };
}

export async function lineCounts(repo: Repo, rec: TaskRecord): Promise<LineStats> {
  return lineStats(repo, rec, await refOid(repo, branchRef(rec.branch)));
}

async function loadRow(repo: Repo, id: number, all: boolean) {
  const rec = await readRecord(repo, id).catch(() => null);
  if (!rec) return null;
  const st = await taskStatus(repo, id, await readEvents(repo, id));
  if (st.status === 'discarded' && !all) return null;
  return { rec, st };
}

/** One row per task for `factory list` and the review screen, newest last. */
export async function listTasks(repo: Repo, opts: { all?: boolean } = {}): Promise<TaskSummary[]> {
  const overview = await refsOverview(repo);
  const ids = await taskIds(repo);
  // Tasks are independent: read them a few at a time rather than one after another.
  const loaded: (Awaited<ReturnType<typeof loadRow>> | null)[] = new Array(ids.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      loaded[i] = await loadRow(repo, ids[i]!, Boolean(opts.all));
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, ids.length) }, worker));
  const rows = loaded.filter((r) => r !== null);
  const stats = await lineStatsMany(
    repo,
    rows.map(({ rec }) => ({ rec, tip: overview.tips.get(rec.branch) ?? null })),
  );
  const summaries: TaskSummary[] = rows.map(({ rec, st }) => ({
    id: rec.id,
    title: rec.title,
    branch: rec.branch,
    status: st.status,
    ...(st.detail ? { detail: st.detail } : {}),
    ...(st.rolledBackFrom ? { rolledBackFrom: st.rolledBackFrom } : {}),
    attempts: overview.attempts.get(rec.id) ?? 0,
    ...(stats.get(rec.id) ?? { added: 0, removed: 0 }),
    createdAt: rec.createdAt,
    worktree: rec.worktree,
    ...(rec.parent !== undefined ? { parent: rec.parent } : {}),
  }));
  return treeOrder(summaries);
}
