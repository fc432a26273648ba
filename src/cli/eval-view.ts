/** How `factory eval` shows itself: the results table, a comparison, and progress while it runs. */
import type { LoopEvent } from '../agent/loop.js';
import type { Comparison, Delta } from '../eval/compare.js';
import type { CaseRun, EvalResults } from '../eval/results.js';
import type { EvalJob } from '../eval/run-eval.js';
import { summarize, totals } from '../eval/summary.js';
import { visible } from '../visible.js';
import { table } from './format.js';

const secs = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`);
const int = (n: number | null) => (n === null ? '-' : String(Math.round(n)));

/** One row per case (medians over its runs with --repeat), the totals, then notes on what did not pass. */
export function resultsTable(r: EvalResults): string {
  const repeat = r.repeat > 1;
  const rows = [
    [
      'SUITE',
      'CASE',
      'PASSED',
      'ATTEMPTS',
      'WALL',
      'MODEL (TTFT/GEN)',
      'TOK IN/OUT/CACHED',
      'TOK/S',
      'CHECK',
      'OVERHEAD',
      'PUBLISHED',
    ],
  ];
  const summaries = summarize(r.cases);
  for (const s of summaries) {
    const passed =
      s.runs === 0
        ? s.skipped
          ? 'skipped'
          : 'interrupted'
        : repeat
          ? `${s.passed}/${s.runs}`
          : s.passed
            ? 'yes'
            : 'no';
    rows.push([
      s.suite,
      s.case,
      passed + (s.interrupted && s.runs ? ` (+${s.interrupted} interrupted)` : ''),
      s.attempts === null ? '-' : String(s.attempts),
      secs(s.wallMs),
      s.modelMs === null ? '-' : `${secs(s.modelMs)} (${secs(s.firstTokenMs)}/${secs(s.generationMs)})`,
      s.promptTokens === null
        ? '-'
        : `${int(s.promptTokens)}/${int(s.completionTokens)}/${int(s.cachedTokens)}`,
      s.tokensPerSecond === null ? '-' : s.tokensPerSecond.toFixed(1),
      secs(s.checkMs),
      secs(s.overheadMs),
      s.published ? `${s.published.attempts} / ${s.published.seconds} s` : '',
    ]);
  }
  const t = totals(r.cases);
  rows.push([
    'total',
    `${t.cases} case${t.cases === 1 ? '' : 's'}`,
    `${t.passed}/${t.runs}`,
    String(t.attempts),
    secs(t.wallMs),
    secs(t.modelMs),
    `${t.promptTokens}/${t.completionTokens}`,
    '',
    secs(t.checkMs),
    secs(t.overheadMs),
    '',
  ]);
  const lines = [
    `factory ${r.factoryVersion} · ${visible(r.model)}${r.quantization ? ` (${visible(r.quantization)})` : ''} · ${visible(r.server.baseURL)}${r.server.flavor ? ` (${r.server.flavor})` : ''} · tools=${r.settings.tools}`,
    ...(Object.keys(r.settings.overrides).length
      ? [
          `--set ${Object.entries(r.settings.overrides)
            .map(([k, v]) => `${k}=${visible(v)}`)
            .join(' ')}`,
        ]
      : []),
    '',
    table(rows),
  ];
  if (repeat) lines.push('', `figures are medians over ${r.repeat} runs; the total line sums every run`);
  const notes = summaries.filter((s) => s.note && (s.runs === 0 || s.passed < s.runs));
  if (notes.length) lines.push('', ...notes.map((s) => `${s.suite}/${s.case}: ${visible(s.note!)}`));
  return lines.join('\n');
}

const signed = (d: Delta, fmt: (n: number) => string) =>
  d.diff === null ? '-' : `${d.diff > 0 ? '+' : d.diff < 0 ? '-' : '±'}${fmt(Math.abs(d.diff))}`;
const pair = (d: Delta, fmt: (n: number) => string) =>
  `${d.a === null ? '-' : fmt(d.a)} -> ${d.b === null ? '-' : fmt(d.b)} (${signed(d, fmt)})`;
const s1 = (n: number) => `${(n / 1000).toFixed(1)}s`;
const n0 = (n: number) => String(Math.round(n * 10) / 10);

export function comparisonText(c: Comparison, files: [string, string]): string {
  const side = (label: string, s: Comparison['a'], file: string) =>
    `${label}: ${visible(file)} · ${visible(s.model)}${s.quantization ? ` (${visible(s.quantization)})` : ''} · ${s.date}${
      Object.keys(s.overrides).length
        ? ` · --set ${Object.entries(s.overrides)
            .map(([k, v]) => `${k}=${visible(v)}`)
            .join(' ')}`
        : ''
    }`;
  const rows = [['SUITE', 'CASE', 'PASSED A -> B', 'ATTEMPTS', 'WALL', 'MODEL', 'TOK OUT']];
  for (const d of c.cases) {
    const mark = d.pass === 'gained' ? ' (gained)' : d.pass === 'lost' ? ' (LOST)' : '';
    rows.push([
      d.suite,
      d.case,
      `${d.passedA ?? '-'} -> ${d.passedB ?? '-'}${mark}`,
      pair(d.attempts, n0),
      pair(d.wallMs, s1),
      pair(d.modelMs, s1),
      pair(d.completionTokens, n0),
    ]);
  }
  const t = c.totals;
  rows.push([
    'total',
    '',
    `${t.passed.a}/${t.runs.a} -> ${t.passed.b}/${t.runs.b}`,
    pair(t.attempts, n0),
    pair(t.wallMs, s1),
    pair(t.modelMs, s1),
    pair(t.completionTokens, n0),
  ]);
  return [side('A', c.a, files[0]), side('B', c.b, files[1]), '', table(rows)].join('\n');
}

/** Progress of the runs: a table redrawn in place on a terminal, plain lines otherwise. */
export class EvalProgress {
  private readonly state = new Map<number, string>();
  private readonly started = new Map<number, number>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly jobs: readonly EvalJob[],
    private readonly live: boolean,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {
    if (live) {
      for (const j of jobs) this.state.set(j.index, 'waiting');
      this.draw();
      // The elapsed times move even when no event comes.
      this.timer = setInterval(() => this.draw(), 1000);
      this.timer.unref();
    }
  }

  private label(j: EvalJob) {
    return `${j.case.suite}/${j.case.name}${this.jobs.some((x) => x.run > 1) ? ` #${j.run}` : ''}`;
  }

  start(j: EvalJob): void {
    this.started.set(j.index, Date.now());
    this.set(j, 'starting');
  }

  event(j: EvalJob, e: LoopEvent): void {
    const phase =
      e.type === 'phase' && e.phase !== 'edits' && e.phase !== 'commit'
        ? `attempt ${e.attempt}: ${e.phase}`
        : e.type === 'verdict'
          ? `attempt ${e.attempt}: ${e.passed ? 'PASS' : 'FAIL'}`
          : null;
    if (phase) this.set(j, phase);
  }

  /** A line from the run (a notice): above the table on a terminal. */
  note(line: string): void {
    if (!this.live) return void this.out.write(`${line}\n`);
    this.erase();
    this.out.write(`${line}\n`);
    this.draw();
  }

  done(j: EvalJob, row: CaseRun): void {
    const figures = row.figures
      ? `, ${row.attempts} attempt${row.attempts === 1 ? '' : 's'}, ${secs(row.figures.wallMs)}`
      : '';
    this.set(j, `${row.status}${figures}`, `eval ${this.label(j)}: ${row.status}${figures}`);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private set(j: EvalJob, text: string, plain = `eval ${this.label(j)}: ${text}`): void {
    if (this.state.get(j.index) === text) return;
    this.state.set(j.index, text);
    if (this.live) this.draw();
    else this.out.write(`${plain}\n`);
  }

  private erase(): void {
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    const rows = this.jobs.map((j) => {
      const t0 = this.started.get(j.index);
      const text = this.state.get(j.index) ?? '';
      const running = t0 !== undefined && !/^(passed|failed|skipped|interrupted)/.test(text);
      return [this.label(j), visible(text), running ? secs(Date.now() - t0) : ''];
    });
    const frame = table(rows);
    this.erase();
    this.out.write(`${frame}\n`);
    this.drawn = rows.length;
  }
}
