import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { appendEvent } from '../../src/tasks/record.js';
import { rollbackTask } from '../../src/tasks/rollback.js';
import { cleanupTemps, makeRepo, sh, writeFiles } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { KEY, mount } from '../tui/review-harness.js';

afterEach(() => cleanup());
afterAll(cleanupTemps);

describe('trust: the review TUI shows the merge and discard refusals in place', () => {
  it('a rolled-back task reads "failed (rolled back from 1.2)" and its merge is refused; hand edits stop a discard', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id, worktree } = await taskWithAttempts(dir, 'Rolled', [
      { files: { 'a.txt': 'wrong\n' }, exit: 1 },
      { files: { 'a.txt': 'right\n' }, exit: 0 },
    ]);
    await appendEvent(repo, id, 'status', { status: 'passed' });
    await rollbackTask(repo, { task: id, attempt: 1 });
    await writeFiles(worktree, { 'mine.txt': 'by hand\n' });
    const head = sh(dir, 'rev-parse', 'HEAD');

    const ui = mount(repo);
    await ui.waitFor(/failed +2 .*rolled back from 1\.2 · Rolled/);
    await ui.press('m');
    await ui.waitFor('[squash]');
    await ui.press(KEY.enter);
    await ui.waitFor('error: the branch of task 1 is at attempt 1.1, which ended failed');
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);

    await ui.press(KEY.esc);
    await ui.waitFor(/failed +2 .*rolled back from 1\.2 · Rolled/);
    await ui.press('x');
    await ui.waitFor('Discard task 1?');
    await ui.press('y');
    await ui.waitFor('which discard would delete:');
    expect(ui.frame()).toContain('mine.txt');
    expect(readFileSync(path.join(worktree, 'mine.txt'), 'utf8')).toBe('by hand\n');
    expect(sh(dir, 'branch', '--list', 'factory/1-rolled')).not.toBe('');
  });
});
