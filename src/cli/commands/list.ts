import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { listTasks } from '../../tasks/summary.js';
import { age, table } from '../format.js';
import { visible } from '../../visible.js';

export function register(program: Command): void {
  program
    .command('list')
    .alias('ls')
    .description('list the tasks of this repository')
    .option('-a, --all', 'include discarded tasks')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { all?: boolean; json?: boolean }) => {
        const { repo } = await openContext();
        const rows = await listTasks(repo, { all: o.all });
        emit(o.json, rows, () => {
          if (rows.length === 0) return 'no tasks yet; start one with `factory new "title"`';
          return table([
            ['ID', 'STATUS', 'ATTEMPTS', '+/-', 'AGE', 'BRANCH', 'TITLE'],
            ...rows.map((r) => [
              String(r.id),
              r.rolledBackFrom
                ? `${r.status} (rolled back from ${r.rolledBackFrom})`
                : r.detail && r.status === 'running'
                  ? `running (${visible(r.detail)})`
                  : r.status,
              String(r.attempts),
              `+${r.added} -${r.removed}`,
              age(r.createdAt),
              r.branch,
              `${r.parent !== undefined ? '└ ' : ''}${visible(r.title)}`,
            ]),
          ]);
        });
      }),
    );
}
