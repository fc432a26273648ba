import { FactoryError } from '../../errors.js';
import type { TaskStatus } from '../../tasks/status.js';
import { visible } from '../../visible.js';

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
  return status === 'running' && detail ? `running (${clean(detail)})` : status;
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

/** Tabs to spaces at stops of 4: a tab's width is the terminal's choice, and Ink must know it. */
export function expandTabs(line: string): string {
  if (!line.includes('\t')) return line;
  let col = 0;
  let out = '';
  for (const ch of line) {
    if (ch === '\t') {
      const n = 4 - (col % 4);
      out += ' '.repeat(n);
      col += n;
    } else {
      out += ch;
      col++;
    }
  }
  return out;
}

/**
 * One line of text from a model, a check or a title, made safe to print: every control
 * character (escape sequences included) is shown as a visible symbol by `visible()`, never
 * obeyed, so a screen clear, a title change or a clipboard write stays text on the screen.
 * Tabs are expanded first (the terminal would otherwise widen the line past what Ink measured);
 * the carriage return of a CRLF line end is dropped.
 */
export function clean(line: string): string {
  return visible(expandTabs(line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** A block of text as clean lines. */
export function cleanLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map(clean);
}

/**
 * One line broken into pieces of at most `width` characters: at the last space that fits, or
 * mid-word when a word is longer than the line. Leading indentation stays on the first piece.
 */
export function wrapLine(line: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  let rest = [...line];
  while (rest.length > w) {
    const indent = rest.findIndex((ch) => ch !== ' ');
    let cut = rest.lastIndexOf(' ', w);
    if (cut <= indent) cut = -1;
    out.push(
      rest
        .slice(0, cut > 0 ? cut : w)
        .join('')
        .trimEnd(),
    );
    rest = rest.slice(cut > 0 ? cut + 1 : w);
  }
  out.push(rest.join(''));
  return out;
}

/** Every line of `text` wrapped to `width`. */
export function wrapText(text: string, width: number): string[] {
  return text.split('\n').flatMap((l) => wrapLine(l, width));
}

/** What the user should read about a failure: the message and the hint, never a stack. */
export function describeError(e: unknown): string {
  if (e instanceof FactoryError) return e.hint ? `${e.message} — ${e.hint}` : e.message;
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

export const shortSha = (sha: string | null | undefined) => (sha ? sha.slice(0, 10) : '-');
