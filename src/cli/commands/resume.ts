import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openRepo } from '../../git/repo.js';
import { loadConfig } from '../../config/load.js';
import { parseAddress } from '../../tasks/address.js';
import { exitCodeFor, resumeTask } from '../../tasks/runner.js';
import { refuse } from '../../errors.js';
import { summaryText } from '../progress.js';
import { count } from '../numeric.js';
import { resumableTask } from '../../tasks/resumable.js';
import { pendingLeftOut } from '../../tasks/left-out.js';
import { connectForTasks, type RunFlags, runnerCallbacks, withCtrlC } from '../run-support.js';
import { recoverFirst } from '../context.js';
import { checkEventsFlag, writeSummary } from '../run-events.js';
import { refuseVisualWithoutConfig } from '../../visual/when.js';

export function register(program: Command): void {
  program
    .command('resume')
    .description('continue a failed, stagnated, cancelled or interrupted task with more attempts')
    .argument('<task>', 'task id')
    .option('--feedback <text>', 'a hint for the Coder, given to its next turn')
    .option(
      '--rebase',
      "first carry the task onto its base's current tip (conflicts go to the Coder); a passed task runs again",
    )
    .option('-n, --max-attempts <n>', 'how many more attempts (default: agent.maxAttempts)', count)
    .option('-m, --model <name>', 'model name (server.model)')
    .option('--no-server', 'never start a model server')
    .option('--json', 'print the summary as JSON')
    .option('--events', 'with --json: one JSON line per event as it happens, the summary last (NDJSON)')
    .action(
      action(async (task: string, o: RunFlags & { feedback?: string; rebase?: boolean }) => {
        checkEventsFlag(o);
        const repo = await openRepo(process.cwd());
        const flags: Record<string, unknown> = {};
        if (o.model) flags['server.model'] = o.model;
        if (o.maxAttempts) flags['agent.maxAttempts'] = o.maxAttempts;
        const { config } = await loadConfig({ repoRoot: repo.root, flags });
        await recoverFirst(repo, config);
        const addr = await parseAddress(repo, task);
        if (addr.attempt !== undefined) throw refuse(`resume takes a task id, not ${task}`);
        // A task that does not exist or cannot be resumed is refused before any server is contacted.
        const { rec, events } = await resumableTask(repo, addr.task, o.rebase);
        // A task the merge queue left out is re-run with why (the conflict, or the failing check).
        const feedback = o.feedback ?? (o.rebase ? (pendingLeftOut(events) ?? undefined) : undefined);
        refuseVisualWithoutConfig([rec], config);
        const ctx = await connectForTasks(repo, config, o);
        const view = await runnerCallbacks(o, ctx);
        const outcome = await view.settle(
          withCtrlC((signal) =>
            resumeTask(
              addr.task,
              {
                feedback,
                attempts: o.maxAttempts ? config.agent.maxAttempts : undefined,
                rebase: o.rebase,
              },
              { ...ctx, signal, ...view.callbacks },
            ),
          ),
        );
        if (o.events) writeSummary([outcome], exitCodeFor([outcome]));
        else emit(o.json, [outcome], () => summaryText([outcome]));
        process.exitCode = exitCodeFor([outcome]);
      }),
    );
}
