import type { Repo } from '../git/repo.js';
import { rebaseBranch, type RebaseConflict } from '../git/rebase.js';
import { isAncestor, revParse } from '../git/rollback.js';
import { refuse } from '../errors.js';
import { appendEvent, writeRecord } from './record.js';
import type { TaskWorkspace } from './workspace.js';

/**
 * `factory resume --rebase`: carries the task onto its base branch's current tip (git/rebase.ts)
 * as an attempt of its own, and returns what the next Coder turn must know about it. Null when
 * the branch already sits on the base's tip. Called with the task's run lock held.
 */
export async function rebaseTask(repo: Repo, ws: TaskWorkspace): Promise<string[] | null> {
  const rec = ws.record;
  const onto = await revParse(repo.root, `${rec.baseName}^{commit}`);
  if (!onto)
    throw refuse(
      `cannot rebase task ${rec.id}: its base ${rec.baseName} is not a commit any more`,
      'resume it without --rebase',
    );
  const tip = ws.tip();
  if (onto === rec.base || (await isAncestor(repo.root, onto, tip))) return null;
  const attempt = await ws.nextAttempt();
  const r = await rebaseBranch({
    task: rec.id,
    attempt,
    worktree: rec.worktree,
    branch: rec.branch,
    tip,
    onto,
    ontoName: rec.baseName,
  });
  ws.branch.tip = r.commit;
  ws.branch.tipTree = r.tree;
  rec.base = onto;
  await writeRecord(repo, rec);
  const outcome = r.conflicts.length ? 'rebase-conflict' : 'rebased';
  await appendEvent(repo, rec.id, 'attempt', {
    attempt,
    checkExit: null,
    verdict: 'NONE',
    durationMs: 0,
    outcome,
    commit: r.commit,
    skipped: [],
  });
  await appendEvent(repo, rec.id, 'rebased', {
    attempt,
    onto,
    ontoName: rec.baseName,
    from: tip,
    commit: r.commit,
    conflicts: r.conflicts,
  });
  return rebaseProblems(rec.baseName, onto, tip, r.conflicts);
}

/** What the Coder is told: that the base moved, and each conflict with git's own description. */
export function rebaseProblems(
  name: string,
  onto: string,
  tip: string,
  conflicts: RebaseConflict[],
): string[] {
  const short = onto.slice(0, 10);
  if (!conflicts.length)
    return [
      `The base branch ${name} moved on since this task began; the task's change was carried onto its current tip (${short}) without conflicts. Make sure the change still works there.`,
    ];
  return [
    `The base branch ${name} moved on since this task began. Carrying the task's change onto its current tip (${short}) conflicted in ${conflicts.length} file(s), which now hold git's conflict markers: between "<<<<<<< ${onto}" and "=======" is ${name}'s version, between "=======" and ">>>>>>> ${tip}" is the task's. Resolve every conflict so that both changes still hold, and remove every marker line.`,
    ...conflicts.map((c) => `${c.path}: ${c.messages.length ? c.messages.join('; ') : 'conflict'}`),
  ];
}
