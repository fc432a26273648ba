import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { appendEvent } from '../../src/tasks/record.js';
import { acquireRunLock, type RunLock } from '../../src/tasks/run-lock.js';
import { cleanupTemps, makeRepo } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { lines, mount } from './review-harness.js';

afterEach(() => cleanup());
afterAll(cleanupTemps);

/** Tasks 1 and 2 changed src/api.ts, tasks 3 and 4 docs.md. */
async function fourTasks() {
  const dir = await makeRepo({ 'src/api.ts': 'v1\n', 'docs.md': 'd\n' });
  await taskWithAttempts(dir, 'Fix the API', [{ files: { 'src/api.ts': 'one\n' }, exit: 1 }]);
  await taskWithAttempts(dir, 'Speed up the API', [
    { files: { 'src/api.ts': 'two\n', 'b.ts': 'b\n' }, exit: 1 },
  ]);
  await taskWithAttempts(dir, 'Write the docs', [{ files: { 'docs.md': 'three\n' }, exit: 1 }]);
  const { repo } = await taskWithAttempts(dir, 'Polish the docs', [
    { files: { 'docs.md': 'four\n' }, exit: 1 },
  ]);
  return { dir, repo };
}

const rowOf = (frame: string, id: number) =>
  lines(frame).find((l) => new RegExp(`^[› ] +${id} `).test(l)) ?? '';

async function running(
  repo: Awaited<ReturnType<typeof fourTasks>>['repo'],
  ids: number[],
): Promise<RunLock[]> {
  const locks: RunLock[] = [];
  for (const id of ids) {
    locks.push(await acquireRunLock(repo, id));
    await appendEvent(repo, id, 'status', { status: 'running' });
  }
  return locks;
}

describe('review: running tasks that changed the same file', () => {
  it('warns on both rows at 80 columns; a running task whose file only a stopped task shares has none', async () => {
    const { repo } = await fourTasks();
    // Task 4 changed docs.md too, but it is not running.
    const locks = await running(repo, [1, 2, 3]);
    try {
      const ui = mount(repo, {}, { columns: 80, rows: 24 });
      const f = await ui.until(
        (f) => rowOf(f, 1).includes('⚠') && rowOf(f, 2).includes('⚠'),
        'the warning on rows 1 and 2',
      );
      expect(rowOf(f, 1)).toMatch(/1 running .*⚠ also 2: src\/api\.ts/);
      expect(rowOf(f, 2)).toMatch(/2 running .*⚠ also 1: src\/api\.ts/);
      expect(rowOf(f, 3)).toMatch(/3 running/);
      expect(rowOf(f, 3)).not.toContain('⚠');
      expect(rowOf(f, 4)).not.toContain('⚠');
      for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(80);
    } finally {
      for (const l of locks) await l.release();
    }
  });

  it('follows tasks as they start and stop running', async () => {
    const { repo } = await fourTasks();
    const locks = await running(repo, [2, 3, 4]);
    try {
      const ui = mount(repo, {}, { columns: 100, rows: 24 });
      // Rows 3 and 4 warn, so the overlaps were read with task 1 not running: row 2 has none.
      await ui.until(
        (f) => rowOf(f, 3).includes('⚠ also 4') && rowOf(f, 4).includes('⚠ also 3'),
        'rows 3 and 4',
      );
      expect(rowOf(ui.frame(), 2)).toMatch(/2 running/);
      expect(rowOf(ui.frame(), 2)).not.toContain('⚠');
      expect(rowOf(ui.frame(), 1)).not.toContain('⚠');

      const [one] = await running(repo, [1]);
      locks.push(one!);
      await ui.until(
        (f) => rowOf(f, 1).includes('⚠ also 2: src/api.ts') && rowOf(f, 2).includes('⚠ also 1: src/api.ts'),
        'the warning on rows 1 and 2 once task 1 runs',
      );

      await one!.release();
      await appendEvent(repo, 1, 'status', { status: 'failed', reason: 'no luck' });
      await ui.until(
        (f) => /1 failed/.test(rowOf(f, 1)) && !rowOf(f, 1).includes('⚠') && !rowOf(f, 2).includes('⚠'),
        'no warning on rows 1 and 2 once task 1 stopped',
      );
      expect(rowOf(ui.frame(), 3)).toContain('⚠ also 4: docs.md');
    } finally {
      for (const l of locks) await l.release();
    }
  });
});
