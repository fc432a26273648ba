import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { parseAddress } from '../../tasks/address.js';
import { mergeTask } from '../../tasks/merge.js';
import { MergeConflictError, type MergeMode } from '../../git/merge.js';
import { refuse } from '../../errors.js';
import { plural } from '../../plural.js';
import { savedEditsText } from '../../tasks/hand-edits.js';
import { readRecord } from '../../tasks/record.js';

type MergeFlags = { squash?: boolean; merge?: boolean; rebase?: boolean; force?: boolean; json?: boolean };

export function register(program: Command): void {
  program
    .command('merge')
    .description(
      'merge a task into the branch checked out in the main worktree (squash by default); several tasks, or a plan, go through the merge queue',
    )
    .argument('<task...>', 'task id; several ids (or a plan parent) run the merge queue')
    .option('--squash', 'one commit summarising the task (default)')
    .option('--merge', 'a merge commit that keeps every step commit')
    .option('--rebase', 'replay the step commits on top of the current branch')
    .option(
      '--force',
      'merge even if the branch is not at a passing attempt; save uncommitted changes in the task worktree in a commit instead of refusing',
    )
    .option('--json', 'print the result as JSON')
    .action(
      action(async (tasks: string[], o: MergeFlags) => {
        const modes = (['squash', 'merge', 'rebase'] as const).filter((m) => o[m]);
        if (modes.length > 1) throw refuse('choose one of --squash, --merge and --rebase');
        const mode: MergeMode = modes[0] ?? 'squash';
        const { repo, config } = await openContext();
        const ids: number[] = [];
        for (const task of tasks) {
          const addr = await parseAddress(repo, task);
          if (addr.attempt !== undefined) throw refuse(`merge takes a task id, not ${task}`);
          ids.push(addr.task);
        }
        if (ids.length > 1 || (await readRecord(repo, ids[0]!)).children?.length) {
          if (mode === 'rebase')
            throw refuse('the merge queue makes squash or merge commits', 'merge with --squash or --merge');
          const { runMergeQueue } = await import('../merge-queue-run.js');
          await runMergeQueue(repo, config, ids, { mode, force: o.force, json: o.json });
          return;
        }
        const id = ids[0]!;
        try {
          const r = await mergeTask(repo, config.worktree, id, mode, { force: o.force });
          emit(o.json, r, () =>
            [
              `merged task ${id} into ${r.into.replace(/^refs\/heads\//, '')} as ${r.commit.slice(0, 10)} (${mode}, ${plural(r.files.length, 'file')})`,
              ...(r.saved ? [savedEditsText(r.saved)] : []),
            ].join('\n'),
          );
        } catch (e) {
          if (e instanceof MergeConflictError && o.json) {
            emit(true, { conflict: true, files: e.files }, () => '');
            process.exitCode = 1;
            return;
          }
          throw e;
        }
      }),
    );
}
