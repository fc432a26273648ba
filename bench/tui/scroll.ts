import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { runBenchmark, type Benchmark } from '../harness.js';
import { median, type Trial } from '../timing.js';
import type { Measurement, SuiteContext } from '../types.js';
import type { ReviewFixture } from './fixture.js';
import type { Mounted } from './mount.js';
import { openDiff, openNote, view, type View } from './open-diff.js';
import { SCROLL, type Budget } from './plan.js';
import { describeLegs, frameLegs, type FrameLegs } from './trace.js';
import { cpuProfile, describeProfile } from './profile.js';
import { KEYS } from './terminal.js';

const TARGET_MS = 30;
/**
 * A key goes this long after the previous frame: past Ink's 60 fps throttle (17 ms), so each
 * press draws at once, as with a key held down (a terminal repeats it 25 to 40 times a second).
 */
const GAP_MS = 25;

/** The keys pressed in turn, with how far each moves the view (`page`: the visible lines − 1). */
const PRESSES = [
  { name: 'j', key: KEYS.j, page: false },
  { name: '↓', key: KEYS.down, page: false },
  { name: 'PgDn', key: KEYS.pageDown, page: true },
] as const;

const f1 = (x: number) => x.toFixed(1);
interface Press {
  name: string;
  ms: number;
  legs?: FrameLegs;
  bytes: number;
}

function notes(presses: Press[]): string[] {
  const by = PRESSES.map((p) => {
    const xs = presses.filter((x) => x.name === p.name).map((x) => x.ms);
    return `${p.name} ${f1(median(xs))}`;
  });
  const sorted = presses.map((p) => p.ms).sort((a, b) => a - b);
  const p90 = sorted[Math.floor(0.9 * (sorted.length - 1))] ?? NaN;
  const legs = presses.flatMap((p) => (p.legs ? [p.legs] : []));
  const extra = legs.filter((l) => (l.react?.commits ?? 0) > 1).length;
  return [
    `${presses.length} timed presses (${PRESSES.map((p) => p.name).join(', ')} in turn), each ${GAP_MS} ms ` +
      `after the previous frame: median by key ${by.join(', ')}; p90 ${f1(p90)} ms, max ${f1(sorted[sorted.length - 1] ?? NaN)} ms`,
    `legs of a press (median ms): ${describeLegs(legs)}` +
      (extra ? ` (${extra} presses drew after more than one commit)` : ''),
    `each frame rewrites the whole screen: ${Math.round(median(presses.map((p) => p.bytes)))} bytes ` +
      '(log-update erases the previous frame line by line, then writes every line)',
  ];
}

/** The open diff, pressing keys in turn; keeps the presses it is told to keep. */
class Scroller {
  presses: Press[] = [];
  private lastFrame = performance.now();

  constructor(
    readonly m: Mounted,
    private at: View,
  ) {}

  /** Untimed: back to the top near the end (so every press moves the view), then the gap. */
  async ready(): Promise<void> {
    const height = this.at.last - this.at.first + 1;
    if (this.at.first + 2 * height > this.at.total) {
      const top = this.m.stdout.next((t) => t.includes('· lines 1-'), 'the top of the diff');
      this.m.stdin.press('g');
      this.at = view((await top).text);
      this.lastFrame = performance.now();
    }
    await sleep(Math.max(0, this.lastFrame + GAP_MS - performance.now()));
  }

  /** The timed part: the i-th key of the cycle, to the frame that shows where it moved. */
  async press(i: number, keep: boolean): Promise<void> {
    const p = PRESSES[i % PRESSES.length]!;
    const first = this.at.first + (p.page ? this.at.last - this.at.first : 1);
    const t0 = performance.now();
    const frame = this.m.stdout.next((t) => t.includes(`· lines ${first}-`), `the diff at line ${first}`);
    this.m.stdin.press(p.key);
    const w = await frame;
    this.at = view(w.text);
    this.lastFrame = w.at;
    if (keep)
      this.presses.push({
        name: p.name,
        ms: w.at - t0,
        legs: frameLegs(this.m, t0, w.at),
        bytes: w.text.length,
      });
  }
}

/** Extra presses under the CPU profiler (not timed: the profiler slows them down). */
async function profileNotes(sc: Scroller, n: number): Promise<string[]> {
  const profile = await cpuProfile(async () => {
    for (let i = 0; i < n; i++) {
      await sc.ready();
      await sc.press(i, false);
    }
  });
  return describeProfile(profile).map((line) => `CPU profile of ${n} more presses: ${line}`);
}

const PROFILED_PRESSES = 60;

/**
 * The median time from a key press to the next frame while scrolling the 20,000-line diff: the
 * key goes in through the review's stdin and the frame is the first write showing the new position.
 */
export async function measureScroll(
  f: ReviewFixture,
  ctx: SuiteContext,
  budget: Budget,
  reference: Trial,
): Promise<Measurement> {
  let sc: Scroller | undefined;
  let openMs = NaN;
  const ui = () => {
    if (!sc) throw new Error('the diff is not open');
    return sc;
  };
  let profiled: string[] = [];
  const b: Benchmark = {
    name: SCROLL,
    productLabel:
      `review: a key press (j, ↓, PgDn) to the next frame written, scrolling the diff of ` +
      `${f.diffLines} lines on a fake terminal`,
    referenceLabel: `\`git diff base tip > /dev/null\` of the same task`,
    target: { maxMs: TARGET_MS },
    ...budget,
    setup: async () => {
      const open = await openDiff(f);
      sc = new Scroller(open.m, open.at);
      openMs = open.openMs;
    },
    product: {
      before: () => ui().ready(),
      run: (i) => ui().press(i, i >= budget.warmup),
    },
    reference,
    teardown: async () => {
      if (!sc) return;
      // Where the CPU goes, when asked or on a miss; the diff must still be open.
      if (ctx.breakdown || median(sc.presses.map((p) => p.ms)) > TARGET_MS)
        profiled = await profileNotes(sc, PROFILED_PRESSES);
      sc.m.unmount();
    },
  };
  const m = await runBenchmark(b, ctx, 'review', f.size);
  m.notes = [...notes(ui().presses), await openNote(f, openMs), ...profiled];
  return m;
}
