/** Commit messages and trailers: the contract by which history is rebuilt from git alone. */

export interface StepMeta {
  task: number;
  attempt: number;
  step: number;
  tool: string;
  paths: string[];
}

export type Verdict = 'PASS' | 'FAIL' | 'NONE';

export interface AttemptMeta {
  task: number;
  attempt: number;
  /** The check's exit code, or null when it did not run (cancelled before the check, no check). */
  checkExit: number | null;
  verdict: Verdict;
  durationMs: number;
  /** passed / failed / cancelled / stagnated ... as decided by the loop. */
  outcome: string;
  /** Paths left out by the size guard. */
  skipped?: string[];
}

export function stepMessage(m: StepMeta): string {
  const first = m.paths[0] ?? '';
  const more = m.paths.length > 1 ? ` (+${m.paths.length - 1} more)` : '';
  return [
    `factory: ${m.task}.${m.attempt}.${m.step} ${m.tool} ${first}${more}`.trimEnd(),
    '',
    `Factory-Task: ${m.task}`,
    `Factory-Attempt: ${m.attempt}`,
    `Factory-Step: ${m.step}`,
    `Factory-Tool: ${m.tool}`,
    '',
  ].join('\n');
}

export function attemptMessage(m: AttemptMeta): string {
  const check = m.checkExit === null ? 'check not run' : `check exit ${m.checkExit}`;
  const lines = [`factory: ${m.task}.${m.attempt} attempt ${m.outcome} (${check}, verdict ${m.verdict})`, ''];
  if (m.skipped?.length) lines.push(`Not committed (over the size limit): ${m.skipped.join(', ')}`, '');
  lines.push(
    `Factory-Task: ${m.task}`,
    `Factory-Attempt: ${m.attempt}`,
    `Factory-Check-Exit: ${m.checkExit === null ? 'none' : m.checkExit}`,
    `Factory-Verdict: ${m.verdict}`,
    `Factory-Duration: ${Math.round(m.durationMs)}ms`,
    `Factory-Outcome: ${m.outcome}`,
    '',
  );
  return lines.join('\n');
}

/** Reads `Key: value` trailers from the last paragraph of a commit message. */
export function parseTrailers(message: string): Record<string, string> {
  const paragraphs = message.trimEnd().split(/\n\s*\n/);
  const last = paragraphs[paragraphs.length - 1] ?? '';
  const out: Record<string, string> = {};
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
