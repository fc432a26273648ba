/** The contract between bench/run.ts and the suites it runs. */

/** What a benchmark must achieve. A ratio target compares against the reference measured in the same run. */
export interface Target {
  /** Highest acceptable product/reference ratio of medians. */
  maxRatio?: number;
  /** Highest acceptable product median in ms (for benchmarks without a reference). */
  maxMs?: number;
  /** Highest acceptable product median − reference median, in ms: a fixed cost the product adds. */
  maxExtraMs?: number;
  /** Lowest acceptable product median, for values where more is better (a busy fraction). */
  minValue?: number;
  /** Highest acceptable product median, for values where less is better (a count of failures). */
  maxValue?: number;
  /** Sizes at which the target is a gate; at other sizes the verdict is only informational. All when absent. */
  at?: number[];
}

/** Median time of each subprocess kind in one operation, from a few extra probed runs. */
export interface Breakdown {
  runs: number;
  totalMs: number;
  calls: { name: string; count: number; ms: number; spawnMs: number }[];
  /** Time no subprocess was running: work in this process (fs, locks, JSON) and event-loop gaps. */
  otherMs: number;
}

export interface Measurement {
  suite: string;
  /** The repo size it ran at; 0 for a benchmark that does not depend on `--sizes` (shown as `-`). */
  size: number;
  name: string;
  /** One entry per timed run, in ms. */
  product: number[];
  reference?: number[];
  productLabel: string;
  referenceLabel?: string;
  target?: Target;
  breakdown?: { product: Breakdown; reference?: Breakdown };
  /** What `product` and `reference` hold: ms (the default), a unitless fraction, or a count. */
  unit?: 'ms' | 'fraction' | 'count';
  /** Where the time goes, in words, for benchmarks whose time is not spent in subprocesses. */
  notes?: string[];
}

export interface SuiteContext {
  sizes: number[];
  quick: boolean;
  /** Overrides every benchmark's iteration count when set. */
  iterations?: number;
  /** Probe and print the subprocess breakdown of every benchmark, not only of misses. */
  breakdown: boolean;
  /** Only benchmarks whose name contains one of these run (all when empty). */
  only: string[];
  /** A private temp dir for this run; removed by the runner. */
  tmp: string;
  log: (msg: string) => void;
}

export interface Suite {
  name: string;
  /** Names of the benchmarks it runs, so `--only` can skip the whole suite (and its setup). */
  benchmarks: string[];
  /** Runs its benchmarks and reports each measurement as soon as it is done. */
  run(ctx: SuiteContext, report: (m: Measurement) => void): Promise<void>;
}
