import { compare, type Trial } from './timing.js';
import { probe, summarise } from './spawn-probe.js';
import { verdict } from './verdict.js';
import type { Breakdown, Measurement, SuiteContext, Target } from './types.js';

/** One product-vs-reference comparison, as a suite declares it. */
export interface Benchmark {
  name: string;
  productLabel: string;
  referenceLabel?: string;
  target?: Target;
  /** At most this many timed iterations... */
  iterations: number;
  /** ...but stop at `budgetMs` of wall time once `minIterations` are done. */
  minIterations: number;
  budgetMs: number;
  warmup: number;
  /** Untimed, once before the runs. */
  setup?: () => Promise<void>;
  product: Trial;
  reference?: Trial;
  /** Untimed, once after the runs (also after a failure). */
  teardown?: () => Promise<void>;
}

/** Whether `--only` lets a benchmark of this name run. */
export function selected(ctx: Pick<SuiteContext, 'only'>, name: string): boolean {
  return ctx.only.length === 0 || ctx.only.some((o) => name.includes(o));
}

const PROBE_RUNS = 5;
/** Share of a benchmark's budget the probed runs may use on top of it. */
const PROBE_SHARE = 0.3;

async function probeSide(t: Trial, start: number, runs: number): Promise<Breakdown> {
  const results = [];
  for (let k = 0; k < runs; k++) {
    await t.before?.(start + k);
    results.push(await probe(() => t.run(start + k)));
    await t.after?.(start + k);
  }
  return summarise(results);
}

/**
 * Times a benchmark; when it misses its target (or `--breakdown` is on) a few extra runs are
 * probed to show which subprocesses the time goes to.
 */
export async function runBenchmark(
  b: Benchmark,
  ctx: SuiteContext,
  suite: string,
  size: number,
): Promise<Measurement> {
  const fixed = ctx.iterations !== undefined;
  await b.setup?.();
  try {
    const t = await compare(b.product, b.reference, {
      iterations: ctx.iterations ?? b.iterations,
      minIterations: ctx.iterations ?? b.minIterations,
      budgetMs: fixed ? Infinity : b.budgetMs,
      warmup: b.warmup,
    });
    const m: Measurement = {
      suite,
      size,
      name: b.name,
      product: t.product,
      productLabel: b.productLabel,
      ...(b.reference ? { reference: t.reference, referenceLabel: b.referenceLabel } : {}),
      ...(b.target ? { target: b.target } : {}),
    };
    if (ctx.breakdown || verdict(m).pass === false) {
      const affordable = Math.floor((PROBE_SHARE * b.budgetMs) / t.iterationMs);
      const runs = Math.max(1, Math.min(PROBE_RUNS, t.product.length, fixed ? PROBE_RUNS : affordable));
      const product = await probeSide(b.product, t.next, runs);
      const reference = b.reference ? await probeSide(b.reference, t.next, runs) : undefined;
      m.breakdown = { product, ...(reference ? { reference } : {}) };
    }
    return m;
  } finally {
    await b.teardown?.();
  }
}
