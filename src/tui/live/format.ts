import { elapsedMs, type TaskRow } from './rows.js';

/** Fixed column widths; the title takes what is left of the line. */
export const COLUMNS = { mark: 2, id: 4, attempt: 5, phase: 10, check: 8, tps: 7, wait: 7, time: 7 } as const;

export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

export function checkCell(c: TaskRow['check']): string {
  if (!c) return '-';
  if (c.timedOut) return 'timeout';
  return c.exitCode === null ? 'killed' : `exit ${c.exitCode}`;
}

export function rateCell(tps: number | null): string {
  if (!tps) return '-';
  return tps < 100 ? tps.toFixed(1) : String(Math.round(tps));
}

export function waitCell(row: TaskRow): string {
  if (row.queued) return 'queued';
  return row.waitMsAvg === null ? '-' : `${(row.waitMsAvg / 1000).toFixed(1)}s`;
}

/** The cells of one row, padded to their columns, in display order. */
export function rowCells(row: TaskRow, now: number): Record<Exclude<keyof typeof COLUMNS, 'mark'>, string> {
  const pad = (s: string, w: number) => (s.length >= w ? `${s.slice(0, w - 1)} ` : s.padEnd(w));
  return {
    id: pad(String(row.id), COLUMNS.id),
    attempt: pad(row.attempt ? String(row.attempt) : '-', COLUMNS.attempt),
    phase: pad(row.state, COLUMNS.phase),
    check: pad(checkCell(row.check), COLUMNS.check),
    tps: pad(rateCell(row.tokensPerSecond), COLUMNS.tps),
    wait: pad(waitCell(row), COLUMNS.wait),
    time: pad(clock(elapsedMs(row, now)), COLUMNS.time),
  };
}

export function headerCells(): string {
  const h = (s: string, w: number) => s.padEnd(w);
  return (
    ' '.repeat(COLUMNS.mark) +
    h('ID', COLUMNS.id) +
    h('ATT', COLUMNS.attempt) +
    h('PHASE', COLUMNS.phase) +
    h('CHECK', COLUMNS.check) +
    h('TOK/S', COLUMNS.tps) +
    h('WAIT', COLUMNS.wait) +
    h('TIME', COLUMNS.time) +
    'TITLE'
  );
}

/** "3 tasks: 1 running, 2 passed", counting final outcomes by name. */
export function countsLine(rows: readonly TaskRow[], done: boolean): string {
  // The first task is being created (a worktree, a branch) before the runner reports it.
  if (rows.length === 0) return done ? 'no tasks ran' : 'starting';
  const counts = new Map<string, number>();
  for (const r of rows) {
    const key = r.final || done ? r.state : 'running';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const parts = [...counts].map(([k, n]) => `${n} ${k}`);
  return `${rows.length} task${rows.length === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}
