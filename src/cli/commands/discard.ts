import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { parseAddress } from '../../tasks/address.js';
import { discardTask } from '../../tasks/discard.js';
import { refuse } from '../../errors.js';

export function register(program: Command): void {
  program
    .command('discard')
    .description(
      'drop a task: worktree back to the pool, branch deleted, attempt refs kept until `factory prune`',
    )
    .argument('<task>', 'task id')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (task: string, o: { json?: boolean }) => {
        const { repo, config } = await openContext();
        const addr = await parseAddress(repo, task);
        if (addr.attempt !== undefined) throw refuse(`discard takes a task id, not ${task}`);
        const r = await discardTask(repo, config.worktree, addr.task);
        emit(o.json, r, () => `discarded task ${r.task}: deleted ${r.branch}, worktree ${r.worktree}`);
      }),
    );
}
