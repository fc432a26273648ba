import type { Repo } from '../git/repo.js';
import { parseTrailers } from '../git/messages.js';
import { git } from '../git/run.js';
import type { TaskStatus } from './status.js';
import type { TaskView } from './history.js';

/** What a commit on a task branch is: an attempt commit, a step commit, or someone else's commit. */
export interface CommitRole {
  /** `3.2` for an attempt commit, `3.2.1` for a step commit, null for a commit factory did not make. */
  address: string | null;
  /** The attempt commit's outcome (passed, failed, ...); null for steps and foreign commits. */
  outcome: string | null;
}

export async function commitRole(repo: Repo, id: number, commit: string): Promise<CommitRole> {
  const r = await git(['log', '-1', '--format=%B', commit, '--'], { cwd: repo.root, allowFail: true });
  const t = parseTrailers(r.code === 0 ? r.stdout : '');
  if (Number(t['Factory-Task']) !== id || t['Factory-Attempt'] === undefined)
    return { address: null, outcome: null };
  if (t['Factory-Step'] !== undefined)
    return { address: `${id}.${t['Factory-Attempt']}.${t['Factory-Step']}`, outcome: null };
  return { address: `${id}.${t['Factory-Attempt']}`, outcome: t['Factory-Outcome'] ?? null };
}

/** The role of the branch tip, from the history already read (no git call). */
export function tipRole(view: TaskView): CommitRole {
  for (const a of view.history.attempts) {
    if (a.commit && a.commit === view.tip) return { address: a.address, outcome: a.outcome };
    const step = a.steps.find((s) => s.commit === view.tip);
    if (step) return { address: step.address, outcome: null };
  }
  return { address: null, outcome: null };
}

const KNOWN = new Set<TaskStatus>(['passed', 'failed', 'stagnated', 'cancelled']);

/**
 * The status a task has when its branch sits at `role` after a rollback: the outcome of that
 * attempt; a step or a foreign commit is an unfinished attempt, which counts as failed.
 */
export function statusAt(role: CommitRole): TaskStatus {
  const o = role.outcome as TaskStatus | null;
  return o && KNOWN.has(o) ? o : 'failed';
}

/** True when the branch tip is the commit of a passing attempt: the only thing merge merges unforced. */
export function isPassingTip(role: CommitRole): boolean {
  return role.outcome === 'passed' && role.address !== null && role.address.split('.').length === 2;
}

/** "attempt 1.1, which failed", "step 1.2.1 (an unfinished attempt)", or "a commit not made by factory". */
export function describeRole(role: CommitRole): string {
  if (!role.address) return 'a commit not made by factory';
  if (role.address.split('.').length === 3) return `step ${role.address} (an unfinished attempt)`;
  return `attempt ${role.address}, which ${role.outcome ? `ended ${role.outcome}` : 'has no outcome'}`;
}
