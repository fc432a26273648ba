import { spread } from './timing.js';
import { verdict } from './verdict.js';
import type { Breakdown, Measurement } from './types.js';

export function sizeLabel(n: number): string {
  return n >= 1000 && n % 100 === 0 ? `${n / 1000}k` : String(n);
}

const ms = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1));

function targetLabel(m: Measurement): string {
  const t = m.target;
  if (!t) return '-';
  const parts = [];
  if (t.maxRatio !== undefined) parts.push(`<= ${t.maxRatio.toFixed(2)}x`);
  if (t.maxMs !== undefined) parts.push(`<= ${t.maxMs} ms`);
  if (t.at) parts.push(`@ ${t.at.map(sizeLabel).join(',')}`);
  return parts.join(' ');
}

function resultLabel(m: Measurement): string {
  const v = verdict(m);
  if (v.pass === null) return '-';
  const word = v.pass ? 'pass' : 'miss';
  return v.gated ? word.toUpperCase() : `(${word})`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const numeric = [false, false, true, true, true, true, true, false, false];
  return rows
    .map((r) =>
      r.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '),
    )
    .join('\n');
}

/** The larger relative interquartile range of the two sides, e.g. `12%`. */
function noise(m: Measurement): string {
  const n = Math.max(spread(m.product), m.reference ? spread(m.reference) : 0);
  return Number.isNaN(n) ? '-' : `${Math.round(n * 100)}%`;
}

/** The summary table: one row per benchmark and size. */
export function formatTable(ms_: Measurement[]): string {
  const rows = [
    ['size', 'benchmark', 'n', 'product ms', 'reference ms', 'ratio', 'noise', 'target', 'result'],
  ];
  for (const m of ms_) {
    const v = verdict(m);
    rows.push([
      sizeLabel(m.size),
      m.name,
      String(m.product.length),
      ms(v.productMs),
      ms(v.referenceMs),
      v.ratio === undefined ? '-' : `${v.ratio.toFixed(2)}x`,
      noise(m),
      targetLabel(m),
      resultLabel(m),
    ]);
  }
  const legend = [...new Map(ms_.map((m) => [m.name, m])).values()].map(
    (m) => `  ${m.name}: ${m.productLabel}${m.referenceLabel ? ` vs ${m.referenceLabel}` : ''}`,
  );
  return [
    table(rows),
    '',
    'medians in ms; ratio = product median / reference median, measured interleaved in the same run.',
    'noise: interquartile range / median of the noisier side; a ratio is only as good as its noise.',
    'PASS/MISS: gated targets; (pass)/(miss): the target is only set for another size.',
    ...legend,
  ].join('\n');
}

/** One line per measurement, for progress while the run goes on. */
export function formatLine(m: Measurement): string {
  const v = verdict(m);
  const ratio = v.ratio === undefined ? '' : `  ${v.ratio.toFixed(2)}x`;
  return `${sizeLabel(m.size)} ${m.name}: ${ms(v.productMs)} ms vs ${ms(v.referenceMs)} ms${ratio}  ${resultLabel(m)}`;
}

function formatSide(title: string, b: Breakdown): string[] {
  const lines = [`  ${title}: ${ms(b.totalMs)} ms (median of ${b.runs} probed runs)`];
  const w = Math.max(...b.calls.map((c) => c.name.length), 'outside subprocesses'.length);
  for (const c of b.calls)
    lines.push(
      `    ${c.name.padEnd(w)}  ${`${c.count}x`.padStart(3)}  ${ms(c.ms).padStart(8)} ms   spawn() ${ms(c.spawnMs)} ms`,
    );
  lines.push(`    ${'outside subprocesses'.padEnd(w)}       ${ms(b.otherMs).padStart(8)} ms`);
  return lines;
}

/** Where the time goes, per subprocess, for the measurements that were probed. */
export function formatBreakdowns(ms_: Measurement[]): string {
  const out: string[] = [];
  for (const m of ms_) {
    if (!m.breakdown) continue;
    out.push(`${m.name} @ ${sizeLabel(m.size)} files`);
    out.push(...formatSide(`product   ${m.productLabel}`, m.breakdown.product));
    if (m.breakdown.reference)
      out.push(...formatSide(`reference ${m.referenceLabel ?? ''}`, m.breakdown.reference));
    out.push('');
  }
  return out.join('\n');
}
