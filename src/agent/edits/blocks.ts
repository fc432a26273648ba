/**
 * Line-level recognisers for the two text edit formats: Markdown fences and SEARCH/REPLACE
 * markers. Kept apart from the parser so the rules (what opens, what closes) read in one place.
 */

export interface Fence {
  /** Columns of indentation of the opening line; stripped from the content lines. */
  indent: number;
  char: '`' | '~';
  len: number;
  info: string;
}

export function fenceAt(line: string): Fence | undefined {
  const m = /^([ \t]*)(`{3,}|~{3,})(.*)$/.exec(line);
  if (!m) return undefined;
  const char = m[2]![0] as '`' | '~';
  const info = m[3]!;
  // A backtick fence's info string cannot contain backticks (CommonMark); that is inline code.
  if (char === '`' && info.includes('`')) return undefined;
  return { indent: m[1]!.length, char, len: m[2]!.length, info: info.trim() };
}

const HEAD = /^\s*<{5,9}\s*(?:SEARCH|ORIGINAL)\s*$/;
const DIVIDER = /^\s*={5,9}\s*$/;
const TAIL = /^\s*>{5,9}\s*(?:REPLACE|UPDATED)\s*$/;

export const isSearchHead = (line: string) => HEAD.test(line);

export interface SearchBlock {
  search: string[];
  replace: string[];
  /** Index of the `>>>>>>> REPLACE` line. */
  end: number;
}

/** The SEARCH/REPLACE block whose head is at `head`, or what it is missing. */
export function scanSearchBlock(lines: readonly string[], head: number): SearchBlock | { missing: string } {
  let divider = -1;
  for (let j = head + 1; j < lines.length; j++) {
    if (divider === -1 && DIVIDER.test(lines[j]!)) divider = j;
    else if (divider !== -1 && TAIL.test(lines[j]!)) {
      return { search: lines.slice(head + 1, divider), replace: lines.slice(divider + 1, j), end: j };
    } else if (HEAD.test(lines[j]!)) break;
  }
  return { missing: divider === -1 ? '=======' : '>>>>>>> REPLACE' };
}

function closes(line: string, open: Fence): boolean {
  const f = fenceAt(line);
  return !!f && f.char === open.char && f.len >= open.len && f.info === '';
}

/**
 * The index of the line that closes the fence opened at `open`. A fence inside the content
 * (a README with a ```bash example, a docstring with one) is handled two ways: a shorter fence
 * never closes a longer one, and an opener with a language tag is taken as a nested block that
 * its own bare fence closes. If that pairing never closes, the plain first closer wins.
 * SEARCH/REPLACE blocks are skipped whole: their text may contain fences of the edited file.
 */
export function findFenceEnd(lines: readonly string[], open: number): number | undefined {
  const fence = fenceAt(lines[open]!)!;
  let depth = 0;
  for (let j = open + 1; j < lines.length; j++) {
    const line = lines[j]!;
    if (isSearchHead(line)) {
      const block = scanSearchBlock(lines, j);
      if ('end' in block) {
        j = block.end;
        continue;
      }
    }
    const f = fenceAt(line);
    if (!f || f.char !== fence.char || f.len < fence.len) continue;
    if (f.info !== '') depth++;
    else if (depth > 0) depth--;
    else return j;
  }
  for (let j = open + 1; j < lines.length; j++) if (closes(lines[j]!, fence)) return j;
  return undefined;
}
