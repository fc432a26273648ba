import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { parseAddress, taskOfCwd } from '../../tasks/address.js';
import { rollbackTask, undoRollback } from '../../tasks/rollback.js';
import { refuse } from '../../errors.js';

export function register(program: Command): void {
  program
    .command('rollback')
    .description(
      'move a task branch and its worktree back to an attempt or step (later attempts stay reachable)',
    )
    .argument(
      '<target>',
      'task.attempt[.step], a commit id, or (inside a task worktree) an attempt number; with --undo: the task',
    )
    .option(
      '--undo',
      'return the branch to where it was before the last rollback; again to step further back',
    )
    .option('--json', 'print the result as JSON')
    .action(
      action(async (target: string, o: { undo?: boolean; json?: boolean }) => {
        const { repo } = await openContext();
        let result;
        if (o.undo) {
          const id = /^\d+$/.test(target) ? Number(target) : await taskOfCwd(repo);
          if (id === null) throw refuse(`--undo takes a task id, not ${target}`);
          result = await undoRollback(repo, id);
        } else {
          result = await rollbackTask(repo, await parseAddress(repo, target, { bareIsAttempt: true }));
        }
        emit(o.json, result, () =>
          result.from === result.to
            ? `task ${result.task} is already at ${result.target}`
            : o.undo
              ? `task ${result.task}: back ${result.target} (${result.to.slice(0, 10)}; it was at ${result.from.slice(0, 10)}); --undo again steps further back`
              : `task ${result.task}: rolled back to ${result.target} (${result.to.slice(0, 10)}); undo with \`factory rollback --undo ${result.task}\``,
        );
      }),
    );
}
