import { runBenchmark, type Benchmark } from '../harness.js';
import { median, type Trial } from '../timing.js';
import type { Measurement, SuiteContext } from '../types.js';
import type { ReviewFixture } from './fixture.js';
import { COLUMNS, mountReview, ROWS, type Mounted } from './mount.js';
import { FIRST_FRAME, type Budget } from './plan.js';
import { describeLegs, frameLegs, type FrameLegs } from './trace.js';
import { cpuProfile, describeProfile } from './profile.js';
import { coldImportNote } from './cold-start.js';
import { dropLineStats, listTasksNote } from './line-stats.js';

const TARGET_MS = 300;

const f1 = (x: number) => x.toFixed(1);
/** An SGR colour sequence: the frame is drawn in colour, as on a user's terminal. */
// eslint-disable-next-line no-control-regex
const COLOURED = /\x1b\[(3\d|9\d)m/;

/** The first frame that shows the task list itself, not its `reading the tasks…` placeholder. */
const listFrame = (tasks: number) => (text: string) => text.includes(`${tasks} tasks`) && text.includes('› ');

interface Drawn {
  ms: number;
  /** The legs of the list frame, from `render()` returning (its first, synchronous frame) on. */
  legs?: FrameLegs;
  /** The `render()` call itself: React's first render of the placeholder, drawn synchronously. */
  syncMs: number;
  coloured: boolean;
}

async function draw(f: ReviewFixture, m: Mounted): Promise<Drawn> {
  const w = await m.stdout.next(listFrame(f.tasks), `the list of ${f.tasks} tasks`);
  const { start, end } = m.mountedAt;
  return {
    ms: w.at - start,
    legs: frameLegs(m, end, w.at),
    syncMs: end - start,
    coloured: COLOURED.test(w.text),
  };
}

/** One whole mount, to its list frame, then unmounted. */
async function mountOnce(f: ReviewFixture): Promise<Drawn> {
  const m = mountReview(f.repo);
  try {
    return await draw(f, m);
  } finally {
    m.unmount();
  }
}

/** What the first mounts cost, before the timed ones: a cold process and an empty line-stats cache. */
async function coldNotes(f: ReviewFixture): Promise<{ notes: string[]; coloured: boolean }> {
  const first = await mountOnce(f);
  await dropLineStats(f);
  const uncached = await mountOnce(f);
  return {
    coloured: first.coloured,
    notes: [
      `first mount of the process (JIT cold, no line-stats cache): ${f1(first.ms)} ms; ` +
        `a later mount without the line-stats cache (tasks not finished by the runner, which writes it): ` +
        `${f1(uncached.ms)} ms. The timed mounts have it, as after \`factory run\`, and the files in the page cache.`,
    ],
  };
}

const PROFILED_MOUNTS = 5;

/** Extra mounts under the CPU profiler (not timed: the profiler slows them down). */
async function profileNotes(f: ReviewFixture, n: number): Promise<string[]> {
  const profile = await cpuProfile(async () => {
    for (let k = 0; k < n; k++) await mountOnce(f);
  });
  return describeProfile(profile).map((line) => `CPU profile of ${n} more mounts: ${line}`);
}

/**
 * Time to the first frame that shows the task rows: `render()` of the review on a fresh fake
 * terminal, its task list loaded by the app itself (listTasks), until Ink writes the list.
 * Imports are warm: starting node and loading Ink and React are noted apart.
 */
export async function measureFirstFrame(
  f: ReviewFixture,
  ctx: SuiteContext,
  budget: Budget,
  reference: Trial,
): Promise<Measurement> {
  const cold = await coldNotes(f);
  const runs: Drawn[] = [];
  let mounted: Mounted | undefined;
  const product: Trial = {
    run: async (i) => {
      mounted = mountReview(f.repo);
      const d = await draw(f, mounted);
      if (i >= budget.warmup) runs.push(d);
    },
    after: async () => {
      mounted?.unmount();
      mounted = undefined;
    },
  };
  const b: Benchmark = {
    name: FIRST_FRAME,
    productLabel:
      `review: render() on a ${COLUMNS}x${ROWS} fake terminal to the first frame listing the ${f.tasks} tasks ` +
      '(the app loads them itself; warm imports and line-stats cache)',
    referenceLabel: `\`git diff base tip > /dev/null\` of the task with the ${f.diffLines}-line diff`,
    target: { maxMs: TARGET_MS },
    ...budget,
    product,
    reference,
  };
  const m = await runBenchmark(b, ctx, 'review', f.size);
  const legs = runs.flatMap((r) => (r.legs ? [r.legs] : []));
  const profiled =
    ctx.breakdown || median(runs.map((r) => r.ms)) > TARGET_MS ? await profileNotes(f, PROFILED_MOUNTS) : [];
  m.notes = [
    ...cold.notes,
    `legs of the timed mounts (median ms): render() call ${f1(median(runs.map((r) => r.syncMs)))} · ` +
      describeLegs(legs, 'wait for the data (listTasks) and effects'),
    await listTasksNote(f),
    ...profiled,
    await coldImportNote(),
    cold.coloured
      ? 'frames in colour (FORCE_COLOR=1), as on a terminal'
      : 'frames WITHOUT colour: chalk saw no colour support',
  ];
  return m;
}
