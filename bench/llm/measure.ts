import { compare, type Trial } from '../timing.js';
import { verdict } from '../verdict.js';
import type { Measurement, Target } from '../types.js';
import type { Budget } from './plan.js';

export const SUITE = 'inference';

/** A timing benchmark of this suite: product vs reference, interleaved. */
export interface Timed {
  name: string;
  productLabel: string;
  referenceLabel: string;
  target: Target;
  budget: Budget;
  product: Trial;
  reference: Trial;
  /** How many requests one run makes: the times are reported per request. Default 1. */
  perRun?: number;
  /** Where the time went, from what the trials recorded; attached on a miss or with `--breakdown`. */
  notes?: () => string[];
}

/**
 * Runs one timing benchmark with the shared interleaved loop. Not `runBenchmark`: nothing here
 * starts a subprocess, so its per-subprocess probing would only say "outside subprocesses";
 * `notes` say where the time goes instead.
 */
export async function measure(b: Timed, breakdown: boolean): Promise<Measurement> {
  const t = await compare(b.product, b.reference, { ...b.budget });
  const per = (xs: number[]) => xs.map((x) => x / (b.perRun ?? 1));
  const m: Measurement = {
    suite: SUITE,
    size: 0,
    name: b.name,
    product: per(t.product),
    reference: per(t.reference),
    productLabel: b.productLabel,
    referenceLabel: b.referenceLabel,
    target: b.target,
  };
  if (b.notes) m.notes = b.notes();
  return keepNotes(m, breakdown);
}

/** Notes are printed for misses, and for everything with `--breakdown`, like subprocess breakdowns. */
export function keepNotes(m: Measurement, breakdown: boolean): Measurement {
  if (!breakdown && verdict(m).pass !== false) delete m.notes;
  return m;
}
