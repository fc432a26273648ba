/** The review's task list shows a plan's children under their parent, indented (issue 13). */
import { afterAll, afterEach, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { readRecord, writeRecord } from '../../src/tasks/record.js';
import { listTasks } from '../../src/tasks/summary.js';
import { cleanupTemps, makeRepo } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { lines, mount } from './review-harness.js';

afterEach(() => cleanup());
afterAll(cleanupTemps);

it('lists children right after their parent, marked, and moves through them in that order', async () => {
  const dir = await makeRepo({ 'a.txt': 'a\n' });
  await taskWithAttempts(dir, 'The whole feature', []);
  await taskWithAttempts(dir, 'Another task', [{ files: { 'a.txt': 'b\n' }, exit: 0 }]);
  const { repo } = await taskWithAttempts(dir, 'The api part', [{ files: { 'api.txt': 'ok\n' }, exit: 0 }]);
  // Task 3 is task 1's child (as the runner records a plan's split).
  await writeRecord(repo, { ...(await readRecord(repo, 1)), plan: true, children: [3] });
  await writeRecord(repo, { ...(await readRecord(repo, 3)), parent: 1, planKey: 'api' });
  expect((await listTasks(repo)).map((r) => [r.id, r.parent])).toEqual([
    [1, undefined],
    [3, 1],
    [2, undefined],
  ]);

  const ui = mount(repo);
  const f = await ui.waitFor('Another task');
  const rows = lines(f).filter((l) => /factory\/\d/.test(l));
  expect(rows).toHaveLength(3);
  expect(rows[0]).toMatch(/› +1 .*factory\/1-\S+ +The whole feature/);
  expect(rows[1]).toMatch(/^ +3 .*factory\/3-\S+ +└ The api part/);
  expect(rows[2]).toMatch(/^ +2 .*factory\/2-\S+ +Another task/);
  await ui.press('j');
  await ui.waitFor(/› +3 /);
  await ui.press('j');
  await ui.waitFor(/› +2 /);
});
