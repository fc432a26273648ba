/**
 * The main promise, as a property: for random sequences of task, step and attempt commits, hand
 * edits (main tree and task worktrees), rollback, undo, discard, merge, prune and kill -9 at
 * random points, the user's main tree, index, HEAD, stash and ignored files are exactly as the
 * user left them or as the user asked, hand edits in task worktrees are never lost, `git fsck`
 * is clean and nothing outside the repository changes. What is checked is described in
 * property-run.ts; how sequences are drawn, in property-ops.ts.
 *
 * Replay: FACTORY_PROPERTY_SEED=<n> runs sequence n only (or a comma-separated list); with FACTORY_PROPERTY_OPS='<json>' it
 * runs exactly those steps (the shrunk sequence a failure prints). FACTORY_PROPERTY_RUNS sets the
 * number of sequences (default 200).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawSequence, type Op, type SequencePlan } from './property-ops.js';
import { formatOps, makeTemplate, PropertyFailure, runSequence, type RunOptions } from './property-run.js';

const RUNS = Number(process.env.FACTORY_PROPERTY_RUNS ?? 200);
const ONE_SEED = process.env.FACTORY_PROPERTY_SEED;
const REPLAY_OPS = process.env.FACTORY_PROPERTY_OPS;
/** Share of sequences with a kill -9 in them: each costs a Node process. */
const KILL_RATE = 0.2;
/** Sequences played at once: most of the time goes to git processes, so a few overlap well. */
const PARALLEL = 3;
const SHRINK_RUNS = 40;

let work: string;
let ro: RunOptions;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'factory-prop-template-'));
  const template = path.join(work, 'template');
  await makeTemplate(template);
  // The killed command runs in its own process. Bundling it (and the core it imports) once makes
  // each such process a plain `node file.mjs`, several times faster to start than through tsx.
  const { build } = await import('esbuild');
  const childScript = path.join(work, 'property-child.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./property-child.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: childScript,
    logLevel: 'silent',
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  ro = { template, childScript };
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface Failure {
  plan: SequencePlan;
  message: string;
  log: string[];
}

async function attempt(plan: SequencePlan, stats?: Map<string, number>): Promise<Failure | null> {
  const log: string[] = [];
  try {
    await runSequence(plan, { ...ro, log, stats });
    return null;
  } catch (e) {
    if (!(e instanceof PropertyFailure)) throw e;
    return { plan, message: e.message, log };
  }
}

/** The reason of a failure without its details (the line after the step it happened at). */
function failureKind(f: Failure): string {
  const lines = f.message.split('\n');
  return (lines[1] ?? lines[0]!)
    .trim()
    .replace(/[0-9a-f]{40}/g, '<sha>')
    .slice(0, 160);
}

/** Drops steps one by one while the sequence still fails, to show the shortest story. */
async function shrink(f: Failure): Promise<Failure> {
  let best = f;
  let runs = 0;
  for (let i = best.plan.ops.length - 1; i >= 0 && runs < SHRINK_RUNS; i--) {
    if (i >= best.plan.ops.length) continue;
    const ops: Op[] = best.plan.ops.filter((_, j) => j !== i);
    runs++;
    const again = await attempt({ ...best.plan, ops });
    // Keep a removal only when the sequence still fails the same way.
    if (again && failureKind(again) === failureKind(f)) best = again;
  }
  return best;
}

function report(f: Failure, shrunk: Failure): string {
  const replay = (p: SequencePlan) =>
    `FACTORY_PROPERTY_SEED=${p.seed} FACTORY_PROPERTY_OPS='${formatOps(p.ops)}'`;
  return [
    `property failed for FACTORY_PROPERTY_SEED=${f.plan.seed} (worktree.dir ${f.plan.layout}, pool ${f.plan.pool}${f.plan.copyEnv ? ', copy .env' : ''})`,
    `shrunk to ${shrunk.plan.ops.length} of ${f.plan.ops.length} steps:`,
    ...shrunk.log.map((l) => `  ${l}`),
    `  => ${shrunk.message}`,
    `replay the shrunk sequence: ${replay(shrunk.plan)} npx vitest run test/trust/property.test.ts`,
    `the whole sequence:`,
    ...f.log.map((l) => `  ${l}`),
    `  => ${f.message}`,
  ].join('\n');
}

describe('trust: property — the main tree, the index, HEAD, the stash and hand edits survive any sequence', () => {
  it(
    ONE_SEED
      ? `replays sequence ${ONE_SEED}`
      : `holds for ${RUNS} seeded sequences with kill -9 at random points`,
    async () => {
      const t0 = Date.now();
      const seeds = ONE_SEED
        ? ONE_SEED.split(',').map(Number)
        : Array.from({ length: RUNS }, (_, i) => i + 1);
      const stats = new Map<string, number>();
      const failures: Failure[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(PARALLEL, seeds.length) }, async () => {
          while (next < seeds.length) {
            const seed = seeds[next++]!;
            const plan = drawSequence(seed, KILL_RATE);
            if (REPLAY_OPS) plan.ops = JSON.parse(REPLAY_OPS) as Op[];
            const f = await attempt(plan, stats);
            if (f) failures.push(f);
          }
        }),
      );
      const ms = Date.now() - t0;
      const summary = [...stats].sort().map(([k, v]) => `${k}: ${v}`);
      console.info(
        `property: ${seeds.length} sequences in ${ms} ms, ${failures.length} failed\n  ${summary.join('\n  ')}`,
      );
      if (failures.length) {
        failures.sort((a, b) => a.plan.seed - b.plan.seed);
        const kinds = new Map<string, number[]>();
        for (const f of failures)
          kinds.set(failureKind(f), [...(kinds.get(failureKind(f)) ?? []), f.plan.seed]);
        const first = failures[0]!;
        const shrunk = await shrink(first);
        expect.fail(
          `${report(first, shrunk)}\n\n${failures.length} of ${seeds.length} sequences failed; by reason:\n${[
            ...kinds,
          ]
            .map(([k, s]) => `  [seeds ${s.slice(0, 8).join(' ')}${s.length > 8 ? ' …' : ''}] ${k}`)
            .join('\n')}`,
        );
      }
      if (!ONE_SEED) {
        // The sequences did what they are for: merges landed, commands were refused, kills hit.
        expect(stats.get('merge ok') ?? 0).toBeGreaterThan(5);
        expect(stats.get('kill -9') ?? 0).toBeGreaterThan(5);
        expect(stats.get('merge refused') ?? 0).toBeGreaterThan(5);
      }
    },
    // Generous: the machine may be busy; the run takes well under this (see the log line).
    1_800_000,
  );
});
