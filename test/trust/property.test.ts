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
 * number of sequences (default 200); FACTORY_PROPERTY_PROCESSES and FACTORY_PROPERTY_PARALLEL the
 * batch processes and the sequences each plays at once (default 2 and 2, sized for 2 cores).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchLine, BatchRequest } from './property-batch.js';
import { drawSequence, type Op, type SequencePlan } from './property-ops.js';
import { formatOps, makeTemplate, PropertyFailure, runSequence, type RunOptions } from './property-run.js';
import { tempFolder, type TempFolder } from '../helpers/tmp.js';

const RUNS = Number(process.env.FACTORY_PROPERTY_RUNS ?? 200);
const ONE_SEED = process.env.FACTORY_PROPERTY_SEED;
const REPLAY_OPS = process.env.FACTORY_PROPERTY_OPS;
/** Share of sequences with a kill -9 in them: each costs a Node process. */
const KILL_RATE = 0.2;
/** Batch processes (one per core of the 2 the suite is sized for) and sequences each plays at once. */
const PROCESSES = Number(process.env.FACTORY_PROPERTY_PROCESSES ?? 2);
const PER_PROCESS = Number(process.env.FACTORY_PROPERTY_PARALLEL ?? 2);
const SHRINK_RUNS = 40;

let workDir: TempFolder | undefined;
let work: string;
let ro: RunOptions;
let batchScript: string;

type Build = (options: Record<string, unknown>) => Promise<unknown>;
/**
 * esbuild is not a dependency of this project but of tsx, which is: resolved from tsx's own
 * package.json (an exported entry of tsx), it is always the esbuild tsx installed, hoisted or not.
 */
function esbuildOfTsx(): Build {
  const fromHere = createRequire(import.meta.url);
  const fromTsx = createRequire(fromHere.resolve('tsx/package.json'));
  return (fromTsx('esbuild') as { build: Build }).build;
}

beforeAll(async () => {
  workDir = await tempFolder('factory-prop-template');
  work = workDir.path;
  const template = path.join(work, 'template');
  await makeTemplate(template);
  // The sequences run in small bundled processes (property-batch.ts), and so does each killed
  // command (property-child.ts): a plain `node file.mjs` starts several times faster than through
  // tsx, and git processes forked from it are much cheaper than from the vitest worker.
  const build = esbuildOfTsx();
  const bundle = async (entry: string, outfile: string) =>
    build({
      entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      logLevel: 'silent',
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
  const childScript = path.join(work, 'property-child.mjs');
  batchScript = path.join(work, 'property-batch.mjs');
  await Promise.all([bundle('./property-child.ts', childScript), bundle('./property-batch.ts', batchScript)]);
  ro = { template, childScript };
}, 60_000);

afterAll(async () => {
  await workDir?.remove();
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

/** Plays a share of the seeds in a property-batch.ts process; one line per sequence. */
async function runBatch(req: BatchRequest): Promise<BatchLine[]> {
  const child = spawn(process.execPath, [batchScript, JSON.stringify(req)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  const lines = out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as BatchLine);
  if (code !== 0 || lines.length !== req.seeds.length)
    throw new Error(
      `property batch exited ${code} after ${lines.length} of ${req.seeds.length} sequences:\n${err.slice(-4000)}`,
    );
  return lines;
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
      const replayOps = REPLAY_OPS ? (JSON.parse(REPLAY_OPS) as Op[]) : undefined;
      // Disjoint shares of the seeds, interleaved so long and short sequences spread evenly.
      const shares = Array.from({ length: Math.min(PROCESSES, seeds.length) }, (_, p) =>
        seeds.filter((_, i) => i % PROCESSES === p),
      );
      const lines = (
        await Promise.all(
          shares.map((share) =>
            runBatch({
              seeds: share,
              killRate: KILL_RATE,
              template: ro.template,
              childScript: ro.childScript,
              parallel: PER_PROCESS,
              ...(replayOps ? { ops: replayOps } : {}),
            }),
          ),
        )
      ).flat();
      for (const l of lines) {
        for (const [k, v] of Object.entries(l.stats)) stats.set(k, (stats.get(k) ?? 0) + v);
        if (l.error) throw new Error(`sequence ${l.seed} broke the test itself:\n${l.error}`);
        if (l.failure !== null) {
          const plan = drawSequence(l.seed, KILL_RATE);
          if (replayOps) plan.ops = replayOps;
          failures.push({ plan, message: l.failure, log: l.log });
        }
      }
      expect(lines.map((l) => l.seed).sort((a, b) => a - b)).toEqual([...seeds].sort((a, b) => a - b));
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
