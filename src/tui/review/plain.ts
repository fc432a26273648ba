import type { TaskSummary } from '../../tasks/summary.js';
import { age, statusLabel } from './format.js';

/** The task list as plain text, for `factory review` when there is no terminal to draw on. */
export function plainTaskList(rows: TaskSummary[], now = Date.now()): string {
  if (rows.length === 0) return 'no tasks yet; start one with `factory task "title"`\n';
  const table = [
    ['ID', 'STATUS', 'ATTEMPTS', '+/-', 'AGE', 'BRANCH', 'TITLE'],
    ...rows.map((r) => [
      String(r.id),
      statusLabel(r.status, r.detail, r.rolledBackFrom),
      String(r.attempts),
      `+${r.added} -${r.removed}`,
      age(r.createdAt, now),
      r.branch,
      r.title,
    ]),
  ];
  const widths: number[] = [];
  for (const r of table) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return `${table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}
