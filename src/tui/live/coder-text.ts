import { visible } from '../../visible.js';

/** The streamed Coder text of one task, made safe and small enough to redraw many times a second. */

/** Enough for a screenful of the reply's tail; older text is never shown again. */
export const TEXT_CAP = 16_000;

/**
 * The model's text made safe to print: escape sequences and other control characters are shown
 * as visible symbols (`visible()`), never obeyed; line breaks stay, tabs become spaces (Ink must
 * know each line's width).
 */
export function clean(text: string): string {
  return visible(text, { multiline: true }).replace(/\t/g, '    ');
}

/** Appends a delta, dropping the oldest text beyond the cap. Each character is made visible on its own, so an escape split across deltas is shown too. */
export function appendCapped(buffer: string, delta: string, cap = TEXT_CAP): string {
  const next = buffer + clean(delta);
  return next.length > cap ? next.slice(next.length - cap) : next;
}

/**
 * The last `count` screen lines of `text` at `width` columns: long lines are wrapped by code
 * points (prose comes as one long line per paragraph, and truncating it would hide most of it).
 */
export function tailLines(text: string, width: number, count: number): string[] {
  if (count <= 0 || text === '') return [];
  const w = Math.max(1, width);
  const out: string[] = [];
  const lines = text.replace(/\n$/, '').split('\n');
  for (let i = lines.length - 1; i >= 0 && out.length < count; i--) {
    const chars = Array.from(lines[i]!);
    const pieces: string[] = [];
    for (let j = 0; j < chars.length; j += w) pieces.push(chars.slice(j, j + w).join(''));
    if (pieces.length === 0) pieces.push('');
    out.unshift(...pieces.slice(Math.max(0, pieces.length - (count - out.length))));
  }
  return out;
}
