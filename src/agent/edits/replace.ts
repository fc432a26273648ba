/**
 * Applies one SEARCH/REPLACE to a file's text. Small models rarely quote a file perfectly, so a
 * few forgiving passes run in order, from strict to loose, and the first pass that finds
 * anything decides: exactly one place is replaced; several places are refused, since guessing
 * would edit the wrong one. The passes (in the spirit of aider's editblock coder):
 *   1. whole lines, exactly;
 *   2. the text as a fragment (inside a line or across lines), on word boundaries;
 *   3. whole lines shifted by a uniform indentation (the REPLACE is shifted the same way), with
 *      trailing spaces ignored;
 *   4. passes 1 and 3 again without blank lines at the edges of SEARCH (and REPLACE).
 * A miss is reported with the closest lines of the file, for the Coder's retry.
 */
import { fenced } from './fence.js';
import {
  dominantEol,
  fromLines,
  isBlank,
  leadingWhitespace,
  textLines,
  toLines,
  type Line,
} from './lines.js';
import { findClosest } from './similar.js';

export type ReplaceResult =
  | { ok: true; content: string; /** 1-based first line of the replaced text. */ line: number }
  | { ok: false; reason: 'none' | 'many'; closest?: string; message: string };

interface Hit {
  start: number;
  length: number;
  /** The REPLACE lines as they go in at this place (re-indented when needed). */
  lines: string[];
}

function exactHits(file: readonly string[], search: readonly string[], replace: readonly string[]): Hit[] {
  const hits: Hit[] = [];
  outer: for (let i = 0; i + search.length <= file.length; i++) {
    for (let k = 0; k < search.length; k++) if (file[i + k] !== search[k]) continue outer;
    hits.push({ start: i, length: search.length, lines: [...replace] });
  }
  return hits;
}

type Shift = { add: string } | { remove: string };

/** The uniform indentation change that turns `search` into the file's lines at `start`, if any. */
function shiftAt(file: readonly string[], search: readonly string[], start: number): Shift | undefined {
  let shift: Shift | undefined;
  for (let k = 0; k < search.length; k++) {
    const f = file[start + k]!;
    const s = search[k]!;
    if (isBlank(f) || isBlank(s)) {
      if (isBlank(f) && isBlank(s)) continue;
      return undefined;
    }
    const fi = leadingWhitespace(f);
    const si = leadingWhitespace(s);
    if (f.slice(fi.length).trimEnd() !== s.slice(si.length).trimEnd()) return undefined;
    let here: Shift;
    if (fi.endsWith(si)) here = { add: fi.slice(0, fi.length - si.length) };
    else if (si.endsWith(fi)) here = { remove: si.slice(0, si.length - fi.length) };
    else return undefined;
    if (!shift) shift = here;
    else if (JSON.stringify(shift) !== JSON.stringify(here)) return undefined;
  }
  return shift;
}

function reindent(lines: readonly string[], shift: Shift): string[] {
  return lines.map((l) => {
    if (isBlank(l)) return l;
    if ('add' in shift) return shift.add + l;
    if (l.startsWith(shift.remove)) return l.slice(shift.remove.length);
    return l.slice(Math.min(shift.remove.length, leadingWhitespace(l).length));
  });
}

function indentedHits(file: readonly string[], search: readonly string[], replace: readonly string[]): Hit[] {
  const hits: Hit[] = [];
  for (let i = 0; i + search.length <= file.length; i++) {
    const shift = shiftAt(file, search, i);
    if (shift) hits.push({ start: i, length: search.length, lines: reindent(replace, shift) });
  }
  return hits;
}

function lineHits(file: readonly string[], search: readonly string[], replace: readonly string[]): Hit[] {
  const exact = exactHits(file, search, replace);
  return exact.length > 0 ? exact : indentedHits(file, search, replace);
}

/** Replaces whole lines; new lines take the ending of the lines they replace. */
function splice(lines: readonly Line[], hit: Hit): string {
  const first = lines[hit.start];
  const last = lines[hit.start + hit.length - 1];
  const eol = first?.eol || dominantEol(lines);
  const added = hit.lines.map((text, k) => ({
    text,
    eol: k === hit.lines.length - 1 ? (last?.eol ?? eol) : eol,
  }));
  return fromLines([...lines.slice(0, hit.start), ...added, ...lines.slice(hit.start + hit.length)]);
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_$]/u.test(c);

/** Offsets where `needle` occurs in `hay` without cutting a word in two. */
function fragmentOffsets(hay: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = hay.indexOf(needle); at !== -1; at = hay.indexOf(needle, at + needle.length)) {
    const cutsStart = isWordChar(needle[0]) && isWordChar(hay[at - 1]);
    const cutsEnd = isWordChar(needle[needle.length - 1]) && isWordChar(hay[at + needle.length]);
    if (!cutsStart && !cutsEnd) found.push(at);
  }
  return found;
}

const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

function many(lineNumbers: number[]): ReplaceResult {
  const shown = lineNumbers.slice(0, 6).join(', ') + (lineNumbers.length > 6 ? ', …' : '');
  return {
    ok: false,
    reason: 'many',
    message:
      `The SEARCH text matches ${lineNumbers.length} places in the file (lines ${shown}). ` +
      'Add a few surrounding lines to SEARCH so that it matches exactly one place.',
  };
}

/** Blank lines at the edges of SEARCH are often stray; drop the same ones from REPLACE. */
function trimBlankEdges(
  search: string[],
  replace: string[],
): { search: string[]; replace: string[] } | undefined {
  let head = 0;
  while (head < search.length && isBlank(search[head]!)) head++;
  let tail = 0;
  while (tail < search.length - head && isBlank(search[search.length - 1 - tail]!)) tail++;
  if (head === 0 && tail === 0) return undefined;
  let rHead = 0;
  while (rHead < head && rHead < replace.length && isBlank(replace[rHead]!)) rHead++;
  let rTail = 0;
  while (rTail < tail && rTail < replace.length - rHead && isBlank(replace[replace.length - 1 - rTail]!))
    rTail++;
  return {
    search: search.slice(head, search.length - tail),
    replace: replace.slice(rHead, replace.length - rTail),
  };
}

function missing(
  file: readonly string[],
  search: string[],
  replace: string[],
  original: string,
): ReplaceResult {
  const near = findClosest(file, search);
  const closest = near ? file.slice(near.start, near.start + near.length).join('\n') : undefined;
  let message = 'The SEARCH text does not match the file.';
  if (near && closest !== undefined) {
    const range =
      near.length > 1 ? `lines ${near.start + 1}-${near.start + near.length}` : `line ${near.start + 1}`;
    message += ` The closest text in the file (${range}) is:\n${fenced(closest)}\n`;
  } else {
    message += ' Nothing in the file looks like it; read the file to see its current content.\n';
  }
  const replaceText = replace.join('\n');
  if (!isBlank(replaceText) && original.replace(/\r\n/g, '\n').includes(replaceText)) {
    message += 'The REPLACE text is already in the file: this change may have been applied already.\n';
  }
  message += 'Copy the SEARCH text exactly from the file, with its indentation and comments, and retry.';
  return { ok: false, reason: 'none', closest, message };
}

/** Replaces the one place of `original` that `search` names with `replace`. */
export function applyReplace(original: string, search: string, replace: string): ReplaceResult {
  const lines = toLines(original);
  const file = lines.map((l) => l.text);
  search = search.replace(/\r\n/g, '\n');
  replace = replace.replace(/\r\n/g, '\n');

  if (isBlank(search)) {
    if (!isBlank(original)) {
      return {
        ok: false,
        reason: 'none',
        message:
          'The SEARCH text is empty but the file is not. Quote the lines to change in SEARCH, ' +
          'or write the whole file instead.',
      };
    }
    return {
      ok: true,
      content: dominantEol(lines) === '\r\n' ? replace.replace(/\n/g, '\r\n') : replace,
      line: 1,
    };
  }

  const s = textLines(search);
  const r = textLines(replace);

  const exact = exactHits(file, s, r);
  if (exact.length === 1) return { ok: true, content: splice(lines, exact[0]!), line: exact[0]!.start + 1 };
  if (exact.length > 1) return many(exact.map((h) => h.start + 1));

  // Fragments: try the text as given, then with CRLF endings for a CRLF file.
  const forms = original.includes('\r\n') && search.includes('\n') ? [false, true] : [false];
  for (const crlf of forms) {
    const needle = crlf ? search.replace(/\n/g, '\r\n') : search;
    const offsets = fragmentOffsets(original, needle);
    if (offsets.length > 1) return many(offsets.map((o) => lineOf(original, o)));
    if (offsets.length === 1) {
      const at = offsets[0]!;
      const with_ = crlf ? replace.replace(/\n/g, '\r\n') : replace;
      return {
        ok: true,
        content: original.slice(0, at) + with_ + original.slice(at + needle.length),
        line: lineOf(original, at),
      };
    }
  }

  const shifted = indentedHits(file, s, r);
  if (shifted.length === 1)
    return { ok: true, content: splice(lines, shifted[0]!), line: shifted[0]!.start + 1 };
  if (shifted.length > 1) return many(shifted.map((h) => h.start + 1));

  const trimmed = trimBlankEdges(s, r);
  if (trimmed && trimmed.search.length > 0) {
    const hits = lineHits(file, trimmed.search, trimmed.replace);
    if (hits.length === 1) return { ok: true, content: splice(lines, hits[0]!), line: hits[0]!.start + 1 };
    if (hits.length > 1) return many(hits.map((h) => h.start + 1));
  }

  return missing(file, trimmed?.search.length ? trimmed.search : s, r, original);
}
