import { git } from '../git/run.js';
import { parseTrailers } from '../git/messages.js';
import type { Repo } from '../git/repo.js';
import { refuse } from '../errors.js';
import { readRecord, taskIds } from './record.js';

/** `3` is task 3, `3.2` its attempt 2, `3.2.1` step 1 of attempt 2; a commit id works too. */
export interface Address {
  task: number;
  attempt?: number;
  step?: number;
  /** Set when the user gave a commit id. */
  commit?: string;
}

export const formatAddress = (a: Address) =>
  [a.task, a.attempt, a.step].filter((x) => x !== undefined).join('.');

/** The task whose worktree the command runs in, if any. */
export async function taskOfCwd(repo: Repo): Promise<number | null> {
  for (const id of await taskIds(repo)) {
    const rec = await readRecord(repo, id).catch(() => null);
    if (rec && rec.worktree === repo.cwdTop) return id;
  }
  return null;
}

export async function parseAddress(
  repo: Repo,
  text: string,
  opts: { bareIsAttempt?: boolean } = {},
): Promise<Address> {
  const t = text.trim();
  const dotted = /^(\d+)(?:\.(\d+)(?:\.(\d+))?)?$/.exec(t);
  if (dotted) {
    const nums = dotted.slice(1).map((x) => (x === undefined ? undefined : Number(x)));
    if (opts.bareIsAttempt && nums[1] === undefined) {
      const here = await taskOfCwd(repo);
      if (here !== null) return { task: here, attempt: nums[0]! };
    }
    // A commit id can be all digits (one in 27 of 7 characters): one that names no task is
    // looked up as a commit before it is refused as a task that does not exist.
    if (nums[1] === undefined && t.length >= 4 && !(await taskIds(repo)).includes(nums[0]!)) {
      const commit = await commitAddress(repo, t).catch(() => null);
      if (commit) return commit;
    }
    return { task: nums[0]!, attempt: nums[1], step: nums[2] };
  }
  if (/^[0-9a-f]{4,40}$/i.test(t)) return commitAddress(repo, t);
  throw refuse(
    `not a task address: ${text}`,
    'use 3 (task), 3.2 (attempt 2 of task 3), 3.2.1 (step 1 of that attempt) or a commit id',
  );
}

async function commitAddress(repo: Repo, sha: string): Promise<Address> {
  const r = await git(['log', '-1', '--format=%H%n%B', `${sha}^{commit}`, '--'], {
    cwd: repo.root,
    allowFail: true,
  });
  if (r.code !== 0) throw refuse(`unknown commit: ${sha}`);
  const [full, ...body] = r.stdout.split('\n');
  const tr = parseTrailers(body.join('\n'));
  const task = Number(tr['Factory-Task']);
  const attempt = Number(tr['Factory-Attempt']);
  if (!Number.isInteger(task) || !Number.isInteger(attempt))
    throw refuse(`commit ${sha} was not made by factory`, 'name a step or attempt commit of a task');
  const step = tr['Factory-Step'] !== undefined ? Number(tr['Factory-Step']) : undefined;
  return { task, attempt, step, commit: full };
}
