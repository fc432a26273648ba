import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openRepo } from '../../src/git/repo.js';
import type { GeneratedRepo } from '../gen-repo.js';
import { makeTask, smallAttempts } from '../tui/fixture.js';

/** The repo: 20 tasks, each an attempt or two of step commits, as the review suite makes them. */
export const TASKS = 20;

/** Makes the tasks one after another with the engine (no model loop); their ids are 1..20. */
export async function makeStartupFixture(gen: GeneratedRepo): Promise<void> {
  const repo = await openRepo(gen.root);
  const read = (rel: string) => readFileSync(path.join(gen.root, rel), 'utf8');
  for (let k = 1; k <= TASKS; k++)
    await makeTask(
      repo,
      `Small change number ${k} to the generated modules`,
      smallAttempts(gen, k, read),
      k % 4 !== 0,
    );
}
