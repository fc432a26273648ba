/**
 * A snippet sent as if it were the whole file ("Update the `clamp` function in `src/utils.js`:"
 * and the function alone) is applied only where its place is beyond doubt: the snippet is
 * exactly one function, method, class or Markdown section, and the file defines that name (or
 * has that heading) exactly once. Then that one definition or section is replaced, re-indented
 * to its place. Anything less certain returns undefined, and the caller refuses.
 */
import { leadingWhitespace } from './lines.js';

const MARKDOWN = /\.(?:md|markdown|mdx)$/i;
const PYTHON = /\.pyi?$/i;
const BRACES = /\.(?:[cm]?[jt]sx?|java|kt|cs|go|rs|swift|c|cc|cpp|h|hpp|php|scala|dart)$/i;

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(`{3,}|~{3,})/;

const KEYWORDS = new Set([
  'if',
  'for',
  'while',
  'switch',
  'catch',
  'function',
  'return',
  'with',
  'else',
  'do',
]);

interface Span {
  start: number;
  /** Exclusive. */
  end: number;
}

const isBlank = (l: string) => l.trim() === '';

function trimBlank(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && isBlank(lines[a]!)) a++;
  while (b > a && isBlank(lines[b - 1]!)) b--;
  return lines.slice(a, b);
}

/** Lines outside fenced code blocks (a `# comment` in a bash block is no heading). */
function headings(lines: readonly string[]): { at: number; level: number; text: string }[] {
  const out: { at: number; level: number; text: string }[] = [];
  let fence: string | undefined;
  lines.forEach((l, at) => {
    const f = FENCE.exec(l);
    if (f) {
      if (!fence) fence = f[1]![0]!;
      else if (f[1]![0] === fence) fence = undefined;
      return;
    }
    if (fence) return;
    const h = HEADING.exec(l);
    if (h) out.push({ at, level: h[1]!.length, text: h[2]! });
  });
  return out;
}

function markdownSection(file: string[], block: string[]): { span: Span; lines: string[] } | undefined {
  const own = headings(block);
  if (own.length === 0 || own[0]!.at !== 0) return undefined;
  const { level, text } = own[0]!;
  if (own.slice(1).some((h) => h.level <= level)) return undefined;
  const theirs = headings(file);
  const same = theirs.filter((h) => h.text === text);
  if (same.length !== 1 || same[0]!.level !== level) return undefined;
  const start = same[0]!.at;
  const next = theirs.find((h) => h.at > start && h.level <= level);
  let end = next ? next.at : file.length;
  while (end > start + 1 && isBlank(file[end - 1]!)) end--;
  return { span: { start, end }, lines: block };
}

/** The name a line defines, for the language of `file`. */
function definedName(line: string, file: string): string | undefined {
  if (PYTHON.test(file)) return /^\s*(?:async\s+)?(?:def|class)\s+(\w+)\s*[(:]/.exec(line)?.[1];
  if (!BRACES.test(file)) return undefined;
  const m =
    /^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([\w$]+)\s*[(<]/.exec(line) ??
    /^\s*(?:export\s+)?(?:const|let|var)\s+([\w$]+)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\(|[\w$]+\s*=>)/.exec(
      line,
    ) ??
    /^\s*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+([\w$]+)/.exec(line) ??
    /^\s*(?:(?:public|private|protected|static|async|override|readonly|get|set)\s+)*([\w$]+)\s*(?:<[^>]*>)?\s*\([^)]*\)\s*(?::\s*[^{]+)?\{\s*$/.exec(
      line,
    );
  const name = m?.[1];
  return name && !KEYWORDS.has(name) ? name : undefined;
}

/**
 * Where the brace block that opens on line `from` closes: the line index, or undefined when the
 * braces cannot be followed with confidence (template literals with `${`, unbalanced text).
 * Strings, comments and regular-expression literals are skipped.
 */
function braceEnd(lines: readonly string[], from: number): number | undefined {
  let depth = 0;
  let opened = false;
  let inBlockComment = false;
  for (let i = from; i < lines.length; i++) {
    const l = lines[i]!;
    for (let k = 0; k < l.length; k++) {
      const c = l[k]!;
      if (inBlockComment) {
        if (c === '*' && l[k + 1] === '/') {
          inBlockComment = false;
          k++;
        }
        continue;
      }
      if (c === '/' && l[k + 1] === '/') break;
      if (c === '/' && l[k + 1] === '*') {
        inBlockComment = true;
        k++;
        continue;
      }
      if (c === '"' || c === "'" || c === '`') {
        let j = k + 1;
        while (j < l.length && l[j] !== c) {
          if (c === '`' && l[j] === '$' && l[j + 1] === '{') return undefined;
          j += l[j] === '\\' ? 2 : 1;
        }
        if (j >= l.length) return undefined; // a string across lines: not followed
        k = j;
        continue;
      }
      if (c === '/') {
        const before = l.slice(0, k).trimEnd();
        if (before === '' || /[(,=:[!&|?{};]$/.test(before)) {
          let j = k + 1;
          let cls = false;
          while (j < l.length && (cls || l[j] !== '/')) {
            if (l[j] === '[') cls = true;
            else if (l[j] === ']') cls = false;
            j += l[j] === '\\' ? 2 : 1;
          }
          if (j >= l.length) return undefined;
          k = j;
        }
        continue;
      }
      if (c === '{') {
        depth++;
        opened = true;
      } else if (c === '}') {
        depth--;
        if (depth < 0) return undefined;
        if (depth === 0 && opened) {
          // The definition must end with its brace (and maybe `;` or `,`), nothing else after it.
          return /^[\s;,)]*$/.test(l.slice(k + 1)) ? i : undefined;
        }
      }
    }
  }
  return undefined;
}

/** Lines of the Python definition opening at `from`: every following line indented deeper. */
function indentEnd(lines: readonly string[], from: number): number {
  const indent = leadingWhitespace(lines[from]!).length;
  let last = from;
  for (let i = from + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (isBlank(l)) continue;
    if (leadingWhitespace(l).length <= indent) break;
    last = i;
  }
  return last;
}

function definitionEnd(lines: readonly string[], from: number, file: string): number | undefined {
  return PYTHON.test(file) ? indentEnd(lines, from) : braceEnd(lines, from);
}

/** The block moved from its own indentation to `to`; undefined when a line sits left of it. */
function reindent(block: readonly string[], to: string): string[] | undefined {
  const from = leadingWhitespace(block[0]!);
  const out: string[] = [];
  for (const l of block) {
    if (isBlank(l)) out.push('');
    else if (!l.startsWith(from)) return undefined;
    else out.push(to + l.slice(from.length));
  }
  return out;
}

function definition(
  file: string[],
  block: string[],
  path: string,
): { span: Span; lines: string[] } | undefined {
  const name = definedName(block[0]!, path);
  if (!name) return undefined;
  // The snippet must be that one definition and nothing more.
  if (definitionEnd(block, 0, path) !== block.length - 1) return undefined;
  const at = file.flatMap((l, i) => (definedName(l, path) === name ? [i] : []));
  if (at.length !== 1) return undefined;
  const start = at[0]!;
  const end = definitionEnd(file, start, path);
  if (end === undefined) return undefined;
  const lines = reindent(block, leadingWhitespace(file[start]!));
  return lines && { span: { start, end: end + 1 }, lines };
}

/**
 * `file` with the one function, method, class or Markdown section that `snippet` is replaced
 * by it, or undefined when that place is not beyond doubt. `path` gives the language.
 */
export function replaceSection(fileText: string, snippet: string, path: string): string | undefined {
  const eol = fileText.includes('\r\n') ? '\r\n' : '\n';
  const file = fileText.split(/\r?\n/);
  const block = trimBlank(snippet.split(/\r?\n/));
  if (block.length === 0) return undefined;
  const found = MARKDOWN.test(path) ? markdownSection(file, block) : definition(file, block, path);
  if (!found) return undefined;
  const { span, lines } = found;
  return [...file.slice(0, span.start), ...lines, ...file.slice(span.end)].join(eol);
}
