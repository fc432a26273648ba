import type { TaskDetail } from '../data/detail.js';
import { clean, cleanLines, duration, wrapLine } from '../format.js';

export type PaneMode = 'check' | 'coder';

export interface PaneContent {
  title: string;
  lines: string[];
  /** Live text is read from the bottom; a check's output from the top (its head). */
  followTail: boolean;
}

/** Words wrapped to `width`, for the Sheriff's sentences above the check output. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of clean(para).split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = indent + word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(line);
  }
  return out;
}

/** What the lower pane of the detail screen shows for the selected attempt. */
export function paneContent(
  d: TaskDetail,
  attempt: number | undefined,
  mode: PaneMode,
  coderText: string,
  width: number,
  /** The attempt's visual check in lines (visual-pane.ts), shown between the Sheriff and the output. */
  visual: string[] = [],
): PaneContent {
  if (mode === 'coder') {
    // The Coder writes prose as one long line per paragraph: wrapped, or most of it would be cut.
    const lines = cleanLines(coderText).flatMap((l) => wrapLine(l, width));
    return {
      title: `the Coder's text${d.status.status === 'running' ? ' (live)' : ' (last turn)'}`,
      lines: lines.length ? lines : ['(no text from the Coder yet)'],
      followTail: true,
    };
  }
  if (attempt === undefined) return { title: 'check output', lines: ['(no attempt yet)'], followTail: false };
  const check = d.checks.get(attempt);
  const verdict = d.verdicts.get(attempt);
  const lines: string[] = [];
  if (verdict) {
    lines.push(...wrap(`Sheriff: ${verdict.verdict} — ${verdict.analysis || '(no analysis)'}`, width, '  '));
    if (verdict.fix) lines.push(...wrap(`fix: ${verdict.fix}`, width, '  '));
    lines.push('');
  }
  if (visual.length) lines.push(...visual, '');
  if (!check) {
    lines.push(`(no check output for attempt ${attempt})`);
    return { title: `check output of attempt ${attempt}`, lines, followTail: false };
  }
  const exit = check.timedOut ? 'timed out' : `exit ${check.exitCode ?? '-'}`;
  const cutNote = check.truncatedBytes ? `, ${check.truncatedBytes} bytes cut from the middle` : '';
  const output = cleanLines(check.output);
  if (visual.length) lines.push('check output:');
  lines.push(...(output.length ? output : ['(the check printed nothing)']));
  return {
    title: `check of attempt ${attempt}: ${exit} in ${duration(check.durationMs)} (${clean(check.command) || 'script'})${cutNote}`,
    lines,
    followTail: false,
  };
}
