import { parseArgs } from 'node:util';

export interface BenchArgs {
  sizes: number[];
  quick: boolean;
  iterations?: number;
  breakdown: boolean;
  only: string[];
  strict: boolean;
  /** Parent of the scratch dir; default /dev/shm where it exists, else the OS temp dir. */
  tmp?: string;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]

  --sizes <list>      repo sizes in files, e.g. 1000,10000 or 1k,10k (default 1k,10k,50k; 1k,10k with --quick)
  --quick             about a third of the iterations, for a fast sanity check
  --iterations <n>    timed iterations for every benchmark (overrides the built-in plan)
  --only <names>      comma-separated substrings of benchmark or suite names, e.g. "step,recycled"
  --breakdown         time each git subprocess of every benchmark (always done for misses)
  --strict            exit 1 when a gated target is missed
  --tmp <dir>         where the repos are generated (default /dev/shm when present, else $TMPDIR);
                      worktree add is mostly file creation, so the file system sets the scale
  -h, --help          this text`;

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(k?)$/i.exec(s.trim());
  const n = m ? Math.round(Number(m[1]) * (m[2] ? 1000 : 1)) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new Error(`--sizes: not a file count: ${s}`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      iterations: { type: 'string' },
      only: { type: 'string' },
      breakdown: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      tmp: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const quick = values.quick ?? false;
  const sizes = values.sizes
    ? values.sizes.split(',').map(parseSize)
    : quick
      ? [1000, 10_000]
      : [1000, 10_000, 50_000];
  let iterations: number | undefined;
  if (values.iterations !== undefined) {
    iterations = Number(values.iterations);
    if (!Number.isInteger(iterations) || iterations < 1)
      throw new Error('--iterations: expected a positive integer');
  }
  return {
    sizes,
    quick,
    iterations,
    breakdown: values.breakdown ?? false,
    only: values.only
      ? values.only
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    strict: values.strict ?? false,
    ...(values.tmp ? { tmp: values.tmp } : {}),
    help: values.help ?? false,
  };
}
