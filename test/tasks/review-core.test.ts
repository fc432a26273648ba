import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { conflictMatrix } from '../../src/tasks/conflicts.js';
import { diffOf } from '../../src/tasks/diff.js';
import { requestCancel, watchCancel } from '../../src/tasks/cancel.js';
import { acquireRunLock } from '../../src/tasks/run-lock.js';
import { taskDir } from '../../src/tasks/paths.js';
import { coderStreamWriter, readCoderStream } from '../../src/tasks/coder-stream.js';
import { cleanupTemps, makeRepo, sh, writeFiles } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';

afterAll(cleanupTemps);

describe('what the review screens read from the core', () => {
  it('computes which task branches conflict with the base and with each other, touching nothing', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n', 'b.txt': 'b\n' });
    const t1 = await taskWithAttempts(dir, 'one', [{ files: { 'a.txt': 'one\n' }, exit: 0 }]);
    await taskWithAttempts(dir, 'two', [{ files: { 'a.txt': 'two\n' }, exit: 0 }]);
    await taskWithAttempts(dir, 'three', [{ files: { 'b.txt': 'three\n' }, exit: 0 }]);
    await writeFiles(dir, { 'b.txt': 'main moved\n' });
    sh(dir, 'commit', '-qam', 'main moves');
    const before = sh(dir, 'status', '--porcelain') + sh(dir, 'rev-parse', 'HEAD');
    const m = await conflictMatrix(t1.repo);
    expect(m.tasks.map((t) => t.id)).toEqual([1, 2, 3]);
    expect(m.withBase).toEqual({ 1: [], 2: [], 3: ['b.txt'] });
    expect(m.pairs).toEqual({ '1:2': ['a.txt'], '1:3': [], '2:3': [] });
    expect(sh(dir, 'status', '--porcelain') + sh(dir, 'rev-parse', 'HEAD')).toBe(before);
  });

  it('gives the diff of a task, an attempt and a step with per-file counts', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const t = await taskWithAttempts(dir, 'diffs', [
      { files: { 'a.txt': 'one\n', 'n.txt': 'n\n' }, exit: 1 },
      { files: { 'a.txt': 'two\n' }, exit: 0 },
    ]);
    const whole = await diffOf(t.repo, { task: t.id });
    expect(whole.files).toEqual([
      { path: 'a.txt', added: 1, removed: 1 },
      { path: 'n.txt', added: 1, removed: 0 },
    ]);
    expect(whole.patch).toContain('+two');
    const attempt = await diffOf(t.repo, { task: t.id, attempt: 2 });
    expect(attempt.files.map((f) => f.path)).toEqual(['a.txt']);
    const step = await diffOf(t.repo, { task: t.id, attempt: 1, step: 2 });
    expect(step.files.map((f) => f.path)).toEqual(['n.txt']);
  });

  it('cancels one running task through a request file, and refuses when it is not running', async () => {
    const dir = await makeRepo();
    const t = await taskWithAttempts(dir, 'busy', []);
    await expect(requestCancel(t.repo, t.id)).rejects.toThrow(/not running/);
    const lock = await acquireRunLock(t.repo, t.id);
    const parent = new AbortController();
    // A request left by an earlier run: the watcher clears it first. Once it is gone, that clearing
    // is done and cannot take the request below with it.
    const stale = path.join(taskDir(t.repo, t.id), 'cancel');
    await writeFile(stale, 'stale\n');
    const w = watchCancel(t.repo, t.id, parent.signal);
    await expect.poll(() => existsSync(stale), { interval: 10, timeout: 10_000 }).toBe(false);
    expect(w.signal.aborted).toBe(false);
    await requestCancel(t.repo, t.id);
    await expect.poll(() => w.signal.aborted, { interval: 50, timeout: 10_000 }).toBe(true);
    expect(parent.signal.aborted).toBe(false);
    await w.stop();
    await lock.release();
  });

  it('keeps the streamed Coder text for other processes to show', async () => {
    const dir = await makeRepo();
    const t = await taskWithAttempts(dir, 'stream', []);
    const s = coderStreamWriter(t.repo, t.id);
    s.reset();
    for (const d of ['Hel', 'lo ', 'world']) s.write(d);
    await s.close();
    expect(await readCoderStream(t.repo, t.id)).toBe('Hello world');
  });
});
