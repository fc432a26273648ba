/**
 * One line per case over its runs (`--repeat N`): how many passed, and the median of each figure.
 * The table, the totals and `--compare` all read these.
 */
import { median } from './metrics.js';
import type { CaseRun } from './results.js';

export interface CaseSummary {
  suite: string;
  case: string;
  /** Runs that ran (not skipped, not interrupted). */
  runs: number;
  passed: number;
  skipped: number;
  interrupted: number;
  /** The reason of the last run that did not pass, for the table's notes. */
  note: string | null;
  published: { attempts: number; seconds: number } | null;
  attempts: number | null;
  wallMs: number | null;
  modelMs: number | null;
  firstTokenMs: number | null;
  generationMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  cachedTokens: number | null;
  tokensPerSecond: number | null;
  checkMs: number | null;
  overheadMs: number | null;
}

type Figure = Exclude<keyof NonNullable<CaseRun['figures']>, 'requests' | 'queuedMs'>;

export function summarize(rows: readonly CaseRun[]): CaseSummary[] {
  const byCase = new Map<string, CaseRun[]>();
  for (const r of rows) {
    const key = `${r.suite}/${r.case}`;
    byCase.set(key, [...(byCase.get(key) ?? []), r]);
  }
  return [...byCase.values()].map((runs) => {
    const ran = runs.filter((r) => r.status === 'passed' || r.status === 'failed');
    const fig = (k: Figure) => {
      const values = ran.map((r) => r.figures?.[k]).filter((v): v is number => typeof v === 'number');
      return median(values);
    };
    const notPassed = runs.filter((r) => r.status !== 'passed').at(-1);
    return {
      suite: runs[0]!.suite,
      case: runs[0]!.case,
      runs: ran.length,
      passed: ran.filter((r) => r.status === 'passed').length,
      skipped: runs.filter((r) => r.status === 'skipped').length,
      interrupted: runs.filter((r) => r.status === 'interrupted').length,
      note: notPassed ? `${notPassed.status}: ${notPassed.reason}` : null,
      published: runs[0]!.published,
      attempts: median(ran.map((r) => r.attempts)),
      wallMs: fig('wallMs'),
      modelMs: fig('modelMs'),
      firstTokenMs: fig('firstTokenMs'),
      generationMs: fig('generationMs'),
      promptTokens: fig('promptTokens'),
      completionTokens: fig('completionTokens'),
      cachedTokens: fig('cachedTokens'),
      tokensPerSecond: fig('tokensPerSecond'),
      checkMs: fig('checkMs'),
      overheadMs: fig('overheadMs'),
    };
  });
}

export interface Totals {
  cases: number;
  runs: number;
  passed: number;
  skipped: number;
  interrupted: number;
  /** Sums over every run that ran (not medians). */
  attempts: number;
  wallMs: number;
  modelMs: number;
  checkMs: number;
  overheadMs: number;
  promptTokens: number;
  completionTokens: number;
}

export function totals(rows: readonly CaseRun[]): Totals {
  const ran = rows.filter((r) => r.status === 'passed' || r.status === 'failed');
  const sum = (f: (r: CaseRun) => number) => ran.reduce((a, r) => a + f(r), 0);
  return {
    cases: new Set(rows.map((r) => `${r.suite}/${r.case}`)).size,
    runs: ran.length,
    passed: ran.filter((r) => r.status === 'passed').length,
    skipped: rows.filter((r) => r.status === 'skipped').length,
    interrupted: rows.filter((r) => r.status === 'interrupted').length,
    attempts: sum((r) => r.attempts),
    wallMs: sum((r) => r.figures?.wallMs ?? 0),
    modelMs: sum((r) => r.figures?.modelMs ?? 0),
    checkMs: sum((r) => r.figures?.checkMs ?? 0),
    overheadMs: sum((r) => r.figures?.overheadMs ?? 0),
    promptTokens: sum((r) => r.figures?.promptTokens ?? 0),
    completionTokens: sum((r) => r.figures?.completionTokens ?? 0),
  };
}
