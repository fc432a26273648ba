/**
 * Two results files side by side: per case, whether passing changed and how attempts, time and
 * tokens moved (B minus A), and the same for the totals.
 */
import type { EvalResults } from './results.js';
import { summarize, totals, type CaseSummary, type Totals } from './summary.js';

export interface CaseDiff {
  suite: string;
  case: string;
  /** In A only, in B only, or in both. */
  presence: 'both' | 'only-a' | 'only-b';
  passedA: string | null;
  passedB: string | null;
  /** The pass rate went up, down, or stayed. */
  pass: 'gained' | 'lost' | 'same';
  attempts: Delta;
  wallMs: Delta;
  modelMs: Delta;
  promptTokens: Delta;
  completionTokens: Delta;
}

export interface Delta {
  a: number | null;
  b: number | null;
  /** b - a, null when either is missing. */
  diff: number | null;
}

export interface Comparison {
  a: { model: string; quantization: string | null; overrides: Record<string, string>; date: string };
  b: { model: string; quantization: string | null; overrides: Record<string, string>; date: string };
  cases: CaseDiff[];
  totals: Record<keyof Totals, Delta>;
}

const delta = (a: number | null | undefined, b: number | null | undefined): Delta => ({
  a: a ?? null,
  b: b ?? null,
  diff: a === null || a === undefined || b === null || b === undefined ? null : b - a,
});

const rate = (s: CaseSummary | undefined) => (s && s.runs > 0 ? s.passed / s.runs : null);
const passText = (s: CaseSummary | undefined) => (s && s.runs > 0 ? `${s.passed}/${s.runs}` : null);

export function compareResults(a: EvalResults, b: EvalResults): Comparison {
  const sa = new Map(summarize(a.cases).map((s) => [`${s.suite}/${s.case}`, s]));
  const sb = new Map(summarize(b.cases).map((s) => [`${s.suite}/${s.case}`, s]));
  const keys = [...new Set([...sa.keys(), ...sb.keys()])];
  const cases = keys.map((key): CaseDiff => {
    const x = sa.get(key);
    const y = sb.get(key);
    const [ra, rb] = [rate(x), rate(y)];
    return {
      suite: (x ?? y)!.suite,
      case: (x ?? y)!.case,
      presence: x && y ? 'both' : x ? 'only-a' : 'only-b',
      passedA: passText(x),
      passedB: passText(y),
      pass: ra === null || rb === null || ra === rb ? 'same' : rb > ra ? 'gained' : 'lost',
      attempts: delta(x?.attempts, y?.attempts),
      wallMs: delta(x?.wallMs, y?.wallMs),
      modelMs: delta(x?.modelMs, y?.modelMs),
      promptTokens: delta(x?.promptTokens, y?.promptTokens),
      completionTokens: delta(x?.completionTokens, y?.completionTokens),
    };
  });
  const ta = totals(a.cases);
  const tb = totals(b.cases);
  const totalDiff = Object.fromEntries(
    (Object.keys(ta) as (keyof Totals)[]).map((k) => [k, delta(ta[k], tb[k])]),
  ) as Record<keyof Totals, Delta>;
  const side = (r: EvalResults) => ({
    model: r.model,
    quantization: r.quantization,
    overrides: r.settings.overrides,
    date: r.date,
  });
  return { a: side(a), b: side(b), cases, totals: totalDiff };
}
