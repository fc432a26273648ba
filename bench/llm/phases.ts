import { median } from '../timing.js';

/** Milliseconds since the epoch, on the scripted server's clock (same process, same origin). */
export const now = (): number => performance.timeOrigin + performance.now();

/** Named durations of one request, in ms. */
export type Phases = Record<string, number>;

const fmt = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(3));

/**
 * A table of the median of each phase on both sides, and what the product adds to it. The
 * medians need not add up to the median total, but each row says which leg the time is in.
 */
export function phaseTable(product: Phases[], reference: Phases[], labels: [string, string]): string[] {
  const names = [...new Set([...product, ...reference].flatMap((p) => Object.keys(p)))];
  const col = (ps: Phases[], n: string) => median(ps.map((p) => p[n]).filter((x) => x !== undefined));
  const w = Math.max(...names.map((n) => n.length));
  const head = `${'median ms'.padEnd(w)}  ${labels[0].padStart(10)}  ${labels[1].padStart(10)}  ${'extra'.padStart(8)}`;
  const rows = names.map((n) => {
    const [p, r] = [col(product, n), col(reference, n)];
    const d = p - r;
    return `${n.padEnd(w)}  ${fmt(p).padStart(10)}  ${fmt(r).padStart(10)}  ${`${d >= 0 ? '+' : ''}${fmt(d)}`.padStart(8)}`;
  });
  return [head, ...rows];
}
