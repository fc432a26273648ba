/**
 * Finds a line that stands for code left out ("# ... rest of the method unchanged ...",
 * "// ... other handlers ...", "/* ... *\/", a bare "..."). Written into a file literally, such a
 * line deletes the code it stands for, so a whole-file block or a REPLACE holding one is
 * refused. A line that is already in the text the edit starts from (the SEARCH, the file) is
 * real code, not a placeholder: a file may well hold such a comment.
 */

const COMMENT_OPEN = /^(?:\{\s*\/\*+|\/\/+|\/\*+|<!--|#+|--|;+|%+|\*|"""|''')\s*/;
const COMMENT_CLOSE = /\s*(?:\*+\/\s*\}?|-->|"""|''')$/;
// Markdown: '#' opens a heading and '*' a list item, not a comment.
const MARKDOWN_OPEN = /^(?:<!--)\s*/;

const ELLIPSIS = /(?:\.{3,}|…|\.\s\.\s\.)/;
const ONLY_ELLIPSIS = /^[\s[\](){}<>]*(?:(?:\.{3,}|…|\.\s\.\s\.)[\s[\](){}<>]*)+$/;
const NOUNS =
  'file|code|class|classes|function|functions|method|methods|module|component|implementation|body|' +
  'script|config|configuration|tests?|contents?|logic|props|fields|imports|handlers|routes|page|' +
  'section|sections|readme|document|cases|properties|members|helpers|endpoints|options|styles|rules|setup';

/** Phrases that stand for left-out code in a short comment ("existing fields", "rest of the file"). */
const SHORT: RegExp[] = [
  new RegExp(`\\b(?:rest|remainder) of (?:the |this |your )?(?:\\w+ )?(?:${NOUNS})\\b`, 'i'),
  new RegExp(
    `\\b(?:keep|keeps|keeping|leave|retain)\\s+(?:the\\s+|all\\s+)?(?:existing|original|current|other|rest|remaining|previous)(?:\\s+(?:${NOUNS})\\b|\\W*$)`,
    'i',
  ),
  new RegExp(`\\b(?:existing|previous|original|remaining) (?:${NOUNS})\\b`, 'i'),
];

/** Phrases that stand for left-out code in a comment of any length. */
const STRONG: RegExp[] = [
  /\b(?:remains?|stays?|is|are|left|kept)\s+(?:the\s+)?(?:same|unchanged|as[- ]is|as before)\b/i,
  new RegExp(`\\b(?:${NOUNS}|lines?|details?)\\s+(?:omitted|elided|truncated|skipped|not shown)\\b`, 'i'),
  /\b(?:omitted|elided) for brevity\b|\bfor brevity\b/i,
  /\bsame as (?:before|above|original|existing|previous|the original|in the original)\b/i,
  /^(?:etc\.?|and so on)$/i,
];

const words = (text: string) => text.split(/\s+/).filter((w) => /\w/.test(w));

function commentBody(line: string, markdown: boolean): string | undefined {
  const open = (markdown ? MARKDOWN_OPEN : COMMENT_OPEN).exec(line);
  if (!open) return undefined;
  return line.slice(open[0].length).replace(COMMENT_CLOSE, '').trim();
}

/** True when a (trimmed) line reads as a placeholder for left-out code. */
export function isPlaceholder(line: string, file = ''): boolean {
  const python = /\.pyi?$/i.test(file);
  const markdown = /\.(?:md|markdown|mdx)$/i.test(file);
  // Python's `...` is an expression (a stub's body); elsewhere a bare ellipsis is left-out code.
  if (ONLY_ELLIPSIS.test(line)) return !python || line !== '...';
  const body = commentBody(line, markdown) ?? /^[[(<]\s*(.*?)\s*[\])>]$/.exec(line)?.[1];
  if (body === undefined || body.length > 100) return false;
  const bare = body.replace(/^[\s([]+|[\s)\]]+$/g, '');
  if (bare === '') return ELLIPSIS.test(body);
  if (ONLY_ELLIPSIS.test(bare)) return true;
  // "... other handlers ...", "...more tests": a comment that opens with an ellipsis.
  if (/^(?:\.{3,}|…)/.test(bare) && words(bare).length > 0) return true;
  // "other handlers ...": a short phrase trailing off.
  if (
    /(?:\.{3,}|…)$/.test(bare) &&
    words(bare).length <= 4 &&
    /\b(?:other|more|remaining|rest|existing|similar)\b/i.test(bare)
  )
    return true;
  if (/\bunchanged\W*$/i.test(bare) || (/\bunchanged\b/i.test(bare) && words(bare).length <= 6)) return true;
  if (words(bare).length <= 6 && SHORT.some((re) => re.test(bare))) return true;
  return STRONG.some((re) => re.test(bare));
}

/**
 * The first line of `text` that reads as a placeholder and is not a line of `known` (the SEARCH
 * text, the file as it is), trimmed; undefined when there is none.
 */
export function findElision(text: string, known: string, file = ''): string | undefined {
  const real = new Set(known.split(/\r?\n/).map((l) => l.trim()));
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || real.has(line)) continue;
    if (isPlaceholder(line, file)) return line;
  }
  return undefined;
}
