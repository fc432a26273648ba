import { git, gitOut, FACTORY_IDENTITY } from './run.js';
import { FactoryError } from '../errors.js';
import { attemptMessage, type AttemptMeta } from './messages.js';
import { attemptRef, taskRefPrefix } from './refs.js';
import { moveBranch } from './rollback.js';
import { rollbackMessage } from './rollback-log.js';

/**
 * Carrying a task onto a base branch that moved. `git rebase` replays commit after commit in the
 * worktree and stops mid-way on a conflict, with the worktree mid-rebase; a kill at that moment
 * leaves it so. Here the whole change of the task (its base..tip) is merged onto the new base
 * with `git merge-tree`, which touches no worktree, index or ref; the result becomes one attempt
 * commit on top of the new base, and the branch and worktree move to it in one step, like a
 * rollback. Nothing is rewritten: the earlier attempts keep their commits and refs (on the old
 * base), the old tip gets a ref of its own, and `factory rollback --undo` moves the branch back.
 *
 * On a conflict the commit still goes ahead, with git's conflict markers in the conflicted files,
 * so the next Coder turn sees both sides where they clash and resolves them like a person would.
 */

export interface RebaseConflict {
  path: string;
  /** git's own words, e.g. `CONFLICT (content): Merge conflict in a.txt`. */
  messages: string[];
}

export interface RebaseRequest {
  task: number;
  attempt: number;
  worktree: string;
  branch: string;
  /** The branch tip now, on the old base. */
  tip: string;
  /** The base's current tip. */
  onto: string;
  /** How the user knows the base (e.g. `main`), for messages. */
  ontoName: string;
}

export interface RebaseResult {
  commit: string;
  tree: string;
  conflicts: RebaseConflict[];
}

/**
 * Merges the task's change onto `onto` and moves the branch and worktree there. Refuses (and
 * changes nothing) when the worktree has uncommitted changes to tracked files.
 */
export async function rebaseBranch(req: RebaseRequest): Promise<RebaseResult> {
  const { tree, conflicts } = await mergeOnto(req);
  const outcome = conflicts.length ? 'rebase-conflict' : 'rebased';
  const meta: AttemptMeta = {
    task: req.task,
    attempt: req.attempt,
    checkExit: null,
    verdict: 'NONE',
    durationMs: 0,
    outcome,
  };
  const [subject, ...rest] = attemptMessage(meta).split('\n');
  const body = [
    `Rebased onto ${req.ontoName} (${req.onto}) from ${req.tip}.`,
    ...(conflicts.length
      ? ['', 'Conflicts, left with conflict markers:', ...conflicts.map((c) => `- ${c.path}`)]
      : []),
  ];
  const message = [subject, '', ...body, ...rest].join('\n');
  const commit = await gitOut(['commit-tree', tree, '-p', req.onto, '-F', '-'], {
    cwd: req.worktree,
    env: FACTORY_IDENTITY,
    input: message,
  });
  await moveBranch(
    req.worktree,
    req.branch,
    req.tip,
    commit,
    rollbackMessage(`the rebase onto ${req.ontoName}`, req.tip),
  );
  // A kill right before this is repaired by the next owner (recover.ts restores attempt refs).
  await git(['update-ref', attemptRef(req.task, req.attempt), commit, ''], { cwd: req.worktree });
  // The old tip keeps a ref, so a step commit there is never left to the reflog alone.
  await git(['update-ref', `${taskRefPrefix(req.task)}rebased/${req.attempt}`, req.tip], {
    cwd: req.worktree,
  });
  return { commit, tree, conflicts };
}

/** The task's change merged onto `onto`: the tree (with conflict markers) and the conflicts. */
async function mergeOnto(req: RebaseRequest): Promise<{ tree: string; conflicts: RebaseConflict[] }> {
  const r = await git(['merge-tree', '--write-tree', '--name-only', '-z', req.onto, req.tip], {
    cwd: req.worktree,
    allowFail: true,
  });
  const fields = r.stdout.split('\0');
  const tree = fields[0];
  if ((r.code !== 0 && r.code !== 1) || !tree)
    throw new FactoryError(`git merge-tree failed: ${r.stderr.trim()}`);
  if (r.code === 0) return { tree, conflicts: [] };
  const end = fields.indexOf('', 1);
  const names = [...new Set(fields.slice(1, end < 0 ? undefined : end))].filter(Boolean);
  const byPath = new Map<string, RebaseConflict>(names.map((p) => [p, { path: p, messages: [] }]));
  // Informational messages: <count> NUL <paths...> NUL <type> NUL <message> NUL, repeated.
  const label = (text: string) =>
    text.split(req.onto).join(req.ontoName).split(req.tip).join('the task').trim();
  for (let i = end + 1; i < fields.length;) {
    const count = Number(fields[i]);
    if (!Number.isInteger(count) || count < 1) break;
    const paths = fields.slice(i + 1, i + 1 + count);
    const type = fields[i + 1 + count] ?? '';
    const text = fields[i + 2 + count] ?? '';
    i += count + 3;
    if (!type.startsWith('CONFLICT')) continue;
    for (const p of paths) byPath.get(p)?.messages.push(label(text));
  }
  return { tree, conflicts: [...byPath.values()] };
}
