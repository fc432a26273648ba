import type { FileStat } from '../../tasks/diff.js';
import { clean } from './format.js';

export type DiffLineKind =
  'summary' | 'file-entry' | 'blank' | 'file' | 'meta' | 'hunk' | 'add' | 'del' | 'ctx' | 'note';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
  /** Line numbers in the old and the new file, for diff body lines. */
  old?: number;
  new?: number;
  /** For file-entry lines: the counts (null for binary files). */
  added?: number | null;
  removed?: number | null;
}

export interface BuiltDiff {
  lines: DiffLine[];
  /** Index in `lines` of each file's header, in order. */
  fileStarts: number[];
  /** Index in `lines` of each hunk header, in order. */
  hunkStarts: number[];
  added: number;
  removed: number;
  /** The longest path in the file list, so the counts line up next to the paths. */
  pathWidth: number;
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

function headerPath(line: string, files: FileStat[], index: number): string {
  // `diff --git a/x b/x`: paths with spaces make the split ambiguous, numstat's order is not.
  const known = files[index]?.path;
  if (known) return known;
  const m = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
  return m ? m[2]! : line.slice('diff --git '.length);
}

/**
 * Turns a unified diff into display lines once: the file list first, then each file with its
 * hunks, every body line carrying its old and new line numbers. Screens only ever slice this.
 */
export function buildDiffLines(files: FileStat[], patch: string): BuiltDiff {
  const lines: DiffLine[] = [];
  const fileStarts: number[] = [];
  const hunkStarts: number[] = [];
  let added = 0;
  let removed = 0;
  for (const f of files) {
    added += f.added ?? 0;
    removed += f.removed ?? 0;
  }
  lines.push({
    kind: 'summary',
    text: `${files.length} file${files.length === 1 ? '' : 's'} changed, +${added} -${removed}`,
  });
  for (const f of files)
    lines.push({ kind: 'file-entry', text: clean(f.path), added: f.added, removed: f.removed });
  if (files.length === 0) lines.push({ kind: 'note', text: 'no changes' });

  let oldNo = 0;
  let newNo = 0;
  let inHunk = false;
  const raw = patch.split('\n');
  if (raw[raw.length - 1] === '') raw.pop();
  for (const line of raw) {
    if (line.startsWith('diff --git ')) {
      lines.push({ kind: 'blank', text: '' });
      fileStarts.push(lines.length);
      lines.push({ kind: 'file', text: clean(headerPath(line, files, fileStarts.length - 1)) });
      inHunk = false;
      continue;
    }
    const h = HUNK.exec(line);
    if (h) {
      oldNo = Number(h[1]);
      newNo = Number(h[2]);
      inHunk = true;
      hunkStarts.push(lines.length);
      lines.push({ kind: 'hunk', text: clean(line) });
      continue;
    }
    if (!inHunk) {
      lines.push({ kind: 'meta', text: clean(line) });
      continue;
    }
    const sign = line[0];
    const body = clean(line.slice(1));
    if (sign === '+') lines.push({ kind: 'add', text: body, new: newNo++ });
    else if (sign === '-') lines.push({ kind: 'del', text: body, old: oldNo++ });
    else if (sign === '\\') lines.push({ kind: 'note', text: clean(line) });
    else lines.push({ kind: 'ctx', text: body, old: oldNo++, new: newNo++ });
  }
  const pathWidth = Math.max(8, ...files.map((f) => [...f.path].length));
  return { lines, fileStarts, hunkStarts, added, removed, pathWidth };
}

/** The first start after `top`, or before it going back; `top` itself when there is none. */
export function jump(starts: number[], top: number, dir: 1 | -1): number {
  if (dir > 0) return starts.find((s) => s > top) ?? top;
  for (let i = starts.length - 1; i >= 0; i--) if (starts[i]! < top) return starts[i]!;
  return top;
}
