import os from 'node:os';
import { plural } from '../plural.js';
import { stripAnsi } from './context/text.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Characters of a path inside a line of output, and of one segment of it. */
const PATH_CHARS = String.raw`[^\s'"()<>\[\]{},;]`;
const SEG = String.raw`[^\s/'"()<>\[\]{},;:]`;

const tmpRoots = (): string[] => {
  const t = os.tmpdir().replace(/\/+$/, '');
  return t === '/tmp' || !t.startsWith('/') ? [] : [t];
};

/**
 * Replacements that make two runs of the same failure read the same. Order matters: paths go
 * before numbers, so a temp folder's random name or a timestamp inside a path cannot survive.
 */
const RULES: Array<[RegExp, string]> = [
  // Temp folders: the random segment goes, the path inside it stays.
  [new RegExp(`(?:/private)?/var/folders/${SEG}+/${SEG}+/[A-Z]/${SEG}+`, 'g'), '<tmp>'],
  [new RegExp(`(?:/private)?/tmp/${SEG}+`, 'g'), '<tmp>'],
  // ISO timestamps, dates, clock times, epoch milliseconds.
  [/\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>'],
  [/\b\d{4}-\d{2}-\d{2}\b/g, '<date>'],
  [/(?<![\w.:/-])\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:\s?[AP]M)?/gi, '<time>'],
  [/\b1[5-9]\d{11}\b/g, '<time>'],
  // UUIDs, addresses, long hex ids (hashes, random names).
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b0x[0-9a-f]{4,}\b/gi, '0x<addr>'],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{10,}\b/gi, '<hex>'],
  // Durations: 12ms, 1.2s, (3 seconds), 2m, 1h.
  [/\b\d+(?:[.,]\d+)?\s?(?:ns|µs|us|ms|s|secs?|seconds?|m|mins?|minutes?|h|hours?)\b/g, '<dur>'],
  // Process ids and ports.
  [/\b(pid|PID|process)\b[\s:=#]*\d+/g, '$1 <pid>'],
  [/(\w)\[\d{3,}\]/g, '$1[<pid>]'],
  [/\b(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1?\]|::1?):\d{2,5}\b/g, '$1:<port>'],
  [/\bport\s+\d{2,5}\b/gi, 'port <port>'],
  // Columns go, lines stay: src/a.ts:12:5 -> src/a.ts:12, a.ts(12,5) -> a.ts(12).
  [/([\w/\]).-]):(\d+):\d+\b/g, '$1:$2'],
  [/(\.[A-Za-z0-9]+)\((\d+),\d+\)/g, '$1($2)'],
  [/\b(line \d+),?\s*col(?:umn)?\s*\d+/gi, '$1'],
];

const PATH_CHAR = new RegExp(PATH_CHARS);
const WORKTREE = /\/factory\/worktrees\/\d+/g;

/**
 * A task's worktree, wherever the config put it: `<anything>/factory/worktrees/<id>` becomes
 * `<worktree>`. The path before the marker is found by walking back from each match, never by a
 * leading `[path chars]*` in the pattern: that would rescan a long line from every position
 * (quadratic; a 32 KB line took seconds).
 */
function replaceWorktrees(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(WORKTREE)) {
    let start = m.index;
    while (start > last && PATH_CHAR.test(text[start - 1]!)) start--;
    out += `${text.slice(last, start)}<worktree>`;
    last = m.index + m[0].length;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * What normalisation reads at most: the end of the output. It keeps 30 lines; a longer input is
 * only more work (the executor already caps the output, but a caller may not).
 */
const MAX_NORMALIZED_CHARS = 64 * 1024;

/**
 * The last `maxLines` non-blank lines of a check's output with what changes from run to run
 * taken out: timestamps, durations, addresses, pids, ports, temp and worktree paths (and any
 * `roots` given), colour codes, column numbers and spacing. File:line references stay: an
 * error that moved to another line is a different failure (the first test now passes and the
 * next one fails), which is progress, not stagnation; a column moves with cosmetic edits.
 */
export function normalizeErrorTail(output: string, maxLines = 30, roots: string[] = []): string {
  // Every pass below is linear in its input; this bounds the input. A regression test feeds
  // 128 KB lines of every shape the rules look at.
  let text = stripAnsi(output.length > MAX_NORMALIZED_CHARS ? output.slice(-MAX_NORMALIZED_CHARS) : output);
  for (const root of [...roots, ...tmpRoots()].filter(Boolean).sort((a, b) => b.length - a.length))
    text = text.replace(new RegExp(`${escape(root.replace(/\/+$/, ''))}(?=/|\\b|$)`, 'g'), '<root>');
  text = replaceWorktrees(text);
  for (const [re, to] of RULES) text = text.replace(re, to);
  const lines = text
    .split('\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').trim())
    .filter(Boolean);
  return lines.slice(-Math.max(1, maxLines)).join('\n');
}

/** A diff without what differs when the same change is made again: blob ids, hunk positions, spacing. */
export function normalizeDiff(diff: string): string {
  return diff
    .split('\n')
    .filter((l) => !/^index [0-9a-f]+\.\.[0-9a-f]+/.test(l))
    .map((l) =>
      l
        .replace(/^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/, '@@')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean)
    .join('\n');
}

export interface StagnationCheck {
  stagnated: boolean;
  reason?: string;
}

/**
 * Stops a task that makes no progress: the same normalised error tail in `threshold`
 * consecutive failing attempts, or the same (non-empty) diff proposed in any two attempts.
 */
export class StagnationGuard {
  private readonly threshold: number;
  private lastTail: string | null = null;
  private streak = 0;
  private readonly diffs = new Map<string, number>();
  private count = 0;

  constructor(threshold: number) {
    this.threshold = Math.max(1, Math.floor(threshold) || 1);
  }

  /**
   * One failing attempt. `errorTail`: its check output (raw or already normalised), or null when
   * there was none (no check ran), which breaks the streak. `attempt` only words the reason.
   */
  record(attempt: { errorTail: string | null; diff: string; attempt?: number }): StagnationCheck {
    this.count++;
    const n = attempt.attempt ?? this.count;
    const diff = normalizeDiff(attempt.diff);
    const seen = diff ? this.diffs.get(diff) : undefined;
    if (diff && seen === undefined) this.diffs.set(diff, n);

    if (attempt.errorTail === null) {
      this.lastTail = null;
      this.streak = 0;
    } else {
      const tail = normalizeErrorTail(attempt.errorTail);
      this.streak = tail === this.lastTail ? this.streak + 1 : 1;
      this.lastTail = tail;
    }

    if (seen !== undefined)
      return { stagnated: true, reason: `attempt ${n} proposed the same change as attempt ${seen}` };
    if (this.lastTail !== null && this.streak >= this.threshold)
      return {
        stagnated: true,
        reason: `the same error output in ${plural(this.streak, 'attempt')} in a row`,
      };
    return { stagnated: false };
  }
}
