/**
 * Text that came from a model, a check or a task title, made safe to print on a terminal.
 *
 * Escape sequences (screen clear, OSC 0 title, OSC 52 clipboard writes) and other control
 * characters are shown, not obeyed: each becomes a visible symbol (`ESC` as `␛`, BEL as `␇`),
 * C1 controls and bidi overrides become `\u{…}`. Newlines (and tabs) survive only where the
 * caller prints several lines.
 */

// C0 controls, DEL, C1 controls, and the bidi overrides that make text display as something else.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function show(ch: string, keepLines: boolean): string {
  const code = ch.codePointAt(0)!;
  if (keepLines && (ch === '\n' || ch === '\t')) return ch;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code); // ␀ … ␟ (␛ for ESC)
  if (code === 0x7f) return '␡';
  return `\\u{${code.toString(16)}}`;
}

export interface VisibleOptions {
  /** Keep `\n` and `\t` (for multi-line output such as a log); a lone `\r` is still shown. */
  multiline?: boolean;
}

export function visible(text: string, opts: VisibleOptions = {}): string {
  const keep = opts.multiline ?? false;
  const src = keep ? text.replace(/\r\n/g, '\n') : text;
  return src.replace(UNSAFE, (ch) => show(ch, keep));
}
