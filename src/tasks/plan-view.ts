import type { Repo } from '../git/repo.js';
import { readEvents, readRecord, type PlannedTask, type TaskRecord } from './record.js';
import { taskStatus, type TaskStatus } from './status.js';

/** A planned task's plan as `factory show` displays it: each subtask with its child task, if any. */
export interface PlanView {
  kind: PlannedTask['kind'];
  brief: string;
  spec: string | null;
  unsplit: boolean;
  subtasks: (PlannedTask['subtasks'][number] & { task: number | null; status: TaskStatus | null })[];
}

/** The plan of a task that has one (null otherwise), its children's statuses read now. */
export async function planView(repo: Repo, rec: TaskRecord): Promise<PlanView | null> {
  const p = rec.planned;
  if (!p) return null;
  const children = await Promise.all(
    (rec.children ?? []).map(async (id) => {
      const child = await readRecord(repo, id).catch(() => null);
      const status = child ? (await taskStatus(repo, id, await readEvents(repo, id))).status : null;
      return { id, key: child?.planKey, status };
    }),
  );
  return {
    kind: p.kind,
    brief: p.brief,
    spec: p.spec,
    unsplit: Boolean(p.unsplit),
    subtasks: p.subtasks.map((s) => {
      const c = children.find((x) => x.key === s.key);
      return { ...s, task: c?.id ?? null, status: c?.status ?? null };
    }),
  };
}

/** A plan's child: its parent's id and title and its subtask's key (null for other tasks). */
export async function parentOf(
  repo: Repo,
  rec: TaskRecord,
): Promise<{ id: number; title: string | null; key: string | null } | null> {
  if (rec.parent === undefined) return null;
  const parent = await readRecord(repo, rec.parent).catch(() => null);
  return { id: rec.parent, title: parent?.title ?? null, key: rec.planKey ?? null };
}
