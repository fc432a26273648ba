import type { Repo } from '../git/repo.js';
import type { Config } from '../config/schema.js';
import { emit } from './action.js';
import { mergeQueue, type QueueResult } from '../tasks/merge-queue.js';
import { mergePlan } from '../tasks/plan-merge.js';
import { SandboxPlans } from '../tasks/sandbox-plans.js';
import { readRecord } from '../tasks/record.js';
import { resumeTask } from '../tasks/runner.js';
import { savedEditsText } from '../tasks/hand-edits.js';
import { connectForTasks, runnerCallbacks, withCtrlC } from './run-support.js';
import { fateLine, queueSummary } from './merge-queue-view.js';

/**
 * `factory merge 3 4 5` and `factory merge <plan parent>`: the merge queue, one line per task as
 * its fate is known (stderr), the summary on stdout (or the whole result as JSON). A plan parent
 * sends each child left out back through `resume --rebase` by itself and queues it again.
 * Exit code 1 when a task was left out.
 */
export async function runMergeQueue(
  repo: Repo,
  config: Config,
  ids: number[],
  o: { mode: 'squash' | 'merge'; force?: boolean; json?: boolean },
): Promise<void> {
  const q = {
    mode: o.mode,
    force: o.force,
    config,
    plans: new SandboxPlans(config, repo.root, (l) => process.stderr.write(`${l}\n`)),
    onFate: o.json
      ? undefined
      : (f: Parameters<typeof fateLine>[0]) => process.stderr.write(`${fateLine(f)}\n`),
  };
  const parent = ids.length === 1 ? await readRecord(repo, ids[0]!) : null;
  if (!parent?.children?.length) {
    const r = await mergeQueue(repo, config.worktree, ids, q);
    emit(o.json, r, () => text(r));
    if (r.tasks.some((f) => f.fate === 'left-out')) process.exitCode = 1;
    return;
  }
  // Connected only when a child is sent back: a plan whose children all land needs no model.
  let ctx: Awaited<ReturnType<typeof connectForTasks>> | null = null;
  const plan = await mergePlan(
    repo,
    config.worktree,
    parent.id,
    q,
    async (task, feedback) => {
      if (!o.json) process.stderr.write(`sending task ${task} back: resume --rebase on the new base\n`);
      ctx ??= await connectForTasks(repo, config, { json: o.json });
      const view = await runnerCallbacks({ json: o.json }, ctx);
      const c = ctx;
      const outcome = await view.settle(
        withCtrlC((signal) =>
          resumeTask(task, { rebase: true, feedback }, { ...c, signal, ...view.callbacks }),
        ),
      );
      return outcome.outcome;
    },
    config.agent.maxAttempts,
  );
  const landed = plan.rounds.flatMap((r) => r.tasks.filter((f) => f.fate === 'landed'));
  const last = plan.rounds.at(-1)!;
  const leftOut = last.tasks.filter((f) => f.fate === 'left-out');
  emit(o.json, { plan: parent.id, ...plan }, () =>
    [
      ...plan.rounds.map(text),
      `plan ${parent.id}: ${landed.length} of ${parent.children!.length} children merged` +
        (plan.resent.length ? `, ${plan.resent.length} sent back` : ''),
    ].join('\n'),
  );
  if (leftOut.length) process.exitCode = 1;
}

function text(r: QueueResult): string {
  return [queueSummary(r), ...r.saved.map(savedEditsText)].join('\n');
}
