/**
 * Applies one SEARCH/REPLACE to a file's text. Small models rarely quote a file perfectly, so a
 * few forgiving passes run in order, from strict to loose, and the first pass that finds
 * anything decides: exactly one place is replaced; several places are refused, since guessing
 * would edit the wrong one. The passes (in the spirit of aider's editblock coder):
 *   1. whole lines, exactly;
 *   2. the text as a fragment (inside a line or across lines), on word boundaries;
 *   3. whole lines shifted by a uniform indentation (the REPLACE is shifted the same way), with
 *      trailing spaces ignored;
 *   4. whole lines indented with tabs where SEARCH has spaces, or the other way round (the
 *      REPLACE is re-indented in the file's style);
 *   5. passes 1, 3 and 4 again without blank lines at the edges of SEARCH (and REPLACE).
 * A miss is reported with the closest lines of the file and how they differ from SEARCH
 * (indentation, trailing blanks, text), for the Coder's retry.
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

/** Columns a run of leading whitespace takes, with tabs `tab` columns wide. */
function columns(ws: string, tab: number): number {
  let c = 0;
  for (const ch of ws) c = ch === '\t' ? (Math.floor(c / tab) + 1) * tab : c + 1;
  return c;
}

/** Tab widths to try; one at which the depths agree as they are beats one that needs a shift. */
const TAB_TRIALS = [
  [4, false],
  [2, false],
  [8, false],
  [4, true],
  [2, true],
  [8, true],
] as const;

/**
 * Hits where SEARCH differs from the file only in how it indents (tabs versus spaces), at one
 * tab width and a uniform shift. The REPLACE lines keep their depth and take the file's style.
 */
function tabHits(file: readonly string[], search: readonly string[], replace: readonly string[]): Hit[] {
  const searchWs = search.map(leadingWhitespace);
  if (!searchWs.some((w) => w.length > 0)) return [];
  for (const [tab, shifted] of TAB_TRIALS) {
    const hits: Hit[] = [];
    for (let i = 0; i + search.length <= file.length; i++) {
      let delta: number | undefined;
      let tabs = false;
      let ok = true;
      for (let k = 0; k < search.length && ok; k++) {
        const f = file[i + k]!;
        const s = search[k]!;
        if (isBlank(f) || isBlank(s)) {
          ok = isBlank(f) && isBlank(s);
          continue;
        }
        const fi = leadingWhitespace(f);
        if (f.slice(fi.length).trimEnd() !== s.slice(searchWs[k]!.length).trimEnd()) ok = false;
        const d = columns(fi, tab) - columns(searchWs[k]!, tab);
        if (delta === undefined) delta = d;
        else if (d !== delta) ok = false;
        if (fi.includes('\t')) tabs = true;
      }
      if (!ok || delta === undefined || (!shifted && delta !== 0)) continue;
      const shift = delta;
      const lines = replace.map((l) => {
        if (isBlank(l)) return l;
        const lw = leadingWhitespace(l);
        const c = Math.max(0, columns(lw, tab) + shift);
        const ws = tabs ? '\t'.repeat(Math.floor(c / tab)) + ' '.repeat(c % tab) : ' '.repeat(c);
        return ws + l.slice(lw.length);
      });
      hits.push({ start: i, length: search.length, lines });
    }
    if (hits.length > 0) return hits;
  }
  return [];
}

function lineHits(file: readonly string[], search: readonly string[], replace: readonly string[]): Hit[] {
  const exact = exactHits(file, search, replace);
  if (exact.length > 0) return exact;
  const shifted = indentedHits(file, search, replace);
  return shifted.length > 0 ? shifted : tabHits(file, search, replace);
}

/** "a tab", "4 spaces", "2 tabs and a space", "no indentation". */
function describeIndent(ws: string): string {
  if (ws === '') return 'no indentation';
  const tabs = ws.split('').filter((c) => c === '\t').length;
  const spaces = ws.length - tabs;
  const n = (k: number, one: string, many: string) => (k === 1 ? `a ${one}` : `${k} ${many}`);
  return [tabs ? n(tabs, 'tab', 'tabs') : '', spaces ? n(spaces, 'space', 'spaces') : '']
    .filter(Boolean)
    .join(' and ');
}

const shown = (text: string) => '`' + (text.length > 100 ? `${text.slice(0, 100)}…` : text) + '`';

/** How the closest lines of the file differ from SEARCH, line by line (at most a few notes). */
function differences(file: readonly string[], start: number, search: readonly string[]): string[] {
  const notes: string[] = [];
  for (let k = 0; k < search.length && start + k < file.length && notes.length < 4; k++) {
    const f = file[start + k]!;
    const s = search[k]!;
    if (f === s) continue;
    const at = `line ${start + k + 1}`;
    const fi = leadingWhitespace(f);
    const si = leadingWhitespace(s);
    if (!isBlank(f) && !isBlank(s) && fi !== si) {
      notes.push(
        `${at}: the file indents with ${describeIndent(fi)} where your SEARCH has ${describeIndent(si)}`,
      );
    }
    const fr = f.slice(fi.length);
    const sr = s.slice(si.length);
    if (fr === sr) continue;
    if (fr.trimEnd() === sr.trimEnd()) notes.push(`${at}: the trailing whitespace differs`);
    else
      notes.push(`${at}: the file has ${shown(fr.trimEnd())} where your SEARCH has ${shown(sr.trimEnd())}`);
  }
  return notes;
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
    const notes = differences(file, near.start, search);
    if (notes.length > 0)
      message += `How it differs from your SEARCH:\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
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

  let shifted = indentedHits(file, s, r);
  if (shifted.length === 0) shifted = tabHits(file, s, r);
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
