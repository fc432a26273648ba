import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { createTask } from '../../tasks/create.js';
import { SandboxPlans } from '../../tasks/sandbox-plans.js';
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
        // worktree.setup runs code from the repository: in the same sandbox as a run's.
        const setupSandbox = config.worktree.setup
          ? new SandboxPlans(config, repo.root, (l) => process.stderr.write(`${l}\n`)).get(undefined, 'setup')
          : undefined;
        const { record, recycled } = await createTask(repo, config.worktree, {
          title,
          base: o.base,
          ...(setupSandbox ? { setupSandbox } : {}),
        });
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
