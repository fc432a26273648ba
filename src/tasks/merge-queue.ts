import type { Repo } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import { headOid } from '../git/ref-files.js';
import { explainRefusedMove, moveMainTree, refuseUnsafeLanding } from '../git/land.js';
import { mayConflict, treeChange, type TreeChange } from '../git/tree-changes.js';
import { attachedHeads } from '../git/worktree.js';
import { runCheck } from '../agent/executor.js';
import type { Config } from '../config/schema.js';
import { refuse } from '../errors.js';
import type { TaskView } from './history.js';
import { appendEvent, readRecord } from './record.js';
import { recoverAfterCrash } from './recover.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { saveHandEdits, type SavedEdits } from './hand-edits.js';
import { finishQueue, writeJournal, type QueueJournal } from './journal.js';
import { expandQueue } from './merge-queue-order.js';
import {
  abandonQueue,
  readQueued,
  refuseDirtyTouched,
  startQueue,
  startReads,
  type QueueReads,
} from './merge-queue-start.js';
import { SandboxPlans } from './sandbox-plans.js';
import { cleanScratch, moveScratch } from './scratch.js';
import type { WorktreeOptions } from './options.js';

/** How much of a failing check's output a left-out task keeps (the end, where errors are). */
export const QUEUE_TAIL_CHARS = 4000;

/** What became of one task in the queue. */
export type QueueFate =
  | { task: number; title: string; fate: 'landed'; commit: string; files: string[] }
  | { task: number; title: string; fate: 'left-out'; reason: 'conflict'; files: string[] }
  | {
      task: number;
      title: string;
      fate: 'left-out';
      reason: 'check';
      command: string;
      exitCode: number | null;
      timedOut: boolean;
      tail: string;
    }
  | { task: number; title: string; fate: 'left-out'; reason: 'empty' };

export interface QueueResult {
  /** The branch the queue landed on (`refs/heads/main`, or `HEAD (detached)`). */
  into: string;
  /** Where it was, and where it is now (the same when nothing landed). */
  from: string;
  tip: string;
  mode: 'squash' | 'merge';
  /** The order the tasks went through the queue, and why (`plan` or least conflicting first). */
  order: number[];
  ordering: 'plan' | 'least-conflicting';
  /** Pairs the conflict matrix predicted to collide, before the queue started (`a:b`). */
  predicted: Record<string, string[]>;
  tasks: QueueFate[];
  saved: SavedEdits[];
}

export interface QueueOptions {
  mode?: 'squash' | 'merge';
  /** Take tasks whose tip is not a passing attempt; save hand edits instead of refusing. */
  force?: boolean;
  config: Config;
  /** Sandbox plans of this run (one probe per mode); made from `config` when absent. */
  plans?: SandboxPlans;
  /** Keep the order given (a plan's children queued again) instead of least conflicting first. */
  keepOrder?: boolean;
  /** One line as each task's fate is known (the CLI prints it). */
  onFate?: (f: QueueFate) => void;
}

/** Takes every queued task's run lock (in id order, so two queues never wait on each other). */
async function lockAll(repo: Repo, ids: number[]): Promise<Map<number, RunLock>> {
  const locks = new Map<number, RunLock>();
  try {
    for (const id of [...ids].sort((a, b) => a - b)) {
      const lock = await acquireRunLock(repo, id);
      locks.set(id, lock);
      if (lock.stale) await recoverAfterCrash(repo, await readRecord(repo, id), lock);
    }
  } catch (e) {
    for (const l of locks.values()) await l.release();
    throw e;
  }
  return locks;
}

/**
 * `factory merge 3 4 5`: integrates several tasks one by one on an integration tip that starts at
 * the main worktree's HEAD. For each: a trial merge with merge-tree (a conflict touches nothing),
 * the merged commit checked out in a pooled scratch worktree and the task's check run there in the
 * OS sandbox; a pass advances the tip, anything else leaves the task out with the reason. At the
 * end the main tree and its branch move once, by compare-and-swap, to the last checked tip, with
 * the same refusals as a single merge. A journal covers the whole run, so a kill -9 leaves the
 * branch untouched or (finished by the next command) at that fully checked tip.
 */
export async function mergeQueue(
  repo: Repo,
  opts: WorktreeOptions,
  requested: number[],
  q: QueueOptions,
): Promise<QueueResult> {
  const mode = q.mode ?? 'squash';
  const force = q.force ?? false;
  const plans = q.plans ?? new SandboxPlans(q.config, repo.root);
  const expanded = await expandQueue(repo, requested);
  const { ids } = expanded;
  const plan = expanded.plan || (q.keepOrder ?? false);
  const locks = await lockAll(repo, ids);
  try {
    // Every refusal comes before the main tree or a branch is touched.
    const { tips, viewed, edits } = await readQueued(repo, ids, force);
    const reads = startReads(repo, tips, viewed, mode, plan);
    // The journal and the scratch worktree need only where the main tree is: they are made beside
    // the reads the refusals wait for, and undone when one refuses.
    const starting = withRepoLock(repo.factoryDir, () => startQueue(repo, opts, ids, reads, mode, plans));
    starting.catch(() => undefined);
    let done = false;
    let run: Run | undefined;
    try {
      const views = await viewed;
      for (const id of ids) plans.get(views.get(id)!.record.sandbox, 'check');
      const start = await starting;
      await refuseDirtyTouched(ids, reads);
      run = {
        ids,
        plan,
        mode,
        views,
        edits,
        journal: start.journal,
        headTree: start.headTree,
        reads,
        lock: locks.get(start.journal.task)!,
        plans,
        moved: false,
      };
      const result = await integrate(repo, opts, q, run);
      done = true;
      return result;
    } finally {
      await edits.catch(() => undefined);
      await reads.settle();
      // Refused, or failed before the main tree moved: the start is undone (a start that failed
      // undid itself). Once the main tree has moved, the journal stays for the next command.
      if (!done && !run?.moved)
        await starting.then(
          (s) => withRepoLock(repo.factoryDir, () => abandonQueue(repo, s.journal, opts)),
          () => undefined,
        );
    }
  } finally {
    for (const l of locks.values()) await l.release();
  }
}

interface Run {
  ids: number[];
  plan: boolean;
  mode: 'squash' | 'merge';
  views: Map<number, TaskView>;
  /** Files edited by hand in each task's worktree (refused, unless forced), being read. */
  edits: Promise<Map<number, string[]>>;
  journal: QueueJournal;
  /** The tree of the journal's head. */
  headTree: string;
  /** The order, being worked out, and the merges made (some ahead of their turn). */
  reads: QueueReads;
  /** The run lock of the journal's task: it lists the check's process group while it runs. */
  lock: RunLock;
  plans: SandboxPlans;
  /** Set once the main tree and its branch are at the new tip. */
  moved: boolean;
}

async function integrate(repo: Repo, opts: WorktreeOptions, q: QueueOptions, run: Run): Promise<QueueResult> {
  const { views, journal, mode } = run;
  const { merges } = run.reads;
  const head = journal.head;
  const { order, predicted } = await run.reads.ordered;
  const fates: QueueFate[] = [];
  const saved: SavedEdits[] = [];
  const landed: { task: number; commit: string; change: TreeChange }[] = [];
  let tip = head;
  let tipTree = run.headTree;
  /** Removing what the last check left in the scratch worktree, begun as soon as it ended. */
  let cleaning: Promise<void> = Promise.resolve();
  const fate = (f: QueueFate) => {
    fates.push(f);
    q.onFate?.(f);
  };
  for (const [k, id] of order.entries()) {
    const view = views.get(id)!;
    const rec = view.record;
    const title = rec.title;
    const merged = await merges.onto(view, tip, tipTree);
    if (merged.kind === 'conflict') {
      fate({ task: id, title, fate: 'left-out', reason: 'conflict', files: merged.files });
      continue;
    }
    if (merged.kind === 'empty') {
      fate({ task: id, title, fate: 'left-out', reason: 'empty' });
      continue;
    }
    const { commit, tree } = merged;
    // What the task changes on the tip, read while its check runs. Made from the queue's head,
    // with nothing landed before it that its change could meet, it changes the tip as it changed
    // its base: that change was read already.
    const before = landed.map((l) => l.change);
    const changed = run.reads.changes.then((c) => {
      const own = c[run.ids.indexOf(id)]!;
      return rec.base === head && before.every((l) => !mayConflict(own, l))
        ? own
        : treeChange(repo, tip, commit);
    });
    changed.catch(() => undefined);
    const next = order[k + 1];
    const command = rec.check === undefined ? q.config.check : rec.check;
    if (command) {
      await cleaning;
      await moveScratch(journal.scratch, commit);
      // No check runs before every task's worktree passed its refusal.
      await run.edits;
      // The next task's merge onto this one, made while the check runs: used if it passes.
      if (next !== undefined) void merges.onto(views.get(next)!, commit, tree);
      const timeoutS = rec.timeout ?? q.config.agent.executionTimeout;
      let untrack: (() => void) | undefined;
      const r = await runCheck(command, {
        cwd: journal.scratch,
        timeoutMs: timeoutS * 1000,
        sandbox: run.plans.get(rec.sandbox, 'check'),
        onSpawn: (pid) => (untrack = run.lock.trackGroup(pid)),
      }).finally(() => untrack?.());
      // After the last check the scratch worktree goes back to the pool as it is, cleaned by its taker.
      if (next !== undefined) {
        cleaning = cleanScratch(journal.scratch, opts);
        cleaning.catch(() => undefined);
      }
      if (r.exitCode !== 0) {
        const text = r.tail || r.output;
        fate({
          task: id,
          title,
          fate: 'left-out',
          reason: 'check',
          command,
          exitCode: r.exitCode,
          timedOut: r.timedOut,
          tail: text.slice(-QUEUE_TAIL_CHARS),
        });
        continue;
      }
    }
    const change = await changed;
    tip = commit;
    tipTree = tree;
    landed.push({ task: id, commit, change });
    fate({ task: id, title, fate: 'landed', commit, files: [...change.keys()] });
  }
  await cleaning.catch(() => undefined);

  const result: QueueResult = {
    into: journal.into,
    from: head,
    tip,
    mode,
    order,
    ordering: run.plan ? 'plan' : 'least-conflicting',
    predicted,
    tasks: fates,
    saved,
  };
  // Read while the queue ran; with no check to wait for it, it is waited for here.
  const edits = await run.edits;
  await withRepoLock(repo.factoryDir, async () => {
    if (landed.length) {
      const steps = landed.map((l) => l.change);
      // What the landing must know, read at once.
      const [now, safe] = await Promise.allSettled([headOid(repo), refuseUnsafeLanding(repo, steps)]);
      if (now.status === 'rejected') throw now.reason;
      if (now.value !== head)
        throw refuse(
          `${journal.into.replace(/^refs\/heads\//, '')} moved while the queue ran (${head.slice(0, 10)} -> ${now.value.slice(0, 10)}); nothing was merged`,
          'run the merge again: the queue starts from the new tip',
        );
      if (safe.status === 'rejected') throw safe.reason;
      // The worktrees of landed tasks are cleaned when they are retired: hand edits go to a commit.
      for (const l of landed) {
        const s = await saveHandEdits(repo, l.task, views.get(l.task)!.record.worktree, edits.get(l.task)!);
        if (s) saved.push(s);
      }
      const moving: QueueJournal = {
        ...journal,
        phase: 'moving',
        commit: tip,
        landed: landed.map((l) => ({ task: l.task, commit: l.commit })),
      };
      await writeJournal(repo, moving);
      // The landed tasks' worktrees go to the pool detached: the move's own update-ref detaches them.
      const detach = await attachedHeads(
        repo,
        landed.map((l) => views.get(l.task)!.record.worktree),
      );
      // Uncommitted changes to a file the move rewrites: read-tree refuses, and is explained.
      await moveMainTree(
        repo,
        head,
        tip,
        `factory: merge queue ${landed.map((l) => l.task).join(' ')} (${mode})`,
        detach,
      ).catch((e: unknown) => explainRefusedMove(repo, steps, e));
      run.moved = true;
      await finishQueue(repo, opts, moving);
    } else await finishQueue(repo, opts, { ...journal, landed: [] });
    // Left-out tasks keep their branch; their log says why, for `factory resume --rebase`.
    for (const f of fates)
      if (f.fate === 'left-out') {
        const { task, title: _title, fate: _fate, ...why } = f;
        await appendEvent(repo, task, 'left-out', { ...why, onto: tip });
      }
  });
  return result;
}
