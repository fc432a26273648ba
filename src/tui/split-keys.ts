import type { Key } from 'ink';

/**
 * Ink hands `useInput` one input per escape sequence, but a run of plain characters that arrived
 * in one read (`jj`, `k` + Enter, fast typing, `tmux send-keys j j`) comes as a single input.
 * These helpers take such a run apart, so every key of it is handled, in order.
 */

export type KeyPress = readonly [input: string, key: Key];

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

const FLAGS = Object.keys(NO_KEY) as (keyof Key)[];

/** Several characters with no key flag: what Ink makes of characters that arrived together. */
export function isRun(input: string, key: Key): boolean {
  return [...input].length > 1 && FLAGS.every((f) => key[f] !== true);
}

/** One character as Ink describes it when it arrives alone. */
export function keyOf(ch: string): KeyPress {
  const code = ch.codePointAt(0)!;
  if (ch === '\r') return ['\r', { ...NO_KEY, return: true }];
  if (ch === '\t') return ['', { ...NO_KEY, tab: true }];
  if (ch === '\b') return ['', { ...NO_KEY, backspace: true }];
  if (ch === '\x7f') return ['', { ...NO_KEY, delete: true }];
  if (ch === '\n') return ['\n', NO_KEY];
  // Ctrl-A … Ctrl-Z arrive as 1 … 26.
  if (code >= 1 && code <= 26) return [String.fromCharCode(code + 96), { ...NO_KEY, ctrl: true }];
  if (/^[A-Z]$/.test(ch)) return [ch, { ...NO_KEY, shift: true }];
  return [ch, NO_KEY];
}

/**
 * The first key of an input and what is left of it (null when nothing is). Besides runs of
 * characters, Esc followed at once by a character reads as Alt+character; the TUIs bind no Alt
 * keys, so it is taken for what the user typed: Esc, then the character.
 */
export function firstKey(input: string, key: Key): [KeyPress, KeyPress | null] {
  const altOnly = FLAGS.every((f) => f === 'meta' || f === 'shift' || !key[f]);
  if (key.meta && !key.escape && [...input].length === 1 && altOnly)
    return [['', { ...NO_KEY, escape: true, meta: true }], keyOf(input)];
  if (!isRun(input, key)) return [[input, key], null];
  const [first, ...rest] = [...input];
  return [keyOf(first!), rest.length === 1 ? keyOf(rest[0]!) : [rest.join(''), NO_KEY]];
}

/** Every key of an input, in order. */
export function splitKeys(input: string, key: Key): KeyPress[] {
  const out: KeyPress[] = [];
  let next: KeyPress | null = [input, key];
  while (next) {
    const [first, rest]: [KeyPress, KeyPress | null] = firstKey(...next);
    out.push(first);
    next = rest;
  }
  return out;
}
