import type { Repo } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import { gitOut } from '../git/run.js';
import { trialMerge } from '../git/conflicts.js';
import path from 'node:path';
import { identityEnv, refuseDuringOperation } from '../git/merge.js';
import { changedFiles, commitTree, dirtyAmong, moveMainTree, refuseUnsafeLanding } from '../git/land.js';
import { runCheck } from '../agent/executor.js';
import type { Config } from '../config/schema.js';
import { refuse } from '../errors.js';
import type { TaskView } from './history.js';
import { refuseUnmergeable } from './mergeable.js';
import { appendEvent, readRecord } from './record.js';
import { recoverAfterCrash } from './recover.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { saveHandEdits, type SavedEdits } from './hand-edits.js';
import { finishQueue, journalOwner, clearJournal, writeJournal, type QueueJournal } from './journal.js';
import { squashMessage } from './merge.js';
import { expandQueue, queueOrder } from './merge-queue-order.js';
import { SandboxPlans } from './sandbox-plans.js';
import { moveScratch, retireScratch, takeScratch } from './scratch.js';
import type { WorktreeOptions } from './options.js';
import { queuePrefix } from './paths.js';
import { checkedWorktreesDir } from './worktrees-dir.js';

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
    // Every refusal comes before anything is written.
    const views = new Map<number, TaskView>();
    const edits = new Map<number, string[]>();
    // Each task is read at once (read-only); the first refusal in queue order is the one given.
    const checked = await Promise.allSettled(
      ids.map((id) =>
        refuseUnmergeable(
          repo,
          id,
          force,
          'roll back to a passing attempt, resume the task, or leave it out of the merge (or add --force)',
        ),
      ),
    );
    for (const [i, r] of checked.entries()) {
      if (r.status === 'rejected') throw r.reason;
      edits.set(ids[i]!, r.value.edits);
      views.set(ids[i]!, r.value.view);
    }
    for (const id of ids) plans.get(views.get(id)!.record.sandbox, 'check');

    const start = await withRepoLock(repo.factoryDir, () =>
      startQueue(repo, opts, ids, views, mode, plan, plans),
    );
    const run: Run = {
      ids,
      plan,
      mode,
      views,
      edits,
      journal: start.journal,
      headTree: start.headTree,
      ordered: start.ordered,
      lock: locks.get(start.journal.task)!,
      plans,
      moved: false,
    };
    let done = false;
    try {
      const result = await integrate(repo, opts, q, run);
      done = true;
      return result;
    } finally {
      // Once the main tree has moved, the journal stays for the next command to finish from.
      if (!done && !run.moved)
        await withRepoLock(repo.factoryDir, async () => {
          await retireScratch(repo, start.journal.scratch, opts).catch(() => undefined);
          await clearJournal(repo, start.journal.task);
        });
    }
  } finally {
    for (const l of locks.values()) await l.release();
  }
}

/** Which tasks touched which files, each task's base to its tip, all read at once. */
async function touchedFiles(
  repo: Repo,
  ids: number[],
  views: Map<number, TaskView>,
): Promise<Map<number, string[]>> {
  const changed = await Promise.all(
    ids.map((id) => changedFiles(repo, views.get(id)!.record.base, views.get(id)!.tip!)),
  );
  return new Map(ids.map((id, i) => [id, changed[i]!]));
}

/**
 * The queue's start, under the repo lock: where the main tree is, the refusal of uncommitted work
 * in a file some task touched (now, not after every check ran), the journal, the scratch
 * worktree. The order's trial merges only read: they run meanwhile.
 */
async function startQueue(
  repo: Repo,
  opts: WorktreeOptions,
  ids: number[],
  views: Map<number, TaskView>,
  mode: 'squash' | 'merge',
  plan: boolean,
  plans: SandboxPlans,
): Promise<{ journal: QueueJournal; headTree: string; ordered: ReturnType<typeof queueOrder> }> {
  refuseDuringOperation(repo, 'the merge queue');
  // One process: the commit, its tree and the branch (`HEAD` itself when detached).
  const [head, headTree, name] = (
    await gitOut(['rev-parse', 'HEAD', 'HEAD^{tree}', '--symbolic-full-name', 'HEAD'], { cwd: repo.root })
  ).split('\n') as [string, string, string];
  const into = name === 'HEAD' ? 'HEAD (detached)' : name;
  const tips = ids.map((id) => ({ id, tip: views.get(id)!.tip!, base: views.get(id)!.record.base }));
  const ordered = queueOrder(repo, head, tips, plan);
  // Awaited later (by the run, or below on a refusal): meanwhile a failure is not unhandled.
  ordered.catch(() => undefined);
  try {
    const touched = await touchedFiles(repo, ids, views);
    const dirty = await dirtyAmong(repo, [...new Set([...touched.values()].flat())]);
    for (const id of ids) {
      const clash = touched.get(id)!.filter((f) => dirty.has(f));
      if (clash.length)
        throw refuse(
          `the main tree has uncommitted changes to files task ${id} touched: ${clash.join(', ')}`,
          'commit or stash them, then merge again',
        );
    }
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
      await retireScratch(repo, journal.scratch, opts).catch(() => undefined);
      await clearJournal(repo, journal.task);
      throw e;
    }
    return { journal, headTree, ordered };
  } catch (e) {
    // Nothing of the queue runs on after it refused.
    await ordered.catch(() => undefined);
    throw e;
  }
}

interface Run {
  ids: number[];
  plan: boolean;
  mode: 'squash' | 'merge';
  views: Map<number, TaskView>;
  edits: Map<number, string[]>;
  journal: QueueJournal;
  /** The tree of the journal's head. */
  headTree: string;
  /** The queue order, being worked out. */
  ordered: ReturnType<typeof queueOrder>;
  /** The run lock of the journal's task: it lists the check's process group while it runs. */
  lock: RunLock;
  plans: SandboxPlans;
  /** Set once the main tree and its branch are at the new tip. */
  moved: boolean;
}

async function integrate(repo: Repo, opts: WorktreeOptions, q: QueueOptions, run: Run): Promise<QueueResult> {
  const { mode, views, journal } = run;
  const head = journal.head;
  const [{ order, predicted }, env] = await Promise.all([run.ordered, identityEnv(repo)]);
  const fates: QueueFate[] = [];
  const saved: SavedEdits[] = [];
  const landed: { task: number; commit: string; files: string[] }[] = [];
  let tip = head;
  /** How many checks ran in the scratch worktree (the first finds it clean). */
  let checked = 0;
  let tipTree = run.headTree;
  const fate = (f: QueueFate) => {
    fates.push(f);
    q.onFate?.(f);
  };
  for (const id of order) {
    const view = views.get(id)!;
    const rec = view.record;
    const title = rec.title;
    const trial = await trialMerge(repo, tip, view.tip!);
    if (trial.conflicts.length) {
      fate({ task: id, title, fate: 'left-out', reason: 'conflict', files: trial.conflicts });
      continue;
    }
    if (trial.tree === tipTree) {
      fate({ task: id, title, fate: 'left-out', reason: 'empty' });
      continue;
    }
    const commit = await commitTree(
      repo,
      trial.tree,
      tip,
      squashMessage(view),
      env,
      mode === 'merge' ? view.tip! : undefined,
    );
    // What the task changes on the tip is read while its check runs.
    const changed = changedFiles(repo, tip, commit);
    changed.catch(() => undefined);
    const command = rec.check === undefined ? q.config.check : rec.check;
    if (command) {
      await moveScratch(journal.scratch, commit, opts, checked++ === 0);
      const timeoutS = rec.timeout ?? q.config.agent.executionTimeout;
      let untrack: (() => void) | undefined;
      const r = await runCheck(command, {
        cwd: journal.scratch,
        timeoutMs: timeoutS * 1000,
        sandbox: run.plans.get(rec.sandbox, 'check'),
        onSpawn: (pid) => (untrack = run.lock.trackGroup(pid)),
      }).finally(() => untrack?.());
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
    const files = await changed;
    tip = commit;
    tipTree = trial.tree;
    landed.push({ task: id, commit, files });
    fate({ task: id, title, fate: 'landed', commit, files });
  }

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
  await withRepoLock(repo.factoryDir, async () => {
    if (landed.length) {
      const now = await gitOut(['rev-parse', 'HEAD'], { cwd: repo.root });
      if (now !== head)
        throw refuse(
          `${journal.into.replace(/^refs\/heads\//, '')} moved while the queue ran (${head.slice(0, 10)} -> ${now.slice(0, 10)}); nothing was merged`,
          'run the merge again: the queue starts from the new tip',
        );
      await refuseUnsafeLanding(repo, head, tip);
      // The worktrees of landed tasks are cleaned when they are retired: hand edits go to a commit.
      for (const l of landed) {
        const s = await saveHandEdits(
          repo,
          l.task,
          views.get(l.task)!.record.worktree,
          run.edits.get(l.task)!,
        );
        if (s) saved.push(s);
      }
      const moving: QueueJournal = {
        ...journal,
        phase: 'moving',
        commit: tip,
        landed: landed.map((l) => ({ task: l.task, commit: l.commit })),
      };
      await writeJournal(repo, moving);
      await moveMainTree(
        repo,
        head,
        tip,
        `factory: merge queue ${landed.map((l) => l.task).join(' ')} (${mode})`,
      );
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
