/**
 * Finds the lines of a file that look most like a SEARCH text that did not match, so the Coder
 * can copy the real text on its next try. Lines are compared by character bigrams (Dice
 * coefficient) after trimming, which forgives indentation and small typos; a window of the
 * SEARCH's length slides over the file.
 */
import { isBlank } from './lines.js';

function bigrams(text: string): Map<string, number> {
  const t = text.trim().replace(/\s+/g, ' ');
  const m = new Map<string, number>();
  for (let i = 0; i < t.length - 1; i++) {
    const g = t.slice(i, i + 2);
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  if (t.length === 1) m.set(t, 1);
  return m;
}

function size(m: Map<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

function dice(a: Map<string, number>, sa: number, b: Map<string, number>, sb: number): number {
  if (sa === 0 && sb === 0) return 1;
  if (sa === 0 || sb === 0) return 0;
  let common = 0;
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  for (const [g, n] of small) common += Math.min(n, big.get(g) ?? 0);
  return (2 * common) / (sa + sb);
}

export interface Closest {
  /** 0-based index of the first line of the window. */
  start: number;
  length: number;
  score: number;
}

// Bounds the work on big files: only this many SEARCH lines take part in the scoring.
const MAX_SCORED_LINES = 80;

/** The best window of `fileLines` for `searchLines`, or undefined when nothing is similar enough. */
export function findClosest(
  fileLines: readonly string[],
  searchLines: readonly string[],
  minScore = 0.4,
): Closest | undefined {
  const wanted = searchLines.slice(0, MAX_SCORED_LINES);
  const m = wanted.length;
  if (m === 0 || fileLines.length === 0) return undefined;
  const fileGrams = fileLines.map((l) => {
    const g = bigrams(l);
    return { g, n: size(g), blank: isBlank(l) };
  });
  const searchGrams = wanted.map((l) => {
    const g = bigrams(l);
    return { g, n: size(g), blank: isBlank(l) };
  });
  const window = Math.min(m, fileLines.length);
  let best: Closest | undefined;
  for (let start = 0; start + window <= fileLines.length; start++) {
    let total = 0;
    for (let k = 0; k < window; k++) {
      const f = fileGrams[start + k]!;
      const s = searchGrams[k]!;
      total += f.blank && s.blank ? 1 : dice(f.g, f.n, s.g, s.n);
    }
    const score = total / m;
    if (!best || score > best.score) best = { start, length: searchLines.length, score };
  }
  if (!best || best.score < minScore) return undefined;
  best.length = Math.min(best.length, fileLines.length - best.start);
  return best;
}
