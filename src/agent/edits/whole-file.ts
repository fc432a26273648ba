/**
 * Decides what a whole-file block for an existing file means before it is written. A model
 * that sends a placeholder line, or a function or a section far shorter than the file, did not
 * mean "this is the whole file now"; written as given, the rest of the file would be lost in
 * silence. So: a placeholder is refused; a far shorter block from a text reply replaces the one
 * function or section it is, when that place is beyond doubt (section.ts), and is refused
 * otherwise, with a message that asks for SEARCH/REPLACE.
 */
import { findElision } from './elision.js';
import { replaceSection } from './section.js';

export type WholeFile = { ok: true; content: string; note?: string } | { ok: false; message: string };

const nonBlank = (text: string) => text.split(/\r?\n/).filter((l) => l.trim() !== '').length;

/** Non-blank lines of a file below which any block may replace it whole. */
const SMALL_FILE = 6;

/** Git's conflict markers: a file holding them is rewritten whole to resolve it. */
const CONFLICT = /^(?:<{7}|>{7})(?: |$)/m;

/**
 * True when `content` is far shorter than the file it would replace. Never for a file in
 * conflict: both sides and the markers make it long, and the whole resolved file is the answer.
 */
export function farShorter(previous: string, content: string): boolean {
  if (CONFLICT.test(previous)) return false;
  const before = nonBlank(previous);
  return before >= SMALL_FILE && nonBlank(content) * 2 < before;
}

export function elisionMessage(path: string, line: string, where: 'block' | 'REPLACE'): string {
  return where === 'block'
    ? `The block for ${path} leaves code out ("${line}" looks like a placeholder for elided code). ` +
        'A whole-file block replaces the entire file: send the complete file, with every line, or ' +
        'change parts of it with SEARCH/REPLACE blocks.'
    : `${path}: the REPLACE line "${line}" looks like a placeholder for elided code; written as ` +
        'given, it would delete that code. Send the full text: every line that should be there ' +
        '(make the SEARCH smaller to keep the REPLACE short).';
}

/**
 * The content to write for a whole-file block to `path`, which holds `previous` (undefined for
 * a new file). `fromText` is set for blocks parsed from a text reply: only they can be a
 * snippet sent as if it were the file (a tool call's content is the file by definition).
 */
export function wholeFile(
  path: string,
  previous: string | undefined,
  content: string,
  fromText?: { label?: string },
): WholeFile {
  if (fromText?.label !== undefined && previous !== undefined) {
    // A first-line label that is the file's own first line is content, not a label.
    const first = previous.split(/\r?\n/, 1)[0];
    if (first === fromText.label) content = `${fromText.label}\n${content}`;
  }
  // A placeholder deletes code only from a file that exists; in a new file it is checked only
  // when the file came as a text block, as before (a script task's first script is not).
  const gap = previous !== undefined || fromText ? findElision(content, previous ?? '', path) : undefined;
  if (gap) return { ok: false, message: elisionMessage(path, gap, 'block') };
  if (!fromText || previous === undefined || !farShorter(previous, content)) return { ok: true, content };
  const replaced = replaceSection(previous, content, path);
  if (replaced !== undefined)
    return { ok: true, content: replaced, note: 'the one definition or section it is' };
  return {
    ok: false,
    message:
      `The block for ${path} has ${nonBlank(content)} lines but the file has ${nonBlank(previous)}: ` +
      'a block under a file name replaces the whole file, so it was not written. To change part of ' +
      `the file, use SEARCH/REPLACE blocks:\n\n${path}\n<<<<<<< SEARCH\nthe exact lines to change, ` +
      'copied from the file\n=======\nthe new lines\n>>>>>>> REPLACE\n\nTo rewrite the file, send all of it.',
  };
}
