import { keepHead } from './text.js';

/**
 * A unified diff within `max` characters. Every file keeps its header and as much of its hunks
 * as a fair share allows (small files whole, the rest split evenly), so one huge file (a
 * lockfile, a snapshot) cannot hide the others.
 */
export function trimDiff(diff: string, max: number): string {
  if (diff.length <= max) return diff;
  const chunks = diff.split(/(?=^diff --git )/m).filter(Boolean);
  const names = chunks.map(fileOf);
  const summary = (list: string[]) => `… (diff cut; files: ${list.join(', ')})`;
  const share = new Array<number>(chunks.length).fill(0);
  let left = max;
  // Water-filling: the smallest chunks first, each gets at most an even share of what is left.
  const order = chunks.map((c, i) => [c.length + 1, i] as const).sort((a, b) => a[0] - b[0]);
  order.forEach(([len, i], k) => {
    const fair = Math.floor(left / (order.length - k));
    share[i] = Math.min(len, fair);
    left -= share[i]!;
  });
  const out: string[] = [];
  const dropped: string[] = [];
  chunks.forEach((chunk, i) => {
    const body = keepHead(chunk.replace(/\n$/, ''), share[i]! - 1, 'diff lines');
    if (body) out.push(body);
    else dropped.push(names[i]!);
  });
  if (dropped.length) {
    while (out.length && out.join('\n').length + summary(dropped).length + 1 > max)
      dropped.unshift(fileOf(out.pop()!));
    const note = summary(dropped);
    return (out.length ? `${out.join('\n')}\n${note}` : note).slice(0, max);
  }
  return out.join('\n');
}

function fileOf(chunk: string): string {
  return /^diff --git a\/(\S+)/.exec(chunk)?.[1] ?? '(unnamed)';
}
