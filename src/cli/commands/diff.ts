import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { parseAddress } from '../../tasks/address.js';
import { changeOf } from '../../tasks/history.js';
import { git } from '../../git/run.js';
import { diffOf } from '../../tasks/diff.js';
import { safeDiff } from '../diff-color.js';

export function register(program: Command): void {
  program
    .command('diff')
    .description('show the change of a task (against its base), of one attempt, or of one step')
    .argument('<address>', 'task, task.attempt or task.attempt.step, e.g. 3, 3.2, 3.2.1; or a commit id')
    .option('--stat', 'only the files and line counts')
    .option('--json', 'print files with added/removed counts as JSON')
    .action(
      action(async (address: string, o: { stat?: boolean; json?: boolean }) => {
        const { repo } = await openContext();
        const addr = await parseAddress(repo, address, { bareIsAttempt: false });
        if (o.json) {
          const { from, to, files } = await diffOf(repo, addr);
          emit(true, { address, from, to, files }, () => '');
          return;
        }
        const r = await changeOf(repo, addr);
        const color = Boolean(process.stdout.isTTY && !process.env.NO_COLOR);
        const out = await git(['diff', '--no-color', ...(o.stat ? ['--stat'] : []), r.before, r.commit], {
          cwd: repo.root,
        });
        process.stdout.write(safeDiff(out.stdout, color && !o.stat));
      }),
    );
}
