import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { cleanup } from 'ink-testing-library';
import { appendEvent } from '../../src/tasks/record.js';
import { acquireRunLock } from '../../src/tasks/run-lock.js';
import { coderStreamWriter } from '../../src/tasks/coder-stream.js';
import { cleanupTemps, makeRepo, sh, writeFiles } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { KEY, lines, mount } from './review-harness.js';

afterEach(() => cleanup());
afterAll(cleanupTemps);

const OUTPUT = Array.from({ length: 60 }, (_, i) => `\x1b[31mline ${i + 1}\x1b[0m\tof the check`).join('\n');

async function twoAttempts() {
  const dir = await makeRepo({ 'a.txt': 'a\n' });
  const t = await taskWithAttempts(dir, 'Fix pagination', [
    { files: { 'a.txt': 'one\n', 'n.txt': 'n\n' }, exit: 1 },
    { files: { 'a.txt': 'two\n' }, exit: 0 },
  ]);
  await appendEvent(t.repo, t.id, 'check', {
    attempt: 1,
    command: 'npm test',
    exitCode: 1,
    timedOut: false,
    durationMs: 1234,
    output: OUTPUT,
    truncatedBytes: 4096,
  });
  await appendEvent(t.repo, t.id, 'verdict', {
    attempt: 1,
    verdict: 'FAIL',
    passed: false,
    reason: 'check failed',
    sheriff: {
      analysis: 'The start index is off by one page.\nMore detail here.',
      fix: 'Use (page - 1) * size.',
    },
  });
  await appendEvent(t.repo, t.id, 'verdict', {
    attempt: 2,
    verdict: 'PASS',
    passed: true,
    reason: '',
    sheriff: { analysis: 'Both tests pass now.', fix: '' },
  });
  return { dir, ...t };
}

describe('review: task detail', () => {
  it('shows the attempts timeline with steps, check exits, durations and the Sheriff in one line', async () => {
    const t = await twoAttempts();
    const ui = mount(t.repo);
    await ui.waitFor('Fix pagination');
    await ui.press(KEY.enter);
    const f = await ui.waitFor('1.2.1');
    expect(f).toContain('task 1 · Fix pagination');
    expect(f).toMatch(/1\.1 +failed +check exit 1 +10ms +FAIL +— The start index is off by one page\./);
    expect(f).toMatch(/1\.1\.1 +write_file +a\.txt +\+1 -1/);
    expect(f).toMatch(/1\.1\.2 +write_file +n\.txt +\+1 -0/);
    expect(f).toMatch(/› 1\.2 +passed +check exit 0 +10ms +PASS +◂ branch +— Both tests pass now\./);
    expect(f).not.toContain('More detail here');
  });

  it('opens the task on a line feed too (Ctrl-J, or Enter pressed before the terminal went raw)', async () => {
    const t = await twoAttempts();
    const ui = mount(t.repo);
    await ui.waitFor('Fix pagination');
    await ui.press('\n');
    expect(await ui.waitFor('1.2.1')).toContain('task 1 · Fix pagination');
  });

  it("shows the selected attempt's check output, head first, scrollable to its tail", async () => {
    const t = await twoAttempts();
    const ui = mount(t.repo);
    await ui.waitFor('Fix pagination');
    await ui.press(KEY.enter);
    await ui.waitFor('1.2.1');
    expect(ui.frame()).toContain('(no check output for attempt 2)');
    await ui.press('g');
    let f = await ui.waitFor('check of attempt 1: exit 1 in 1.2s (npm test), 4096 bytes cut from the middle');
    expect(f).toContain('Sheriff: FAIL — The start index is off by one page.');
    expect(f).toContain('fix: Use (page - 1) * size.');
    // Colours from the check are shown, never obeyed; tabs are spaces.
    expect(f).toContain('␛[31mline 1␛[0m of the check');
    expect(f).not.toContain('\x1b[31m');
    expect(f).not.toContain('line 60␛');
    for (let i = 0; i < 8; i++) await ui.press('J');
    f = await ui.waitFor('line 60␛');
    expect(f).not.toContain('line 1␛');
    await ui.press(KEY.pageUp);
    await ui.until((fr) => !fr.includes('line 60␛'), 'line 60 to scroll away');
    expect(lines(ui.frame()).length).toBeLessThan(24);
  });

  it("shows the Coder's text live while the task runs", async () => {
    const t = await twoAttempts();
    const lock = await acquireRunLock(t.repo, t.id);
    const stream = coderStreamWriter(t.repo, t.id);
    try {
      await appendEvent(t.repo, t.id, 'status', { status: 'running' });
      await appendEvent(t.repo, t.id, 'phase', { attempt: 3, phase: 'coder' });
      stream.reset();
      stream.write('I will look at the pager first.\n');
      await stream.close();
      const ui = mount(t.repo);
      await ui.waitFor('running (coder)');
      await ui.press(KEY.enter);
      await ui.waitFor("the Coder's text (live)");
      await ui.waitFor('I will look at the pager first.');
      const more = coderStreamWriter(t.repo, t.id);
      more.write('Now the test.\n');
      await more.close();
      await ui.waitFor('Now the test.');
      await ui.press('t');
      await ui.waitFor('check output');
    } finally {
      await lock.release();
    }
  });

  it('warns about a deleted worktree and refuses to open a shell there', async () => {
    const t = await twoAttempts();
    await rm(t.worktree, { recursive: true, force: true });
    const ui = mount(t.repo);
    await ui.waitFor('Fix pagination');
    await ui.press(KEY.enter);
    await ui.waitFor(`warning: the worktree is gone (${t.worktree})`);
    await ui.press('s');
    await ui.waitFor(`error: the worktree of task 1 is gone (${t.worktree})`);
    expect(ui.calls.shell).toEqual([]);
    await ui.press('r');
    await ui.waitFor('Roll task 1 back to 1.2?');
    await ui.press('y');
    await ui.waitFor(/error: the worktree of task 1 is gone/);
  });

  it('warns about commits made on the branch by hand, and about a deleted branch', async () => {
    const t = await twoAttempts();
    await writeFiles(t.worktree, { 'hand.txt': 'by hand\n' });
    sh(t.worktree, 'add', 'hand.txt');
    sh(t.worktree, 'commit', '-qm', 'a change by hand');
    const ui = mount(t.repo);
    await ui.waitFor('Fix pagination');
    await ui.press(KEY.enter);
    await ui.waitFor(/warning: 1 commit on the branch not made by factory \(\w+ a change by hand\)/);
    sh(t.dir, 'worktree', 'remove', '--force', t.worktree);
    sh(t.dir, 'branch', '-D', 'factory/1-fix-pagination');
    await appendEvent(t.repo, t.id, 'note', {});
    await ui.waitFor('the branch factory/1-fix-pagination does not exist any more');
    await ui.press('d');
    await ui.waitFor('error: task 1 has no branch any more');
    await ui.press(KEY.esc);
    await ui.waitFor('factory/1-fix-pagination (deleted)');
  });
});
