import { performance } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { diffOf } from '../../src/tasks/diff.js';
import { buildDiffLines } from '../../src/tui/review/diff-lines.js';
import { median } from '../timing.js';
import type { ReviewFixture } from './fixture.js';
import { mountReview, type Mounted } from './mount.js';
import { KEYS } from './terminal.js';

const f1 = (x: number) => x.toFixed(1);
const POSITION = /lines (\d+)-(\d+) of (\d+)/;

/** Where the diff view is, from its title line: first and last line shown, and the total. */
export interface View {
  first: number;
  last: number;
  total: number;
}

export function view(text: string): View {
  const m = POSITION.exec(text);
  if (!m) throw new Error(`no diff position in the frame:\n${text}`);
  return { first: Number(m[1]), last: Number(m[2]), total: Number(m[3]) };
}

const settle = async () => {
  // Ink subscribes key handlers in React's passive effects, which run after the commit.
  for (let k = 0; k < 3; k++) await tick();
};

/** The review, open on the big task's diff: `G` selects the newest task in the list, `d` opens its diff. */
export async function openDiff(f: ReviewFixture): Promise<{ m: Mounted; openMs: number; at: View }> {
  const m = mountReview(f.repo);
  await m.stdout.next((t) => t.includes(`${f.tasks} tasks`) && t.includes('› '), 'the task list');
  await settle();
  const row = new RegExp(`› +${f.big.id} `);
  const selected = m.stdout.next((t) => row.test(t), `task ${f.big.id} selected`);
  m.stdin.press('G');
  await selected;
  await settle();
  const t0 = performance.now();
  const opened = m.stdout.next((t) => t.includes('· lines 1-'), `the diff of task ${f.big.id}`);
  m.stdin.press(KEYS.d);
  const w = await opened;
  return { m, openMs: w.at - t0, at: view(w.text) };
}

/** diffOf and buildDiffLines alone on the big task: what opening its diff costs before React. */
export async function openNote(f: ReviewFixture, openMs: number): Promise<string> {
  const git = [];
  const build = [];
  let lines = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    const d = await diffOf(f.repo, { task: f.big.id });
    const t1 = performance.now();
    lines = buildDiffLines(d.files, d.patch).lines.length;
    git.push(t1 - t0);
    build.push(performance.now() - t1);
  }
  return (
    `opening the diff (d on task ${f.big.id}): ${f1(openMs)} ms to its first frame; alone, diffOf takes ` +
    `${f1(median(git))} ms (two git diffs and the task's history) and buildDiffLines ${f1(median(build))} ms ` +
    `for its ${lines} display lines (medians of 3)`
  );
}
