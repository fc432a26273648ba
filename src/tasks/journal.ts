import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Repo } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import { completeMainTree, type MergeMode } from '../git/merge.js';
import { operationsInProgress } from '../git/in-progress.js';
import { worktreeGitDir } from '../git/worktree.js';
import { ownerIsDead, selfOwner, type Owner } from '../git/process-alive.js';
import { branchRef } from '../git/refs.js';
import { revParse } from '../git/rollback.js';
import { git, gitOut } from '../git/run.js';
import { worktreesDir, poolPrefix } from './paths.js';
import { appendEvent, readEvents, readRecord, type TaskRecord } from './record.js';
import { retireWorktree, retireWorktrees } from './pool.js';
import { unmarkFolder } from './folder-marks.js';
import { acquireRunLock } from './run-lock.js';
import { recoverAfterCrash } from './recover.js';
import type { WorktreeOptions } from './options.js';
import { journalDir, journalNames } from './journal-names.js';

/**
 * A merge or discard in flight. Written before the first change to the main tree, a branch or a
 * worktree and removed once the operation is complete, so a kill -9 anywhere in between is seen
 * by the next factory command, which finishes (or, before anything irreversible, undoes) it.
 */
export type Journal =
  | {
      op: 'merge';
      task: number;
      owner: Owner;
      mode: MergeMode;
      /**
       * rebasing: `--rebase` is rewriting the task branch in its worktree; the main tree is
       * untouched and the branch goes back to `taskTip`.
       * moving: the merge commit exists and the main tree moves from `head` to `commit`.
       */
      phase: 'rebasing' | 'moving';
      taskTip: string;
      head?: string;
      commit?: string;
      into?: string;
    }
  | { op: 'discard'; task: number; owner: Owner; tip: string | null }
  | QueueJournal;

/**
 * A merge queue in flight (tasks/merge-queue.ts), filed under the first task of the queue (whose
 * run lock it holds, as it holds every queued task's).
 * checking: trial merges and checks in the scratch worktree; the main tree and its branch are
 * untouched, so recovery only retires the scratch worktree: nothing lands.
 * moving: every check has passed and the main tree moves from `head` to `commit`, the fully
 * checked tip; recovery finishes that move and marks the `landed` tasks merged.
 */
export interface QueueJournal {
  op: 'queue';
  task: number;
  owner: Owner;
  mode: MergeMode;
  phase: 'checking' | 'moving';
  scratch: string;
  head: string;
  into: string;
  commit?: string;
  landed?: { task: number; commit: string }[];
}

const journalFile = (repo: Repo, id: number) => path.join(journalDir(repo), `${id}.json`);

/** Writes the journal of a task's operation (write-then-rename: never half a journal). */
export async function writeJournal(repo: Repo, j: Journal): Promise<void> {
  await mkdir(journalDir(repo), { recursive: true });
  const file = journalFile(repo, j.task);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(j)}\n`);
  await rename(tmp, file);
}

export async function clearJournal(repo: Repo, id: number): Promise<void> {
  await rm(journalFile(repo, id), { force: true });
}

/** Begins a journal owned by this process. */
export function journalOwner(): Owner {
  return selfOwner();
}

/** The last step of a merge, also used to finish one that was killed: log it, retire the worktree. */
export async function finishMerge(
  repo: Repo,
  opts: WorktreeOptions,
  rec: TaskRecord,
  done: { commit: string; into: string; mode: MergeMode },
): Promise<'pooled' | 'removed'> {
  await logMerged(repo, rec.id, done);
  const worktree = await retireWorktree(repo, rec.worktree, opts, retiredAs(done.mode));
  await clearJournal(repo, rec.id);
  return worktree;
}

/** The task's `merged` event, once: a finish run again after a kill does not log it twice. */
async function logMerged(
  repo: Repo,
  id: number,
  done: { commit: string; into: string; mode: MergeMode },
): Promise<void> {
  const events = await readEvents(repo, id);
  if (!events.some((e) => e.type === 'merged' && e.commit === done.commit))
    await appendEvent(repo, id, 'merged', done);
}

/**
 * A squash or merge commit is new: nobody starts a task where a merged task's worktree is, so it
 * is stowed as it is and cleaned by whoever takes it. A rebase leaves it at the new tip: parked clean.
 */
const retiredAs = (mode: MergeMode): 'clean' | 'as-is' => (mode === 'rebase' ? 'clean' : 'as-is');

/**
 * The steps of a discard after its checks, also used to finish one that was killed: the worktree
 * goes to the pool (or away), the branch is deleted if it is still where the discard found it.
 */
export async function finishDiscard(
  repo: Repo,
  opts: WorktreeOptions,
  rec: TaskRecord,
  tip: string | null,
): Promise<'pooled' | 'removed'> {
  const worktree = await retireWorktree(repo, rec.worktree, opts);
  if (tip) await git(['update-ref', '-d', branchRef(rec.branch), tip], { cwd: repo.root, allowFail: true });
  const events = await readEvents(repo, rec.id);
  if (events.at(-1)?.type !== 'discarded') await appendEvent(repo, rec.id, 'discarded', {});
  await clearJournal(repo, rec.id);
  return worktree;
}

/**
 * A worktree being parked is renamed into the pool before git is told where it went; a kill in
 * between leaves git pointing at the old path. Point it at the new one again.
 */
async function repairPool(repo: Repo, opts: WorktreeOptions): Promise<void> {
  const dir = worktreesDir(repo, opts.dir);
  const pooled = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(poolPrefix));
  if (pooled.length)
    await git(['worktree', 'repair', ...pooled.map((n) => path.join(dir, n))], {
      cwd: repo.root,
      allowFail: true,
    });
}

async function undoRebase(rec: TaskRecord, taskTip: string, repo: Repo): Promise<void> {
  if (existsSync(rec.worktree)) {
    if (operationsInProgress(await worktreeGitDir(rec.worktree)).length)
      await git(['rebase', '--abort'], { cwd: rec.worktree, allowFail: true });
    const now = await revParse(repo.root, branchRef(rec.branch));
    // The worktree was clean when the rebase began (hand edits are saved before), so a hard
    // reset there loses nothing.
    if (now !== taskTip) await git(['reset', '--quiet', '--hard', taskTip], { cwd: rec.worktree });
  } else await git(['update-ref', branchRef(rec.branch), taskTip], { cwd: repo.root });
}

/**
 * The last steps of a merge queue, also used to finish one that was killed once its main tree
 * had begun to move: each landed task logged merged, its worktree and the scratch worktree
 * retired together, the journal (filed under `j.task`) removed last.
 */
export async function finishQueue(repo: Repo, opts: WorktreeOptions, j: QueueJournal): Promise<void> {
  const landed = await Promise.all((j.landed ?? []).map((l) => readRecord(repo, l.task)));
  for (const [i, rec] of landed.entries())
    await logMerged(repo, rec.id, { commit: j.landed![i]!.commit, into: j.into, mode: j.mode });
  await retireWorktrees(
    repo,
    [
      ...landed.map((rec) => ({ worktree: rec.worktree, how: retiredAs(j.mode) })),
      // Stowed as the last check left it: whoever takes it from the pool cleans it, once.
      { worktree: j.scratch, how: 'as-is' as const },
    ],
    opts,
  );
  await unmarkFolder(repo, j.scratch);
  await clearJournal(repo, j.task);
}

async function recoverQueue(repo: Repo, opts: WorktreeOptions, j: QueueJournal): Promise<string> {
  const name = j.into.replace(/^refs\/heads\//, '');
  await repairPool(repo, opts);
  if (j.phase === 'checking') {
    await finishQueue(repo, opts, { ...j, landed: [] });
    return `the merge queue into ${name} was interrupted before it landed anything; nothing was merged`;
  }
  const commit = j.commit!;
  const now = await gitOut(['rev-parse', 'HEAD'], { cwd: repo.root });
  if (now !== commit && now !== j.head) {
    await finishQueue(repo, opts, { ...j, landed: [] });
    return (
      `the merge queue into ${name} was interrupted and HEAD has moved since; ` +
      `left as it is: compare the main tree with ${commit.slice(0, 10)} (\`git status\`)`
    );
  }
  if (now === j.head)
    await completeMainTree(repo, j.head, commit, `factory: finish interrupted merge queue (${j.mode})`);
  await finishQueue(repo, opts, j);
  const ids = (j.landed ?? []).map((l) => l.task).join(', ');
  return `finished the merge queue into ${name} (${commit.slice(0, 10)}: tasks ${ids}), which was interrupted`;
}

async function recoverOne(repo: Repo, opts: WorktreeOptions, j: Journal): Promise<string> {
  if (j.op === 'queue') return recoverQueue(repo, opts, j);
  const rec = await readRecord(repo, j.task);
  if (j.op === 'discard') {
    await repairPool(repo, opts);
    await finishDiscard(repo, opts, rec, j.tip);
    return `finished discarding task ${j.task}, which was interrupted`;
  }
  if (j.phase === 'rebasing') {
    await undoRebase(rec, j.taskTip, repo);
    await clearJournal(repo, j.task);
    return `the merge of task ${j.task} was interrupted before it changed the main tree; undone, nothing was merged`;
  }
  const { head, commit, into = 'HEAD' } = j as Required<typeof j>;
  const now = await gitOut(['rev-parse', 'HEAD'], { cwd: repo.root });
  const name = into.replace(/^refs\/heads\//, '');
  if (now !== commit && now !== head) {
    await clearJournal(repo, j.task);
    return (
      `the merge of task ${j.task} into ${name} was interrupted and HEAD has moved since; ` +
      `left as it is: compare the main tree with ${commit.slice(0, 10)} (\`git status\`)`
    );
  }
  // Killed after the move, the task's worktree may be in the pool already, where git does not
  // know it yet: the retire below would otherwise prune git's record of it.
  await repairPool(repo, opts);
  if (now === head)
    await completeMainTree(
      repo,
      head,
      commit,
      `factory: finish interrupted merge of ${rec.branch} (${j.mode})`,
    );
  await finishMerge(repo, opts, rec, { commit, into, mode: j.mode });
  return `finished the merge of task ${j.task} into ${name} (${commit.slice(0, 10)}), which was interrupted`;
}

async function readJournal(file: string): Promise<Journal | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Journal;
  } catch {
    return null;
  }
}

/**
 * Finishes (or undoes) every merge and discard whose process died half-way. Runs at the start of
 * every factory command; costs one directory listing when there is nothing to do. Returns one
 * line per operation it recovered.
 */
export async function recoverInterrupted(repo: Repo, opts: WorktreeOptions): Promise<string[]> {
  const names = await journalNames(repo);
  const done: string[] = [];
  for (const name of names) {
    const file = path.join(journalDir(repo), name);
    const seen = await readJournal(file);
    if (!seen || !ownerIsDead(seen.owner)) continue;
    const lock = await acquireRunLock(repo, seen.task).catch(() => null);
    // Someone is working on the task right now; the next command will look again.
    if (!lock) continue;
    try {
      if (lock.stale) await recoverAfterCrash(repo, await readRecord(repo, seen.task), lock);
      await withRepoLock(repo.factoryDir, async () => {
        // Another command may have recovered it while this one waited for the locks.
        const j = await readJournal(file);
        if (j && ownerIsDead(j.owner)) done.push(await recoverOne(repo, opts, j));
      });
    } finally {
      await lock.release();
    }
  }
  return done;
}
