import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { pruneTasks } from '../../tasks/prune.js';
import { visible } from '../../visible.js';

export function register(program: Command): void {
  program
    .command('prune')
    .description(
      'remove orphaned worktree folders, worktrees without a task, tasks without a worktree, and discarded tasks',
    )
    .option('-n, --dry-run', 'only list what would be removed')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { dryRun?: boolean; json?: boolean }) => {
        const { repo, config } = await openContext();
        const items = await pruneTasks(repo, config.worktree, Boolean(o.dryRun));
        emit(o.json, { dryRun: Boolean(o.dryRun), items }, () => {
          if (items.length === 0) return 'nothing to prune';
          const verb = o.dryRun ? 'would remove' : 'removed';
          return items.map((i) => `${verb} ${i.kind} ${visible(i.path)}: ${visible(i.reason)}`).join('\n');
        });
      }),
    );
}
