import type { AttemptInfo, StepInfo } from '../../../git/history.js';
import type { Address } from '../../../tasks/address.js';
import type { TaskDetail } from '../data/detail.js';
import { clean, duration, shortSha } from '../format.js';

/** One selectable row of the attempts timeline: an attempt, or one of its steps. */
export type TimelineItem =
  | { kind: 'attempt'; attempt: AttemptInfo; text: string; tip: boolean }
  | { kind: 'step'; attempt: AttemptInfo; step: StepInfo; text: string; tip: boolean };

function checkText(a: AttemptInfo): string {
  if (a.checkExit !== null) return `check exit ${a.checkExit}`;
  return a.commit ? 'check not run' : 'check pending';
}

/** Marks the row the task branch points at. */
const TIP = '  ◂ branch';

const firstLine = (s: string) => clean(s.split('\n').find((l) => l.trim()) ?? '');

/** The attempts and their steps as lines, oldest first, each knowing whether the branch is there. */
export function timelineItems(d: TaskDetail): TimelineItem[] {
  const items: TimelineItem[] = [];
  const tip = d.view.tip;
  for (const a of d.view.history.attempts) {
    const v = d.verdicts.get(a.n);
    const verdict = a.verdict ?? v?.verdict ?? '-';
    const analysis = v?.analysis ? ` — ${firstLine(v.analysis)}` : '';
    const parts = [
      a.address,
      a.outcome ?? (a.commit ? 'done' : 'in progress'),
      checkText(a),
      duration(a.durationMs),
      verdict,
    ];
    const atTip = a.commit !== null && a.commit === tip;
    items.push({
      kind: 'attempt',
      attempt: a,
      tip: atTip,
      // The marks go before the analysis, which is the part a narrow terminal cuts.
      text: `${parts.join('  ')}${atTip ? TIP : ''}${a.onBranch ? '' : '  (rolled back)'}${analysis}`,
    });
    for (const s of a.steps)
      items.push({
        kind: 'step',
        attempt: a,
        step: s,
        tip: s.commit === tip,
        text: `${s.address}  ${s.tool}  ${s.files.map(clean).join(', ') || '-'}  +${s.added} -${s.removed}${s.commit === tip ? TIP : ''}`,
      });
  }
  return items;
}

/** The address a timeline row names, for diffs and rollbacks. */
export function itemAddress(task: number, item: TimelineItem): Address {
  return item.kind === 'attempt'
    ? { task, attempt: item.attempt.n }
    : { task, attempt: item.attempt.n, step: item.step.step };
}

/** What is wrong with the task's branch or worktree, in words, for the warning line. */
export function taskWarnings(d: TaskDetail): string[] {
  const out: string[] = [];
  const { record, tip, history } = d.view;
  const gone = d.status.status === 'merged' || d.status.status === 'discarded';
  if (!tip) out.push(`the branch ${record.branch} does not exist any more`);
  if (!d.worktreeExists && !gone) out.push(`the worktree is gone (${record.worktree})`);
  if (history.foreign.length) {
    const n = history.foreign.length;
    out.push(
      `${n} commit${n === 1 ? '' : 's'} on the branch not made by factory (${shortSha(history.foreign[0]!.sha)} ${clean(history.foreign[0]!.subject)})`,
    );
  }
  return out;
}
