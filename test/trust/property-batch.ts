/**
 * Plays a batch of property sequences (property-run.ts) in a small process of its own, bundled
 * like property-child.ts. The vitest worker is a large process: every git process forked from it
 * costs far more system time than one forked from this one, and a sequence starts dozens.
 *
 *   node property-batch.mjs '<json BatchRequest>'
 *
 * Prints one JSON line (BatchLine) per seed as soon as that sequence ends.
 */
import { drawSequence, type Op } from './property-ops.js';
import { PropertyFailure, runSequence } from './property-run.js';

export interface BatchRequest {
  seeds: number[];
  killRate: number;
  template: string;
  childScript: string;
  /** Sequences played at once in this process: git processes wait on the disk, so a few overlap well. */
  parallel: number;
  /** Replays exactly these steps instead of the drawn ones (FACTORY_PROPERTY_OPS). */
  ops?: Op[];
}

export interface BatchLine {
  seed: number;
  /** Null when the sequence held. */
  failure: string | null;
  /** An error that is not a property failure (a bug of the test itself). */
  error?: string;
  log: string[];
  stats: Record<string, number>;
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2]!) as BatchRequest;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(req.parallel, req.seeds.length) }, async () => {
      while (next < req.seeds.length) {
        const seed = req.seeds[next++]!;
        const plan = drawSequence(seed, req.killRate);
        if (req.ops) plan.ops = req.ops;
        const log: string[] = [];
        const stats = new Map<string, number>();
        const line: BatchLine = { seed, failure: null, log, stats: {} };
        try {
          await runSequence(plan, { template: req.template, childScript: req.childScript, log, stats });
        } catch (e) {
          if (e instanceof PropertyFailure) line.failure = e.message;
          else line.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
        }
        line.stats = Object.fromEntries(stats);
        process.stdout.write(`${JSON.stringify(line)}\n`);
      }
    }),
  );
}

void main().then(() => process.exit(0));
