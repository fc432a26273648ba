import { performance } from 'node:perf_hooks';

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Interquartile range relative to the median: how noisy a set of runs was. */
export function spread(xs: number[]): number {
  if (xs.length < 4) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]!;
  return (q(0.75) - q(0.25)) / median(xs);
}

/** One side of a comparison. `before` and `after` are untimed; `run` is the timed region. */
export interface Trial {
  before?: (i: number) => Promise<void>;
  run: (i: number) => Promise<unknown>;
  after?: (i: number) => Promise<void>;
}

export async function timeTrial(t: Trial, i: number): Promise<number> {
  await t.before?.(i);
  const t0 = performance.now();
  await t.run(i);
  const ms = performance.now() - t0;
  await t.after?.(i);
  return ms;
}

export interface CompareOptions {
  /** At most this many timed iterations. */
  iterations: number;
  /** Stop early, once at least `minIterations` are done, when the comparison has used `budgetMs`. */
  minIterations?: number;
  budgetMs?: number;
  warmup: number;
  /** First iteration index handed to the trials, so callers can keep indices unique across calls. */
  start?: number;
}

export interface CompareResult {
  product: number[];
  reference: number[];
  /** The first index not used yet. */
  next: number;
  /** Wall time of one iteration of both sides, untimed parts included. */
  iterationMs: number;
}

/**
 * Runs product and reference interleaved, alternating which goes first, so drift and background
 * noise hit both sides alike. Warmup runs are discarded.
 */
export async function compare(
  product: Trial,
  reference: Trial | undefined,
  o: CompareOptions,
): Promise<CompareResult> {
  const out = { product: [] as number[], reference: [] as number[] };
  const start = o.start ?? 0;
  const t0 = performance.now();
  let k = 0;
  for (; k < o.warmup + o.iterations; k++) {
    const kept = k - o.warmup;
    if (kept >= (o.minIterations ?? o.iterations) && performance.now() - t0 >= (o.budgetMs ?? Infinity))
      break;
    const sides: ['product' | 'reference', Trial][] = [['product', product]];
    if (reference) sides.push(['reference', reference]);
    if (k % 2 === 1) sides.reverse();
    for (const [side, trial] of sides) {
      const ms = await timeTrial(trial, start + k);
      if (kept >= 0) out[side].push(ms);
    }
  }
  return { ...out, next: start + k, iterationMs: (performance.now() - t0) / Math.max(1, k) };
}
