import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { builtCli, ensureBuilt } from '../../test/helpers/built-cli.js';
import { generateRepo } from '../gen-repo.js';
import { runBenchmark, selected, type Benchmark } from '../harness.js';
import { median, type Trial } from '../timing.js';
import type { Suite, SuiteContext } from '../types.js';
import { makeStartupFixture, TASKS } from './fixture.js';
import { cleanEnv, hasScript, nodeNoop, onTerminal, runToExit, type Terminal } from './spawn.js';

/** The repo is small: start-up does not depend on its size, only on the tasks. */
const SIZE = 1000;
const COLUMNS = 100;
const ROWS = 30;

/**
 * Commands timed from spawn to exit, each against `node -e 0` in the same run. `configured`: in
 * the repo as `factory init` leaves it (a .factoryrc.json at the top), as a real repo always is.
 */
const COMMANDS: { name: string; args: string[]; maxRatio: number; configured?: boolean }[] = [
  { name: 'start-up --help', args: ['--help'], maxRatio: 1.5 },
  { name: 'start-up list', args: ['list'], maxRatio: 2.5 },
  { name: 'start-up show 1', args: ['show', '1'], maxRatio: 2.5 },
  { name: 'start-up diff 1 --stat', args: ['diff', '1', '--stat'], maxRatio: 2.5 },
  { name: 'start-up list (configured repo)', args: ['list'], maxRatio: 2.5, configured: true },
];
const REVIEW = 'start-up review first frame';
const REVIEW_MAX_MS = 400;

const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** The review's list frame (not its `reading the tasks…` placeholder), as bench/tui waits for it. */
const listFrame = (text: string) => text.includes(`${TASKS} tasks`) && text.includes('› ');

function budget(
  ctx: SuiteContext,
  slow: boolean,
): Pick<Benchmark, 'iterations' | 'minIterations' | 'budgetMs' | 'warmup'> {
  const q = (full: number, fast: number) => (ctx.quick ? fast : full);
  return slow
    ? { iterations: q(15, 6), minIterations: q(6, 3), budgetMs: q(12_000, 5000), warmup: 1 }
    : { iterations: q(30, 10), minIterations: q(10, 5), budgetMs: q(10_000, 4000), warmup: 2 };
}

/** What the pty the review runs on costs by itself: `script`, `sh` and `stty` starting `node -e 0`. */
async function ptyNote(root: string): Promise<string> {
  const runs = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    const term = onTerminal(
      [process.execPath, '-e', 'setInterval(() => {}, 1000); process.stdout.write("ready")'],
      {
        cwd: root,
        env: cleanEnv(),
        columns: COLUMNS,
        rows: ROWS,
        frame: (text) => text.includes('ready'),
      },
    );
    await term.frame;
    runs.push(performance.now() - t0);
    await term.close();
  }
  return `the pty alone (script, sh, stty, then a node that writes one line): ${median(runs).toFixed(0)} ms from spawn (median of 5); it is part of the review's figure`;
}

/**
 * How long the built CLI (dist/cli/main.js) takes to start, on a repo with 20 tasks: each
 * command from spawn to exit against `node -e 0`, and `factory review` from spawn to its first
 * frame on a real terminal.
 */
export const startupSuite: Suite = {
  name: 'start-up',
  benchmarks: [...COMMANDS.map((c) => c.name), REVIEW],
  async run(ctx, report) {
    const root = path.join(ctx.tmp, 'startup', 'repo');
    await mkdir(root, { recursive: true });
    try {
      const t0 = performance.now();
      await ensureBuilt();
      const gen = await generateRepo(root, SIZE);
      await makeStartupFixture(gen);
      ctx.log(
        `built the CLI, generated a repo of ${SIZE} files and ${TASKS} tasks in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      const env = cleanEnv({ NO_COLOR: '1' });
      const reference: Trial = { run: () => nodeNoop(root) };
      const rc = path.join(root, '.factoryrc.json');
      for (const c of COMMANDS) {
        if (!selected(ctx, c.name)) continue;
        if (c.configured && !existsSync(rc)) await runToExit(process.execPath, [builtCli, 'init'], root, env);
        if (!c.configured) await rm(rc, { force: true });
        const before = loadavg();
        const m = await runBenchmark(
          {
            name: c.name,
            productLabel: `factory ${c.args.join(' ')}`,
            referenceLabel: 'node -e 0',
            target: { maxRatio: c.maxRatio },
            ...budget(ctx, false),
            product: { run: () => runToExit(process.execPath, [builtCli, ...c.args], root, env) },
            reference,
          },
          ctx,
          this.name,
          0,
        );
        m.notes = [`load average ${before} before, ${loadavg()} after, on ${os.cpus().length} cpus`];
        report(m);
      }
      // The review is timed as before, with nothing configured.
      await rm(rc, { force: true });
      if (!selected(ctx, REVIEW)) return;
      if (!hasScript) {
        ctx.log(`${REVIEW}: skipped, it needs util-linux \`script\` for a terminal`);
        return;
      }
      let term: Terminal | undefined;
      const review: Trial = {
        run: async () => {
          term = onTerminal([process.execPath, builtCli, 'review'], {
            cwd: root,
            env: cleanEnv({ TERM: 'xterm-256color' }),
            columns: COLUMNS,
            rows: ROWS,
            frame: listFrame,
          });
          await term.frame;
        },
        after: async () => {
          await term?.close();
          term = undefined;
        },
      };
      const before = loadavg();
      const m = await runBenchmark(
        {
          name: REVIEW,
          productLabel: 'factory review, spawn to the list frame',
          referenceLabel: 'node -e 0',
          target: { maxMs: REVIEW_MAX_MS },
          ...budget(ctx, true),
          product: review,
          reference,
        },
        ctx,
        this.name,
        0,
      );
      m.notes = [
        await ptyNote(root),
        `load average ${before} before, ${loadavg()} after, on ${os.cpus().length} cpus`,
      ];
      report(m);
    } finally {
      await rm(path.dirname(root), { recursive: true, force: true });
    }
  },
};
