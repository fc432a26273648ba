import { performance } from 'node:perf_hooks';
import type { RecordedRequest } from '../../src/scripted-server/index.js';
import { median } from '../timing.js';
import type { AttemptTrace, Call } from './attempts.js';

/** The legs of an attempt, between two of its marks: together they cover it exactly. */
const SEGMENTS: { label: string; from: string; to: string }[] = [
  { label: 'next attempt number (attempt refs, history)', from: 'start', to: 'phase:coder' },
  { label: 'coder context (ls-files, ranking, file reads, map)', from: 'phase:coder', to: 'prompt:coder' },
  { label: 'coder call (queue, client, server)', from: 'prompt:coder', to: 'reply:coder' },
  { label: 'edits + step commits', from: 'reply:coder', to: 'phase:check' },
  { label: 'check call', from: 'phase:check', to: 'check' },
  { label: 'diff since the attempt start', from: 'check', to: 'phase:sheriff' },
  { label: 'sheriff context', from: 'phase:sheriff', to: 'prompt:sheriff' },
  { label: 'sheriff call (queue, client, server)', from: 'prompt:sheriff', to: 'reply:sheriff' },
  { label: 'verdict, stagnation guard', from: 'reply:sheriff', to: 'phase:commit' },
  { label: 'attempt commit', from: 'phase:commit', to: 'attempt' },
];

/** The check's own process: it is excluded, so it is not one of the attempt's subprocesses. */
const isCheck = (c: Call) => !c.name.startsWith('git ');

function markAt(t: AttemptTrace, name: string): number {
  if (name === 'start') return t.start;
  const found = t.marks.filter((m) => m.name === name);
  if (found.length !== 1) throw new Error(`attempt ${t.n}: ${found.length} '${name}' events, expected 1`);
  return found[0]!.at;
}

/** What one attempt cost beyond its check's run time: the measured value. */
export const overheadMs = (t: AttemptTrace): number => t.end - t.start - t.checkMs;

export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? NaN;
}

/** Wall time during which at least one of `calls` ran. */
export function busyMs(calls: Call[]): number {
  let total = 0;
  let until = -Infinity;
  for (const c of [...calls].sort((x, y) => x.start - y.start)) {
    if (c.end <= until) continue;
    total += c.end - Math.max(c.start, until);
    until = c.end;
  }
  return total;
}

/** The subprocesses started within [from, to). */
export const callsIn = (calls: Call[], from: number, to: number): Call[] =>
  calls.filter((c) => c.start >= from && c.start < to);

interface Row {
  label: string;
  values: number[];
  git?: { count: number[]; ms: number[] };
}

/** The server's record of a call, its times moved to this process's performance clock. */
function served(recs: RecordedRequest[], i: number | undefined) {
  const r = i === undefined ? undefined : recs[i];
  if (!r || r.endedAt === undefined) return undefined;
  return { arrived: r.arrivedAt - performance.timeOrigin, ended: r.endedAt - performance.timeOrigin };
}

/** The two legs of a model call as the server saw it: before its arrival, and its answer. */
function modelRows(attempts: AttemptTrace[], recs: RecordedRequest[], role: 'coder' | 'sheriff'): Row[] {
  const before: number[] = [];
  const serving: number[] = [];
  const after: number[] = [];
  for (const t of attempts) {
    const s = served(recs, t.requests[role]);
    if (!s) continue;
    before.push(s.arrived - markAt(t, `prompt:${role}`));
    serving.push(s.ended - s.arrived);
    after.push(markAt(t, `reply:${role}`) - s.ended);
  }
  return [
    { label: '  request to the server (queue, SDK, HTTP)', values: before },
    { label: '  server: read, pick, stream the answer', values: serving },
    { label: '  last byte to the reply event (parse)', values: after },
  ];
}

function rows(attempts: AttemptTrace[], calls: Call[], recs: RecordedRequest[]): Row[] {
  const git = calls.filter((c) => !isCheck(c));
  const out: Row[] = [];
  for (const s of SEGMENTS) {
    const spans = attempts.map((t) => [markAt(t, s.from), markAt(t, s.to)] as const);
    const inside = spans.map(([a, b]) => callsIn(git, a, b));
    const row: Row = {
      label: s.label,
      values: spans.map(([a, b]) => b - a),
      git: { count: inside.map((c) => c.length), ms: inside.map((c) => c.reduce((n, x) => n + x.ms, 0)) },
    };
    if (s.from !== 'phase:check') out.push(row);
    if (s.from === 'prompt:coder') out.push(...modelRows(attempts, recs, 'coder'));
    if (s.from === 'prompt:sheriff') out.push(...modelRows(attempts, recs, 'sheriff'));
    if (s.from === 'phase:check') {
      out.push({
        label: 'check call beyond its durationMs (executor)',
        values: row.values.map((v, i) => v - attempts[i]!.checkMs),
      });
    }
  }
  const windows = attempts.map((t) => callsIn(git, t.start, t.end));
  out.push({
    label: 'overhead (attempt - check durationMs)',
    values: attempts.map(overheadMs),
    git: { count: windows.map((c) => c.length), ms: windows.map((c) => c.reduce((n, x) => n + x.ms, 0)) },
  });
  out.push({
    label: '  of which no git subprocess ran (in process)',
    values: attempts.map((t, i) => overheadMs(t) - busyMs(windows[i]!)),
  });
  out.push({ label: 'check (excluded: ExecResult.durationMs)', values: attempts.map((t) => t.checkMs) });
  return out;
}

const f1 = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(1));

/** A table of the median of each leg, its share of the median overhead, and the git calls in it. */
export function phaseTable(attempts: AttemptTrace[], calls: Call[], recs: RecordedRequest[]): string[] {
  const all = rows(attempts, calls, recs);
  const total = median(attempts.map(overheadMs));
  const w = Math.max(...all.map((r) => r.label.length));
  const head = `${'median per attempt'.padEnd(w)}  ${'ms'.padStart(7)}  ${'share'.padStart(5)}  git calls (ms)`;
  const lines = all.map((r) => {
    const m = median(r.values);
    const share = r.label.startsWith('check (') ? '-' : `${Math.round((m / total) * 100)}%`;
    const git = r.git ? `${median(r.git.count)} (${f1(median(r.git.ms))})` : '';
    return `${r.label.padEnd(w)}  ${f1(m).padStart(7)}  ${share.padStart(5)}  ${git}`.trimEnd();
  });
  return [head, ...lines];
}
