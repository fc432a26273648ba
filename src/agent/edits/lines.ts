/**
 * A file as lines that remember their own line ending, so an edit to a CRLF (or mixed) file
 * keeps every untouched line byte for byte and gives new lines the ending of the lines they
 * replace.
 */
export interface Line {
  text: string;
  /** '\n', '\r\n', or '' for a last line without a newline. */
  eol: string;
}

export function toLines(content: string): Line[] {
  const lines: Line[] = [];
  const re = /\r?\n/g;
  let start = 0;
  for (let m = re.exec(content); m; m = re.exec(content)) {
    lines.push({ text: content.slice(start, m.index), eol: m[0] });
    start = m.index + m[0].length;
  }
  if (start < content.length) lines.push({ text: content.slice(start), eol: '' });
  return lines;
}

export function fromLines(lines: readonly Line[]): string {
  return lines.map((l) => l.text + l.eol).join('');
}

/** Text lines of a SEARCH or REPLACE section; a final newline does not make an extra empty line. */
export function textLines(text: string): string[] {
  if (text === '') return [];
  const parts = text.split(/\r?\n/);
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** The ending most lines of the file use; '\n' for a file with none. */
export function dominantEol(lines: readonly Line[]): string {
  let crlf = 0;
  let lf = 0;
  for (const l of lines) {
    if (l.eol === '\r\n') crlf++;
    else if (l.eol === '\n') lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}

export function isBlank(text: string): boolean {
  return text.trim() === '';
}

export function leadingWhitespace(text: string): string {
  return /^[ \t]*/.exec(text)![0];
}
