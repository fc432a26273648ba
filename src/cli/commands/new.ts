import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { createTask } from '../../tasks/create.js';
import { visible } from '../../visible.js';

export function register(program: Command): void {
  program
    .command('new')
    .description('create a task workspace (branch + worktree) without running the agent')
    .argument('<title>', 'what the task is about; becomes the branch slug')
    .option('--base <ref>', 'start from this ref instead of HEAD')
    .option('--json', 'print the task as JSON')
    .action(
      action(async (title: string, o: { base?: string; json?: boolean }) => {
        const { repo, config } = await openContext();
        const { record, recycled } = await createTask(repo, config.worktree, { title, base: o.base });
        emit(o.json, { ...record, recycled }, () =>
          [
            `task ${record.id}: ${visible(record.title)}`,
            `  branch   ${record.branch}`,
            `  worktree ${record.worktree}${recycled ? ' (recycled)' : ''}`,
            `  base     ${record.baseName} (${record.base.slice(0, 10)})`,
          ].join('\n'),
        );
      }),
    );
}
