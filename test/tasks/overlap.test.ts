import { afterAll, describe, expect, it } from 'vitest';
import { overlapMark, overlaps, runningOverlaps, type ChangedPathsCache } from '../../src/tasks/overlap.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';
import { cleanupTemps, makeRepo, writeFiles } from '../helpers/git-repo.js';
import { taskWithAttempts, W } from '../helpers/engine.js';

afterAll(cleanupTemps);

describe('overlaps of running tasks', () => {
  it('names, for each task, the others that touched one of its files and which files', () => {
    const o = overlaps([
      { id: 1, paths: ['src/api.ts', 'README.md'] },
      { id: 2, paths: ['src/api.ts', 'src/b.ts'] },
      { id: 3, paths: new Set(['src/b.ts', 'README.md']) },
      { id: 4, paths: ['docs/alone.md'] },
    ]);
    expect(Object.fromEntries(o)).toEqual({
      1: { with: [2, 3], files: ['README.md', 'src/api.ts'] },
      2: { with: [1, 3], files: ['src/api.ts', 'src/b.ts'] },
      3: { with: [1, 2], files: ['README.md', 'src/b.ts'] },
    });
  });

  it('leaves out tasks with disjoint files, and a task alone or with no files', () => {
    expect(
      overlaps([
        { id: 1, paths: ['a.ts'] },
        { id: 2, paths: ['b.ts'] },
      ]).size,
    ).toBe(0);
    expect(overlaps([{ id: 1, paths: ['a.ts'] }]).size).toBe(0);
    expect(
      overlaps([
        { id: 1, paths: [] },
        { id: 2, paths: [] },
      ]).size,
    ).toBe(0);
    expect(overlaps([]).size).toBe(0);
  });

  it('marks the overlap in a short line: the others, the first file (its end kept) and how many more', () => {
    expect(overlapMark({ with: [3], files: ['src/api.ts'] })).toBe('⚠ also 3: src/api.ts');
    expect(overlapMark({ with: [2, 3], files: ['a.ts', 'b.ts', 'c.ts'] })).toBe('⚠ also 2,3: a.ts +2');
    expect(overlapMark({ with: [2, 3, 4, 5], files: ['a.ts'] })).toBe('⚠ also 2,3,4,…: a.ts');
    const long = overlapMark({ with: [12], files: ['src/some/deeply/nested/folder/pagination.ts'] }, 24);
    expect(long).toBe('⚠ also 12: …agination.ts');
    expect([...long].length).toBeLessThanOrEqual(24);
    // A path is the model's text: a control character in it cannot reach the terminal.
    expect(overlapMark({ with: [2], files: ['a\u001b[2Jb.ts'] })).not.toContain('\u001b');
  });
});

describe('running overlaps from the task branches', () => {
  it('reads each branch against its base: shared files on both, disjoint or untouched tasks left out', async () => {
    const dir = await makeRepo({ 'api.ts': 'v1\n', 'b.ts': 'b\n', 'c.ts': 'c\n' });
    await taskWithAttempts(dir, 'One', [{ files: { 'api.ts': 'one\n', 'new.ts': 'n\n' }, exit: 1 }]);
    await taskWithAttempts(dir, 'Two', [{ files: { 'api.ts': 'two\n' }, exit: 1 }]);
    await taskWithAttempts(dir, 'Three', [{ files: { 'c.ts': 'three\n' }, exit: 1 }]);
    // Wrote api.ts back as it was: no change against its base, so no overlap.
    const { repo } = await taskWithAttempts(dir, 'Four', [{ files: { 'api.ts': 'v1\n' }, exit: 1 }]);
    await taskWithAttempts(dir, 'Five', []);

    const cache: ChangedPathsCache = new Map();
    const o = await runningOverlaps(repo, [1, 2, 3, 4, 5], cache);
    expect(Object.fromEntries(o)).toEqual({
      1: { with: [2], files: ['api.ts'] },
      2: { with: [1], files: ['api.ts'] },
    });
    // Only the tasks passed count: task 2 is not running, so task 1 is alone on api.ts.
    expect((await runningOverlaps(repo, [1, 3, 4], cache)).size).toBe(0);
    // A task whose record is gone is skipped, not an error.
    expect(Object.fromEntries(await runningOverlaps(repo, [1, 2, 99], cache))).toEqual(Object.fromEntries(o));
    // Branches that did not move are read from the cache (no git call needed for them).
    expect([...cache.keys()].every((k) => /^[0-9a-f]{40}\.\.[0-9a-f]{40}$/.test(k))).toBe(true);
  });

  it('follows a branch that moves: a later step on a shared file shows up', async () => {
    const dir = await makeRepo({ 'x.ts': 'x\n', 'y.ts': 'y\n' });
    await taskWithAttempts(dir, 'One', [{ files: { 'x.ts': '1\n' }, exit: 1 }]);
    const two = await taskWithAttempts(dir, 'Two', [{ files: { 'y.ts': '2\n' }, exit: 1 }]);
    const cache: ChangedPathsCache = new Map();
    expect((await runningOverlaps(two.repo, [1, 2], cache)).size).toBe(0);
    const ws = await TaskWorkspace.open(two.repo, two.id, W);
    try {
      const n = await ws.nextAttempt();
      await writeFiles(ws.worktree, { 'x.ts': 'two\n' });
      await ws.commitStep({ attempt: n, step: 1, tool: 'write_file', paths: ['x.ts'] });
    } finally {
      await ws.close();
    }
    expect(Object.fromEntries(await runningOverlaps(two.repo, [1, 2], cache))).toEqual({
      1: { with: [2], files: ['x.ts'] },
      2: { with: [1], files: ['x.ts'] },
    });
  });
});
