import type { Repo } from '../git/repo.js';
import { refuse } from '../errors.js';
import { mergeQueue, type QueueFate, type QueueOptions, type QueueResult } from './merge-queue.js';
import { leftOutFeedback } from './left-out.js';
import { readRecord } from './record.js';
import type { WorktreeOptions } from './options.js';

export interface PlanMerge {
  /** Each pass of the queue, the first over every open child. */
  rounds: QueueResult[];
  /** Every child sent back (resume --rebase with why it was left out), and how that run ended. */
  resent: { task: number; outcome: string }[];
}

/**
 * `factory merge <plan parent>`: its children through the merge queue in plan order; each child
 * left out is sent back (`resend`: resume --rebase on the new base with why it was left out as its
 * problem) and, once it passes again, queued again, until every child landed or `maxResends`
 * children were sent back in all (the "at most agent.maxAttempts times in total").
 */
export async function mergePlan(
  repo: Repo,
  opts: WorktreeOptions,
  parent: number,
  q: QueueOptions,
  resend: (task: number, feedback: string) => Promise<string>,
  maxResends: number,
): Promise<PlanMerge> {
  const rec = await readRecord(repo, parent);
  if (!rec.children?.length) throw refuse(`task ${parent} is not a plan (it has no child tasks)`);
  const rounds = [await mergeQueue(repo, opts, [parent], q)];
  const resent: PlanMerge['resent'] = [];
  for (;;) {
    const left = rounds
      .at(-1)!
      .tasks.filter((f): f is Extract<QueueFate, { fate: 'left-out' }> => f.fate === 'left-out')
      .slice(0, Math.max(0, maxResends - resent.length));
    if (!left.length) break;
    const again: number[] = [];
    for (const f of left) {
      const outcome = await resend(f.task, leftOutFeedback({ ...f, onto: rounds.at(-1)!.tip }));
      resent.push({ task: f.task, outcome });
      if (outcome === 'passed') again.push(f.task);
    }
    if (!again.length) break;
    // Plan order among the children queued again.
    again.sort((a, b) => rec.children!.indexOf(a) - rec.children!.indexOf(b));
    rounds.push(await mergeQueue(repo, opts, again, { ...q, keepOrder: true }));
  }
  return { rounds, resent };
}
