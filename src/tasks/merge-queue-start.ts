/**
 * The merge queue's start. The queued tasks are read, and what the queue only reads begins at
 * once, beside their histories and their worktrees' status: where the main tree is, the order,
 * the files each task touched and which of them hold uncommitted work in the main tree, and the
 * first task's merge.
 * Once the main tree's HEAD is read, under the repo lock and beside the other reads: the journal
 * and the scratch worktree. The refusal of uncommitted work in a touched file comes as soon as
 * its reads are done (not after every check ran); the caller then undoes the journal and the
 * scratch worktree.
 */
import path from 'node:path';
import { availableParallelism } from 'node:os';
import type { Repo } from '../git/repo.js';
import { gitOut } from '../git/run.js';
import { refuseDuringOperation } from '../git/merge.js';
import { dirtyAmong } from '../git/land.js';
import { treeChanges, type TreeChange } from '../git/tree-changes.js';
import { refuse } from '../errors.js';
import type { TaskView } from './history.js';
import { mergeableViews } from './mergeable.js';
import { checkHandEdits } from './hand-edits.js';
import { readRecord } from './record.js';
import { refOid } from '../git/ref-files.js';
import { branchRef } from '../git/refs.js';
import { clearJournal, journalOwner, writeJournal, type QueueJournal } from './journal.js';
import { queueOrder } from './merge-queue-order.js';
import { QueueMerges } from './queue-merges.js';
import type { SandboxPlans } from './sandbox-plans.js';
import { retireScratch, takeScratch } from './scratch.js';
import type { WorktreeOptions } from './options.js';
import { queuePrefix } from './paths.js';
import { checkedWorktreesDir } from './worktrees-dir.js';

export interface QueueReads {
  /** The main tree's commit, its tree, and its branch (`HEAD (detached)` when detached). */
  head: Promise<{ head: string; headTree: string; into: string }>;
  /** Each task's change, its base to its tip, in queue order. */
  changes: Promise<TreeChange[]>;
  ordered: ReturnType<typeof queueOrder>;
  /** The files each task touched (its base to its tip), and which of them are dirty in the main tree. */
  touched: Promise<{ files: Map<number, string[]>; dirty: Set<string> }>;
  merges: QueueMerges;
  /** Waits for every read, so nothing of the queue runs on after it refused. */
  settle(): Promise<void>;
}

/**
 * The queued tasks, read: each one's base and branch tip from the files (at once), its history
 * with the refusals about its status and tip (read-only; the first refusal in queue order is the
 * one given), and the status of its worktree, refused when it holds hand edits (unless forced).
 * That status, the heaviest read, goes on beside the queue's start and its first merge, after
 * the histories; the first check waits for it, so a refusal still comes before any check.
 */
export async function readQueued(
  repo: Repo,
  ids: number[],
  force: boolean,
): Promise<{
  tips: { id: number; base: string; tip: string }[];
  viewed: Promise<Map<number, TaskView>>;
  edits: Promise<Map<number, string[]>>;
}> {
  const hint =
    'roll back to a passing attempt, resume the task, or leave it out of the merge (or add --force)';
  const viewing = mergeableViews(repo, ids, force, hint);
  for (const p of viewing) p.catch(() => undefined);
  const tips = await Promise.all(
    ids.map(async (id) => {
      const rec = await readRecord(repo, id);
      return { id, base: rec.base, tip: await refOid(repo, branchRef(rec.branch)) };
    }),
  ).catch(async (e: unknown) => {
    // Nothing read for the queue runs on after it failed.
    await Promise.allSettled(viewing);
    throw e;
  });
  const viewed = byTask(
    ids,
    viewing.map((v, i) =>
      v.then((view) => {
        if (view.tip !== tips[i]!.tip)
          throw refuse(`the branch of task ${ids[i]} moved while the merge began`, 'run the merge again');
        return view;
      }),
    ),
  );
  const sideBySide = ids.length >= availableParallelism();
  const edits = viewed.then((views) =>
    byTask(
      ids,
      ids.map((id) => checkHandEdits(repo, id, views.get(id)!.record.worktree, 'merge', force, sideBySide)),
    ),
  );
  // Awaited later: meanwhile a refusal is not unhandled.
  viewed.catch(() => undefined);
  edits.catch(() => undefined);
  const gone = tips.find((t) => t.tip === null);
  if (gone) {
    // Its history refuses it (or an earlier task's does): that refusal is the one given.
    await Promise.allSettled([viewed, edits]);
    await viewed;
    throw refuse(`task ${gone.id} has no branch any more`);
  }
  return { tips: tips as { id: number; base: string; tip: string }[], viewed, edits };
}

/** Each task's result by id, once all have settled; the first refusal in queue order otherwise. */
async function byTask<T>(ids: number[], reads: Promise<T>[]): Promise<Map<number, T>> {
  const byId = new Map<number, T>();
  for (const [i, r] of (await Promise.allSettled(reads)).entries()) {
    if (r.status === 'rejected') throw r.reason;
    byId.set(ids[i]!, r.value);
  }
  return byId;
}

/**
 * Begins the reads from each task's base and tip, read from the files: they need not wait for the
 * tasks' histories (`views`, being read), which only the first merge's message needs.
 */
export function startReads(
  repo: Repo,
  tips: { id: number; tip: string; base: string }[],
  views: Promise<Map<number, TaskView>>,
  mode: 'squash' | 'merge',
  plan: boolean,
): QueueReads {
  const ids = tips.map((t) => t.id);
  // One process: the commit, its tree, and the branch (`HEAD` when detached).
  const head = gitOut(['rev-parse', 'HEAD', 'HEAD^{tree}', '--symbolic-full-name', 'HEAD'], {
    cwd: repo.root,
  }).then((out) => {
    const [commit, tree, name] = out.split('\n') as [string, string, string];
    return { head: commit, headTree: tree, into: name === 'HEAD' ? 'HEAD (detached)' : name };
  });
  const changes = treeChanges(
    repo,
    tips.map((t) => ({ from: t.base, to: t.tip })),
  );
  const ordered = Promise.all([head, changes]).then(([h, c]) =>
    queueOrder(
      repo,
      h.head,
      tips.map((t, i) => ({ ...t, change: c[i]! })),
      plan,
    ),
  );
  const touched = changes.then(async (c) => {
    const lists = c.map((change) => [...change.keys()]);
    const files = new Map(ids.map((id, i) => [id, lists[i]!]));
    return { files, dirty: await dirtyAmong(repo, [...new Set(lists.flat())]) };
  });
  const merges = new QueueMerges(repo, mode);
  const first = Promise.all([head, ordered, views]).then(([h, o, v]) =>
    merges.onto(v.get(o.order[0]!)!, h.head, h.headTree),
  );
  const all = [head, changes, ordered, touched, first];
  // Awaited later (by the run, or by settle on a refusal): meanwhile a failure is not unhandled.
  for (const p of all) p.catch(() => undefined);
  return {
    head,
    changes,
    ordered,
    touched,
    merges,
    async settle() {
      await Promise.allSettled(all);
      await merges.settle();
    },
  };
}

/** Refuses uncommitted work in the main tree in a file a queued task touched. */
export async function refuseDirtyTouched(ids: number[], reads: QueueReads): Promise<void> {
  const { files, dirty } = await reads.touched;
  for (const id of ids) {
    const clash = files.get(id)!.filter((f) => dirty.has(f));
    if (clash.length)
      throw refuse(
        `the main tree has uncommitted changes to files task ${id} touched: ${clash.join(', ')}`,
        'commit or stash them, then merge again',
      );
  }
}

/**
 * Under the repo lock, as soon as the main tree's HEAD is read: the journal and the scratch
 * worktree, made while the reads go on (the caller undoes them when a refusal comes).
 */
export async function startQueue(
  repo: Repo,
  opts: WorktreeOptions,
  ids: number[],
  reads: QueueReads,
  mode: 'squash' | 'merge',
  plans: SandboxPlans,
): Promise<{ journal: QueueJournal; headTree: string }> {
  refuseDuringOperation(repo, 'the merge queue');
  const { head, headTree, into } = await reads.head;
  const journal: QueueJournal = {
    op: 'queue',
    task: ids[0]!,
    owner: journalOwner(),
    mode,
    phase: 'checking',
    scratch: path.join(await checkedWorktreesDir(repo, opts), `${queuePrefix}${ids[0]}`),
    head,
    into,
  };
  await writeJournal(repo, journal);
  try {
    await takeScratch(repo, opts, head, String(ids[0]), plans.get(undefined, 'setup'));
  } catch (e) {
    await abandonQueue(repo, journal, opts);
    throw e;
  }
  return { journal, headTree };
}

/**
 * Undoes a queue's start when nothing landed: the scratch worktree back to the pool (or away),
 * the journal removed. Callers hold the repo lock.
 */
export async function abandonQueue(repo: Repo, journal: QueueJournal, opts: WorktreeOptions): Promise<void> {
  await retireScratch(repo, journal.scratch, opts).catch(() => undefined);
  await clearJournal(repo, journal.task);
}
