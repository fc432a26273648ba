/** Text helpers for building model contexts within a character budget. */

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** Terminal colour and cursor codes cost tokens and mean nothing to a model. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '').replace(/\r\n/g, '\n').replace(/\r/g, '\n');
}

const lineCount = (text: string): number => (text ? text.split('\n').length : 0);

/** Room kept for a "… (N lines cut)" marker. */
const MARKER_ROOM = 48;

/**
 * The start of `text` within `max` characters, cut at a line end where possible, with a marker
 * saying how many lines were cut. '' when not even the marker fits.
 */
export function keepHead(text: string, max: number, what = 'lines'): string {
  if (text.length <= max) return text;
  if (max < MARKER_ROOM + 16) return '';
  let cut = text.slice(0, max - MARKER_ROOM);
  const nl = cut.lastIndexOf('\n');
  if (nl > cut.length / 2) cut = cut.slice(0, nl);
  const rest = lineCount(text.slice(cut.length).replace(/^\n/, ''));
  return `${cut}\n… (${rest} more ${what} cut)`;
}

/** The end of `text` within `max` characters, starting at a line start where possible. */
export function keepTail(text: string, max: number, what = 'lines'): string {
  if (text.length <= max) return text;
  if (max < MARKER_ROOM + 16) return '';
  let cut = text.slice(text.length - (max - MARKER_ROOM));
  const nl = cut.indexOf('\n');
  if (nl >= 0 && nl < cut.length / 2) cut = cut.slice(nl + 1);
  const dropped = lineCount(text.slice(0, text.length - cut.length).replace(/\n$/, ''));
  return `… (${dropped} earlier ${what} cut)\n${cut}`;
}

/**
 * Both ends of `text` within `max` characters (a third for the start, where the first error
 * usually is; the rest for the end, where the summary is), with a marker between them.
 */
export function keepEnds(text: string, max: number, what = 'lines'): string {
  if (text.length <= max) return text;
  if (max < 3 * MARKER_ROOM) return keepTail(text, max, what);
  let head = text.slice(0, Math.floor((max - MARKER_ROOM) / 3));
  const nl = head.lastIndexOf('\n');
  if (nl > head.length / 2) head = head.slice(0, nl);
  let tail = text.slice(text.length - (max - MARKER_ROOM - head.length));
  const tnl = tail.indexOf('\n');
  if (tnl >= 0 && tnl < tail.length / 2) tail = tail.slice(tnl + 1);
  const dropped = lineCount(text.slice(head.length, text.length - tail.length).replace(/^\n|\n$/g, ''));
  return `${head}\n… (${dropped} ${what} cut)\n${tail}`;
}

/** A code fence longer than any run of backticks inside `content`, so the block cannot end early. */
export function fenceFor(content: string): string {
  let longest = 0;
  for (const m of content.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
}

export function fenced(content: string, lang = ''): string {
  const fence = fenceFor(content);
  return `${fence}${lang}\n${content.replace(/\n$/, '')}\n${fence}`;
}

/** Language tag for a fenced block, from a file's extension. */
export function langOf(file: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(file)?.[1]?.toLowerCase() ?? '';
  return LANGS[ext] ?? ext;
}

const LANGS: Record<string, string> = {
  mjs: 'js',
  cjs: 'js',
  mts: 'ts',
  cts: 'ts',
  yml: 'yaml',
  md: 'markdown',
  sh: 'bash',
};

export interface Excerpt {
  body: string;
  /** Empty when the whole text is shown; else what the body covers, e.g. "lines 1-80 of 400". */
  note: string;
}

/**
 * A file's text within `max` characters: whole when it fits; else the windows around the lines
 * an error pointed at (narrowing them until they fit), else its head.
 */
export function excerpt(text: string, lines: number[], max: number): Excerpt {
  if (text.length <= max) return { body: text, note: '' };
  const all = text.split('\n');
  const total = all.length;
  for (const radius of [20, 10, 4]) {
    if (!lines.length) break;
    const ranges = windows(lines, radius, total);
    if (!ranges.length) break;
    const parts: string[] = [];
    let prevEnd = 0;
    for (const [a, b] of ranges) {
      if (a > prevEnd + 1) parts.push(`… (lines ${prevEnd + 1}-${a - 1} not shown)`);
      parts.push(all.slice(a - 1, b).join('\n'));
      prevEnd = b;
    }
    if (prevEnd < total) parts.push(`… (lines ${prevEnd + 1}-${total} not shown)`);
    const body = parts.join('\n');
    if (body.length <= max) {
      const shown = ranges.map(([a, b]) => `${a}-${b}`).join(', ');
      return { body, note: `lines ${shown} of ${total}` };
    }
  }
  const body = keepHead(text, max);
  if (!body) return { body: '', note: '' };
  const shownLines = body.split('\n').length - 1;
  return { body, note: `lines 1-${shownLines} of ${total}` };
}

function windows(lines: number[], radius: number, total: number): Array<[number, number]> {
  const sorted = [...new Set(lines)].filter((l) => l >= 1 && l <= total).sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const l of sorted) {
    const a = Math.max(1, l - radius);
    const b = Math.min(total, l + radius);
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
