import type { Repo } from '../git/repo.js';
import { readHistories, type AttemptInfo, type StepInfo, type TaskHistory } from '../git/history.js';
import { branchRef } from '../git/refs.js';
import { revParse } from '../git/rollback.js';
import { refOid } from '../git/ref-files.js';
import { refuse } from '../errors.js';
import { formatAddress, type Address } from './address.js';
import { readRecord, type TaskRecord } from './record.js';

export interface TaskView {
  record: TaskRecord;
  /** The branch tip, or null when the branch was deleted (discarded). */
  tip: string | null;
  history: TaskHistory;
}

export async function loadTask(repo: Repo, id: number): Promise<TaskView> {
  return (await loadTasks(repo, [id]))[0]!;
}

/** loadTask for several tasks: the histories of those made from the same base are read by one git process. */
export async function loadTasks(repo: Repo, ids: number[]): Promise<TaskView[]> {
  const tasks = await Promise.all(
    ids.map(async (id) => {
      const record = await readRecord(repo, id);
      return { record, tip: await refOid(repo, branchRef(record.branch)) };
    }),
  );
  const histories = await readHistories(
    repo,
    tasks.map((t) => ({ task: t.record.id, base: t.record.base, tip: t.tip })),
  );
  return tasks.map((t, i) => ({ ...t, history: histories[i]! }));
}

export interface ResolvedAddress {
  view: TaskView;
  attempt?: AttemptInfo;
  step?: StepInfo;
  /** The commit the address names. */
  commit: string;
  /** The commit just before the change the address names (for diffs). */
  before: string;
}

/** Turns an address into commits, using the history rebuilt from git. */
export async function resolveAddress(repo: Repo, addr: Address): Promise<ResolvedAddress> {
  const view = await loadTask(repo, addr.task);
  const { attempts } = view.history;
  if (addr.attempt === undefined) {
    if (!view.tip) throw refuse(`task ${addr.task} has no branch any more`);
    return { view, commit: view.tip, before: view.record.base };
  }
  const idx = attempts.findIndex((a) => a.n === addr.attempt);
  const attempt = attempts[idx];
  if (!attempt)
    throw refuse(`task ${addr.task} has no attempt ${addr.attempt}`, `see \`factory show ${addr.task}\``);
  const prev = attempts
    .slice(0, idx)
    .reverse()
    .find((a) => a.commit);
  const attemptStart = prev?.commit ?? view.record.base;
  if (addr.step === undefined) {
    const last = attempt.commit ?? attempt.steps[attempt.steps.length - 1]?.commit;
    if (!last) throw refuse(`attempt ${formatAddress(addr)} has no commits`);
    const first = attempt.steps[0]?.commit ?? attempt.commit;
    const before = first ? ((await revParse(repo.root, `${first}^`)) ?? attemptStart) : attemptStart;
    return { view, attempt, commit: last, before };
  }
  const step = attempt.steps.find((s) => s.step === addr.step);
  if (!step) throw refuse(`attempt ${addr.task}.${addr.attempt} has no step ${addr.step}`);
  return {
    view,
    attempt,
    step,
    commit: step.commit,
    before: (await revParse(repo.root, `${step.commit}^`)) ?? attemptStart,
  };
}

/**
 * The two commits whose difference is the change an address names, as resolveAddress gives
 * them. A whole task's change is its base to its branch tip, so for a task address the history
 * (a `git log` of every attempt) is not read.
 */
export async function changeOf(repo: Repo, addr: Address): Promise<{ commit: string; before: string }> {
  if (addr.attempt !== undefined) return resolveAddress(repo, addr);
  const record = await readRecord(repo, addr.task);
  const tip = await refOid(repo, branchRef(record.branch));
  if (!tip) throw refuse(`task ${addr.task} has no branch any more`);
  return { commit: tip, before: record.base };
}
