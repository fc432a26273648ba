import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { parseAddress } from '../../tasks/address.js';
import { loadTask } from '../../tasks/history.js';
import { readEvents } from '../../tasks/record.js';
import { taskStatus } from '../../tasks/status.js';
import { duration } from '../format.js';
import { refuse } from '../../errors.js';

export function register(program: Command): void {
  program
    .command('show')
    .description('show a task: its attempts, each with its steps, check exit code, verdict and duration')
    .argument('<task>', 'task id, e.g. 3')
    .option('--json', 'print JSON')
    .action(
      action(async (task: string, o: { json?: boolean }) => {
        const { repo } = await openContext();
        const addr = await parseAddress(repo, task);
        if (addr.attempt !== undefined)
          throw refuse(`show takes a task id, not ${task}`, `try \`factory diff ${task}\``);
        const view = await loadTask(repo, addr.task);
        const status = await taskStatus(repo, addr.task, await readEvents(repo, addr.task));
        emit(o.json, { ...view, status }, () => {
          const r = view.record;
          const out = [
            `task ${r.id}: ${r.title}`,
            `  status   ${status.status}${status.rolledBackFrom ? ` (rolled back from ${status.rolledBackFrom})` : status.detail ? ` (${status.detail})` : ''}`,
            `  branch   ${r.branch}${view.tip ? ` at ${view.tip.slice(0, 10)}` : ' (deleted)'}`,
            `  base     ${r.baseName} (${r.base.slice(0, 10)})`,
            `  worktree ${r.worktree}`,
          ];
          if (view.history.attempts.length === 0) out.push('', 'no attempts yet');
          for (const a of view.history.attempts) {
            const check =
              a.checkExit === null ? (a.commit ? 'not run' : 'in progress') : `exit ${a.checkExit}`;
            out.push(
              '',
              `attempt ${a.address}${a.onBranch ? '' : ' (rolled back)'}: ${a.outcome ?? 'unfinished'}  check ${check}  verdict ${a.verdict ?? '-'}  ${duration(a.durationMs)}  +${a.added} -${a.removed}`,
            );
            for (const s of a.steps)
              out.push(`  ${s.address}  ${s.tool}  ${s.files.join(', ')}  +${s.added} -${s.removed}`);
          }
          for (const c of view.history.foreign)
            out.push('', `commit ${c.sha.slice(0, 10)} (not made by factory): ${c.subject}`);
          return out.join('\n');
        });
      }),
    );
}
