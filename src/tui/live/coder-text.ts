/** The streamed Coder text of one task, made safe and small enough to redraw many times a second. */

/** Enough for a screenful of the reply's tail; older text is never shown again. */
export const TEXT_CAP = 16_000;

// Escape sequences from the model would move the cursor or restyle the terminal under Ink;
// matching control characters is the point here.
/* eslint-disable no-control-regex */
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/* eslint-enable no-control-regex */

export function clean(text: string): string {
  return text.replace(ESCAPES, '').replace(/\r\n?/g, '\n').replace(/\t/g, '    ').replace(CONTROLS, '');
}

/** Appends a delta, dropping the oldest text beyond the cap. Escapes split across deltas are rare and only cosmetic. */
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
