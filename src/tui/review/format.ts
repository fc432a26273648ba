import { FactoryError } from '../../errors.js';
import type { TaskStatus } from '../../tasks/status.js';

/** Small text helpers for the review screens. Everything here is pure. */

export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(s)) return '-';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** The status in words, so it reads the same with and without colour. */
export function statusLabel(status: TaskStatus, detail?: string, rolledBackFrom?: string): string {
  if (rolledBackFrom) return `${status} (rolled back from ${rolledBackFrom})`;
  return status === 'running' && detail ? `running (${detail})` : status;
}

/** Cuts to `width` characters with an ellipsis, then pads, so columns line up. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

export function cut(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

// CSI, OSC and two-character escapes: a check's colours or a model's stray escapes must not reach
// the terminal, where they would move the cursor and break the frame.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/**
 * One line made safe to print: escapes removed, tabs expanded (the terminal would otherwise
 * widen the line past what Ink measured), other control characters shown as `·`.
 */
export function clean(line: string): string {
  let out = line.includes('\x1b') ? line.replace(ANSI, '') : line;
  if (out.endsWith('\r')) out = out.slice(0, -1);
  // A progress bar redraws with \r: the last redraw is what the terminal showed.
  if (out.includes('\r')) out = out.slice(out.lastIndexOf('\r') + 1);
  if (out.includes('\t')) {
    let col = 0;
    let expanded = '';
    for (const ch of out) {
      if (ch === '\t') {
        const n = 4 - (col % 4);
        expanded += ' '.repeat(n);
        col += n;
      } else {
        expanded += ch;
        col++;
      }
    }
    out = expanded;
  }
  return out.replace(CONTROL, '·');
}

/** A block of text as clean lines. */
export function cleanLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map(clean);
}

/** What the user should read about a failure: the message and the hint, never a stack. */
export function describeError(e: unknown): string {
  if (e instanceof FactoryError) return e.hint ? `${e.message} — ${e.hint}` : e.message;
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

export const shortSha = (sha: string | null | undefined) => (sha ? sha.slice(0, 10) : '-');
