import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { parseAddress } from '../../tasks/address.js';
import { discardTask } from '../../tasks/discard.js';
import { refuse } from '../../errors.js';
import { savedEditsText } from '../../tasks/hand-edits.js';

export function register(program: Command): void {
  program
    .command('discard')
    .description(
      'drop a task: worktree back to the pool, branch deleted, attempt refs kept until `factory prune`',
    )
    .argument('<task>', 'task id')
    .option('--force', 'save uncommitted changes in the task worktree in a commit instead of refusing')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (task: string, o: { force?: boolean; json?: boolean }) => {
        const { repo, config } = await openContext();
        const addr = await parseAddress(repo, task);
        if (addr.attempt !== undefined) throw refuse(`discard takes a task id, not ${task}`);
        const r = await discardTask(repo, config.worktree, addr.task, { force: o.force });
        emit(o.json, r, () =>
          [
            `discarded task ${r.task}: deleted ${r.branch}, worktree ${r.worktree}`,
            ...(r.saved ? [savedEditsText(r.saved)] : []),
          ].join('\n'),
        );
      }),
    );
}
