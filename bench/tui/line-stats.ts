import { rm } from 'node:fs/promises';
import path from 'node:path';
import { taskDir } from '../../src/tasks/paths.js';
import { listTasks } from '../../src/tasks/summary.js';
import { probe } from '../spawn-probe.js';
import { median } from '../timing.js';
import type { ReviewFixture } from './fixture.js';

const f1 = (x: number) => x.toFixed(1);

/** Forgets every task's cached line counts, as on tasks the runner has not finished yet. */
export const dropLineStats = (f: ReviewFixture) =>
  Promise.all(f.ids.map((id) => rm(path.join(taskDir(f.repo, id), 'line-stats.json'), { force: true })));

/** listTasks alone, warm and without its cache, with the git calls each makes. */
export async function listTasksNote(f: ReviewFixture): Promise<string> {
  const warm: Awaited<ReturnType<typeof probe>>[] = [];
  for (let k = 0; k < 5; k++) warm.push(await probe(() => listTasks(f.repo)));
  await dropLineStats(f);
  const cold = await probe(() => listTasks(f.repo));
  const calls = (p: (typeof warm)[number]) => `${p.calls.length} git call${p.calls.length === 1 ? '' : 's'}`;
  return (
    `listTasks alone: ${f1(median(warm.map((p) => p.totalMs)))} ms with the line-stats cache (${calls(warm[0]!)}), ` +
    `${f1(cold.totalMs)} ms without it (${calls(cold)}: a numstat per task)`
  );
}
