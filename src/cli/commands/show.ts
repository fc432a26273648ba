import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { parseAddress } from '../../tasks/address.js';
import { loadTask } from '../../tasks/history.js';
import { readEvents } from '../../tasks/record.js';
import { taskStatus } from '../../tasks/status.js';
import { duration } from '../format.js';
import { refuse } from '../../errors.js';
import { checkWords } from '../../tasks/check-words.js';
import { visible } from '../../visible.js';
import { attemptVisuals, taskSpec } from '../../tasks/visual-results.js';
import { visualBlock } from '../visual-view.js';
import { specSource } from '../../tasks/visual-words.js';
import { parentOf, planView } from '../../tasks/plan-view.js';
import { planLines } from '../plan-view.js';

export function register(program: Command): void {
  program
    .command('show')
    .description('show a task: its attempts, each with its steps, check exit code, verdict and duration')
    .argument('<task>', 'task id, e.g. 3')
    .option('--json', 'print JSON')
    .action(
      action(async (task: string, o: { json?: boolean }) => {
        const { repo, config } = await openContext();
        const addr = await parseAddress(repo, task);
        if (addr.attempt !== undefined)
          throw refuse(`show takes a task id, not ${task}`, `try \`factory diff ${task}\``);
        const view = await loadTask(repo, addr.task);
        const events = await readEvents(repo, addr.task);
        const status = await taskStatus(repo, addr.task, events);
        const sandbox = sandboxLine(events, view.record.sandbox ?? config.sandbox.mode);
        const spec = taskSpec(events, view.record);
        const visualChecks = await attemptVisuals(events);
        const plan = await planView(repo, view.record);
        const parent = await parentOf(repo, view.record);
        emit(o.json, { ...view, status, sandbox, spec, visualChecks, plan, parent }, () => {
          const r = view.record;
          const out = [
            `task ${r.id}: ${visible(r.title)}`,
            `  status   ${status.status}${status.rolledBackFrom ? ` (rolled back from ${status.rolledBackFrom})` : status.detail ? ` (${visible(status.detail)})` : ''}`,
            `  branch   ${r.branch}${view.tip ? ` at ${view.tip.slice(0, 10)}` : ' (deleted)'}`,
            `  base     ${r.baseName} (${r.base.slice(0, 10)})`,
            `  worktree ${r.worktree}`,
            `  sandbox  ${sandbox}`,
          ];
          if (r.visual !== undefined)
            out.push(`  visual   ${r.visual ? 'yes (the task asks)' : 'no (the task says so)'}`);
          // The spec may hold several lines: the later ones line up under the first.
          if (spec)
            out.push(
              `  spec     ${visible(spec.text, { multiline: true }).replace(/\n/g, '\n           ')}${specSource(spec)}`,
            );
          if (parent)
            out.push(
              `  parent   task ${parent.id}${parent.key ? ` (subtask ${visible(parent.key)})` : ''}${parent.title ? `: ${visible(parent.title)}` : ''}`,
            );
          if (plan) out.push(...planLines(plan));
          if (view.history.attempts.length === 0)
            out.push('', r.children?.length ? 'no attempts: its subtasks do the work' : 'no attempts yet');
          for (const a of view.history.attempts) {
            out.push(
              '',
              `attempt ${a.address}${a.onBranch ? '' : ' (rolled back)'}: ${a.outcome ?? 'unfinished'}  ${checkWords(a, events)}  verdict ${a.verdict ?? '-'}  ${duration(a.durationMs)}  +${a.added} -${a.removed}`,
            );
            for (const s of a.steps)
              out.push(
                `  ${s.address}  ${visible(s.tool)}  ${visible(s.files.join(', '))}  +${s.added} -${s.removed}`,
              );
            const seen = visualChecks.find((v) => v.attempt === a.n);
            if (seen) out.push(...visualBlock(seen));
          }
          for (const c of view.history.foreign)
            out.push('', `commit ${c.sha.slice(0, 10)} (not made by factory): ${visible(c.subject)}`);
          return out.join('\n');
        });
      }),
    );
}

/** The sandbox the last run used (its `sandbox` event), else the mode a run would ask for. */
function sandboxLine(events: { type: string; [k: string]: unknown }[], mode: string): string {
  const last = [...events].reverse().find((e) => e.type === 'sandbox');
  return last ? String(last.summary) : `${mode} (no run yet)`;
}
