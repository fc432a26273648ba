import { spread } from './timing.js';
import { verdict } from './verdict.js';
import type { Breakdown, Measurement } from './types.js';

export function sizeLabel(n: number): string {
  if (n <= 0) return '-';
  return n >= 1000 && n % 100 === 0 ? `${n / 1000}k` : String(n);
}

/** One decimal, or two significant digits below 1 ms (the queue's overhead is microseconds). */
const ms = (x: number | undefined) =>
  x === undefined || Number.isNaN(x) ? '-' : Math.abs(x) >= 1 || x === 0 ? x.toFixed(1) : x.toPrecision(2);

/** A median in the measurement's unit; fractions are starred, the legend says they are not ms. */
const value = (m: Measurement, x: number | undefined) =>
  m.unit === 'fraction'
    ? x === undefined
      ? '-'
      : `${x.toFixed(3)}*`
    : m.unit === 'count'
      ? x === undefined
        ? '-'
        : `${x}#`
      : ms(x);

const extra = (m: Measurement, x: number | undefined) =>
  x === undefined || m.unit === 'fraction' || m.unit === 'count' ? '-' : `${x >= 0 ? '+' : ''}${ms(x)}`;

function targetLabel(m: Measurement): string {
  const t = m.target;
  if (!t) return '-';
  const parts = [];
  if (t.maxRatio !== undefined) parts.push(`<= ${t.maxRatio.toFixed(2)}x`);
  if (t.maxMs !== undefined) parts.push(`<= ${t.maxMs} ms`);
  if (t.maxExtraMs !== undefined) parts.push(`<= +${t.maxExtraMs} ms`);
  if (t.minValue !== undefined) parts.push(`>= ${t.minValue}`);
  if (t.maxValue !== undefined) parts.push(`<= ${t.maxValue}`);
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
  const numeric = [false, false, true, true, true, true, true, true, false, false];
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
    [
      'size',
      'benchmark',
      'n',
      'product ms',
      'reference ms',
      'extra ms',
      'ratio',
      'noise',
      'target',
      'result',
    ],
  ];
  for (const m of ms_) {
    const v = verdict(m);
    rows.push([
      sizeLabel(m.size),
      m.name,
      String(m.product.length),
      value(m, v.productMs),
      value(m, v.referenceMs),
      extra(m, v.extraMs),
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
    'extra ms = product median - reference median: what the product adds to each run.',
    ...(ms_.some((m) => m.unit === 'fraction')
      ? ['*: a fraction (e.g. busy time / wall time), not ms.']
      : []),
    ...(ms_.some((m) => m.unit === 'count') ? ['#: a count (e.g. of corpus cases), not ms.'] : []),
    'noise: interquartile range / median of the noisier side; a ratio is only as good as its noise.',
    'PASS/MISS: gated targets; (pass)/(miss): the target is only set for another size.',
    ...legend,
  ].join('\n');
}

/** One line per measurement, for progress while the run goes on. */
export function formatLine(m: Measurement): string {
  const v = verdict(m);
  const ratio = v.ratio === undefined ? '' : `  ${v.ratio.toFixed(2)}x`;
  const added = m.target?.maxExtraMs !== undefined ? `  ${extra(m, v.extraMs)} ms` : '';
  const unit = m.unit === 'fraction' || m.unit === 'count' ? '' : ' ms';
  const sides = `${value(m, v.productMs)}${unit} vs ${value(m, v.referenceMs)}${unit}`;
  return `${sizeLabel(m.size)} ${m.name}: ${sides}${ratio}${added}  ${resultLabel(m)}`;
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

/** The notes of the measurements that have some: where the time goes, outside subprocesses. */
export function formatNotes(ms_: Measurement[]): string {
  const out: string[] = [];
  for (const m of ms_) {
    if (!m.notes?.length) continue;
    out.push(m.size > 0 ? `${m.name} @ ${sizeLabel(m.size)} files` : m.name);
    out.push(...m.notes.map((line) => `  ${line}`), '');
  }
  return out.join('\n');
}
