import type { PlanView } from '../tasks/plan-view.js';
import { visible } from '../visible.js';

/** Text under a label lines up with the first line (the label column is 11 wide). */
const block = (text: string) => visible(text, { multiline: true }).replace(/\n/g, '\n           ');

/** `factory show`'s plan block: kind, brief, spec, and each subtask with its child task and status. */
export function planLines(p: PlanView): string[] {
  const out = [
    '',
    `plan: ${p.kind}${p.unsplit ? " (no valid plan: ran unsplit with the planner's text as its brief)" : ''}`,
    `  brief    ${block(p.brief)}`,
  ];
  if (p.spec) out.push(`  spec     ${block(p.spec)}`);
  if (p.subtasks.length) out.push('  subtasks');
  for (const s of p.subtasks) {
    const task =
      s.task !== null
        ? `task ${s.task} ${s.status ?? 'gone'}`
        : p.subtasks.length === 1
          ? '(this task)'
          : '(no task)';
    const after = s.after.length ? `  after ${visible(s.after.join(', '))}` : '';
    out.push(`    ${visible(s.key)}: ${task}  ${visible(s.title)}${after}`);
    if (s.files.length) out.push(`      files ${visible(s.files.join(', '))}`);
  }
  return out;
}
