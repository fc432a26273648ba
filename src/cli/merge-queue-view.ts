import type { QueueFate, QueueResult } from '../tasks/merge-queue.js';
import { visible } from '../visible.js';
import { plural } from '../plural.js';

/** One line for a task's fate in the queue. */
export function fateLine(f: QueueFate): string {
  const title = visible(f.title);
  if (f.fate === 'landed')
    return `landed   task ${f.task} (${title}) as ${f.commit.slice(0, 10)}, ${plural(f.files.length, 'file')}`;
  const why =
    f.reason === 'conflict'
      ? `conflict in ${visible(f.files.join(', '))}`
      : f.reason === 'check'
        ? `check \`${visible(f.command)}\` ${f.timedOut ? 'timed out' : `failed (exit ${f.exitCode ?? 'none'})`} on the merged tree: ${visible(lastLine(f.tail))}`
        : 'its changes are already in the branch';
  return `left out task ${f.task} (${title}): ${why}`;
}

const lastLine = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1) ?? '(no output)';

/** The closing lines: where the branch is now, and how to send the tasks left out back. */
export function queueSummary(r: QueueResult): string {
  const into = r.into.replace(/^refs\/heads\//, '');
  const landed = r.tasks.filter((f) => f.fate === 'landed').length;
  const left = r.tasks.filter((f) => f.fate === 'left-out').map((f) => f.task);
  const lines = [
    landed
      ? `merged ${landed} of ${plural(r.tasks.length, 'task')} into ${into}: ${r.from.slice(0, 10)} -> ${r.tip.slice(0, 10)} (${r.mode})`
      : `merged none of ${plural(r.tasks.length, 'task')}; ${into} is unchanged`,
  ];
  if (left.length)
    lines.push(
      `left out: ${left.join(', ')}; their branches are kept. \`factory resume <task> --rebase\` re-runs one on the new ${into} with why it was left out`,
    );
  return lines.join('\n');
}
