import type { LoopEvent } from '../agent/loop.js';
import type { TaskRecord } from '../tasks/record.js';
import { STATUS, type TaskOutcome } from '../tasks/runner.js';
import { visible } from '../visible.js';
import { visualHead } from '../tasks/transcript.js';
import { table } from './format.js';

/** One plain line per meaningful loop event, for logs, pipes and CI. */
export function progressLine(task: TaskRecord, e: LoopEvent): string | null {
  const p = `[task ${task.id}] attempt ${e.attempt}`;
  switch (e.type) {
    case 'phase':
      return e.phase === 'coder' ? `${p}: coder is writing` : null;
    case 'edit':
      return e.ok
        ? e.paths.length
          ? `${p}: ${visible(e.tool)} ${visible(e.paths.join(', '))}`
          : null
        : `${p}: ${visible(e.tool)} refused: ${snippet(e.output)}`;
    case 'check':
      return `${p}: check \`${visible(e.command)}\` ${e.timedOut ? 'timed out' : `exit ${e.exitCode}`} (${(e.durationMs / 1000).toFixed(1)}s)`;
    case 'verdict':
      return `${p}: ${e.passed ? 'PASS' : 'FAIL'} (sheriff ${e.verdict}): ${snippet(e.sheriff?.analysis || e.reason)}`;
    case 'visual':
      return `${p}: ${visualHead(e)} (${(e.durationMs / 1000).toFixed(1)}s)`;
    case 'attempt':
      return `${p}: recorded as ${e.outcome} (${e.commit.slice(0, 10)})`;
    case 'plan':
      return `[task ${task.id}] plan: ${e.plan.kind}, ${e.plan.unsplit ? 'no valid plan, runs unsplit' : e.plan.subtasks.length > 1 ? `${e.plan.subtasks.length} subtasks (${visible(e.plan.subtasks.map((s) => s.key).join(', '))})` : 'runs as one task'}`;
    default:
      return null;
  }
}

/**
 * Model text as one line: its lines joined, so "…the error is:" is followed by the error rather
 * than cut there; shortened to 120 characters; control characters shown, never obeyed.
 */
export function snippet(s: string, max = 120): string {
  const line = visible(s.replace(/\s+/g, ' ').trim());
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The end-of-run summary and what to do next. STATUS uses the words of `factory list`. */
export function summaryText(given: TaskOutcome[]): string {
  // A split task's children follow it, their titles under its own.
  const outcomes = given.flatMap((o) => [o, ...(o.children ?? [])]);
  const isChild = new Set(given.flatMap((o) => (o.children ?? []).map((c) => c.id)));
  const rows = [
    ['ID', 'STATUS', 'ATTEMPTS', '+/-', 'BRANCH', 'TITLE'],
    ...outcomes.map((o) => [
      String(o.id),
      STATUS[o.outcome],
      String(o.attempts),
      `+${o.added} -${o.removed}`,
      o.branch,
      `${isChild.has(o.id) ? '└ ' : ''}${visible(o.title)}`,
    ]),
  ];
  const lines = ['', table(rows), ''];
  for (const o of outcomes) if (o.outcome !== 'passed') lines.push(`task ${o.id}: ${visible(o.reason)}`);
  // A split parent does no coding: the commands name the tasks that did.
  const coded = outcomes.filter((o) => !o.children);
  const passed = coded.find((o) => o.outcome === 'passed');
  const failed = coded.find((o) => o.outcome !== 'passed' && o.outcome !== 'blocked');
  lines.push('next:', '  factory review                 # look at every branch');
  if (passed) lines.push(`  factory merge ${passed.id}                # squash-merge task ${passed.id}`);
  if (failed) {
    lines.push(`  factory resume ${failed.id} --feedback "…"  # more attempts, with your hint`);
    if (failed.attempts > 1) lines.push(`  factory rollback ${failed.id}.1            # back to attempt 1`);
  }
  return lines.join('\n');
}
