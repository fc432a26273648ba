import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { cleanup, render } from 'ink-testing-library';
import { Text } from 'ink';
import { appendEvent } from '../../src/tasks/record.js';
import { acquireRunLock } from '../../src/tasks/run-lock.js';
import { taskDir } from '../../src/tasks/paths.js';
import { ErrorBoundary } from '../../src/tui/review/components/error-boundary.js';
import { cleanupTemps, makeRepo, sh } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { KEY, mount } from './review-harness.js';

afterEach(() => cleanup());
afterAll(cleanupTemps);

/** Task 1 and 2 both change a.txt (they conflict with each other); task 3 changes c.txt. */
async function threeTasks() {
  const dir = await makeRepo({ 'a.txt': 'a\n', 'c.txt': 'c\n' });
  const one = await taskWithAttempts(dir, 'First', [
    { files: { 'a.txt': 'one\n' }, exit: 1 },
    { files: { 'a.txt': 'one again\n' }, exit: 0 },
  ]);
  await taskWithAttempts(dir, 'Second', [{ files: { 'a.txt': 'two\n' }, exit: 0 }]);
  await taskWithAttempts(dir, 'Third', [{ files: { 'c.txt': 'three\n' }, exit: 0 }]);
  return { dir, repo: one.repo, worktree: one.worktree };
}

const rev = (dir: string, ref: string) => sh(dir, 'rev-parse', ref);

describe('review: merge', () => {
  it('shows the conflicts first, then squash-merges with enter and says so in place', async () => {
    const t = await threeTasks();
    const head = rev(t.dir, 'HEAD');
    const ui = mount(t.repo);
    await ui.waitFor('Third');
    await ui.press('j', 'm');
    const f = await ui.waitFor('with task 1: CONFLICT in a.txt');
    expect(f).toContain('Merge task 2 into main');
    expect(f).toContain('with main: merges cleanly');
    expect(f).toContain('[squash]');
    expect(f).toMatch(/› #2 Second +ok +!1 +- +ok/);
    // Nothing happens before enter.
    expect(rev(t.dir, 'HEAD')).toBe(head);
    await ui.press(KEY.enter);
    await ui.waitFor(/done: merged task 2 into main as \w+ \(squash, 1 file\(s\)\)/);
    await ui.waitFor(/› +2 merged/);
    expect(sh(t.dir, 'log', '-1', '--format=%s%n%P')).toBe(`Second (factory task 2)\n${head}`);
    expect(sh(t.dir, 'status', '--porcelain')).toBe('');
  });

  it('refuses a conflicting merge in place and changes nothing', async () => {
    const t = await threeTasks();
    const ui = mount(t.repo);
    await ui.waitFor('Third');
    await ui.press('j', 'm');
    await ui.waitFor('[squash]');
    await ui.press(KEY.enter);
    await ui.waitFor('done: merged task 2');
    const head = rev(t.dir, 'HEAD');
    await ui.press('k', 'm');
    await ui.waitFor('with main: CONFLICT in a.txt');
    await ui.press(KEY.enter);
    await ui.waitFor('error: merge conflict in 1 file(s): a.txt; nothing was changed');
    expect(ui.frame()).toContain('Merge task 1 into main');
    expect(rev(t.dir, 'HEAD')).toBe(head);
    expect(sh(t.dir, 'status', '--porcelain')).toBe('');
  });

  it('merges with a merge commit when that mode is chosen', async () => {
    const t = await threeTasks();
    const ui = mount(t.repo);
    await ui.waitFor('Third');
    await ui.press('G', 'm');
    await ui.waitFor('[squash]');
    await ui.press(KEY.right);
    await ui.waitFor('[merge]');
    await ui.press('r');
    await ui.waitFor('[rebase]');
    await ui.press('m', KEY.enter);
    await ui.waitFor('done: merged task 3 into main');
    expect(sh(t.dir, 'log', '-1', '--format=%P').split(' ')).toHaveLength(2);
  });

  it('refuses to merge a task that is already merged', async () => {
    const t = await threeTasks();
    await appendEvent(t.repo, 3, 'merged', {});
    const ui = mount(t.repo);
    await ui.waitFor('3 merged');
    await ui.press('G', 'm');
    await ui.waitFor('error: task 3 is already merged');
  });
});

describe('review: discard, rollback, undo', () => {
  it('asks before discarding, leaves the task alone on no, and discards on yes', async () => {
    const t = await threeTasks();
    const ui = mount(t.repo);
    await ui.waitFor('Third');
    await ui.press('G', 'x');
    await ui.waitFor('Discard task 3? Its branch factory/3-third is deleted');
    await ui.press('n');
    await ui.waitFor('left as it was');
    expect(sh(t.dir, 'branch', '--list', 'factory/3-third')).not.toBe('');
    await ui.press('x');
    await ui.waitFor('Discard task 3?');
    await ui.press(KEY.esc);
    await ui.waitFor('left as it was');
    await ui.press('x', 'y');
    await ui.waitFor('done: discarded task 3: deleted factory/3-third');
    expect(sh(t.dir, 'branch', '--list', 'factory/3-third')).toBe('');
    await ui.waitFor('2 tasks');
  });

  it('rolls back to the selected attempt after asking, and undoes it', async () => {
    const t = await threeTasks();
    const ui = mount(t.repo);
    await ui.waitFor('Third');
    await ui.press(KEY.enter);
    await ui.waitFor('1.2.1');
    await ui.press('g', 'r');
    await ui.waitFor('Roll task 1 back to 1.1?');
    await ui.press('y');
    await ui.waitFor(/done: task 1: rolled back to 1\.1 \(\w+\); u undoes it/);
    expect(rev(t.dir, 'factory/1-first')).toBe(rev(t.dir, 'refs/factory/1/attempts/1'));
    await ui.waitFor(/› 1\.1 .* ◂ branch/);
    expect(ui.frame()).toMatch(/1\.2 +passed .*\(rolled back\)/);
    await ui.press('u');
    await ui.waitFor('Undo the last rollback of task 1?');
    await ui.press('y');
    await ui.waitFor('done: task 1: rolled back to before the last rollback');
    expect(rev(t.dir, 'factory/1-first')).toBe(rev(t.dir, 'refs/factory/1/attempts/2'));
  });

  it('rolls back to a step', async () => {
    const t = await threeTasks();
    const ui = mount(t.repo);
    await ui.waitFor('Third');
    await ui.press(KEY.enter);
    await ui.waitFor('1.2.1');
    await ui.press('g', 'j', 'r');
    await ui.waitFor('Roll task 1 back to 1.1.1?');
    await ui.press('y');
    await ui.waitFor('done: task 1: rolled back to 1.1.1');
    expect(sh(t.worktree, 'log', '-1', '--format=%s')).toBe('factory: 1.1.1 write_file a.txt');
  });

  it('shows the core refusal in place when there is no rollback to undo', async () => {
    const t = await threeTasks();
    const ui = mount(t.repo);
    await ui.waitFor('Third');
    await ui.press('u', 'y');
    await ui.waitFor('error: task 1 has no rollback to undo');
  });
});

describe('review: resume, cancel, shell, copy', () => {
  it('resumes with feedback typed in place, in the background', async () => {
    const t = await threeTasks();
    await appendEvent(t.repo, 1, 'status', { status: 'failed', reason: 'max attempts' });
    const ui = mount(t.repo);
    await ui.waitFor('1 failed');
    await ui.press('f');
    await ui.waitFor("Feedback for task 1's next attempt");
    await ui.type('The bug is in the page indexx');
    await ui.press(KEY.backspace);
    await ui.waitFor('> The bug is in the page index');
    await ui.press(KEY.enter);
    await ui.waitFor('done: task 1 resumes in the background (pid 4242); output in /tmp/resume-1.log');
    expect(ui.calls.resume).toEqual([[1, 'The bug is in the page index']]);
  });

  it('refuses feedback for a running or a passed task, and esc leaves the input', async () => {
    const t = await threeTasks();
    const ui = mount(t.repo);
    await ui.waitFor('Third');
    await ui.press('f');
    await ui.waitFor('Feedback for task 1');
    await ui.type('never mind');
    await ui.press(KEY.esc);
    await ui.waitFor('left as it was');
    await appendEvent(t.repo, 3, 'status', { status: 'passed' });
    await ui.waitFor('3 passed');
    await ui.press('G', 'f');
    await ui.waitFor('error: task 3 is passed; there is nothing to resume');
    const lock = await acquireRunLock(t.repo, 2);
    try {
      await appendEvent(t.repo, 2, 'status', { status: 'running' });
      await ui.waitFor('2 running');
      await ui.press('k', 'f');
      await ui.waitFor('error: task 2 is running');
    } finally {
      await lock.release();
    }
    expect(ui.calls.resume).toEqual([]);
  });

  it('cancels a running task after asking, and refuses when it is not running', async () => {
    const t = await threeTasks();
    const ui = mount(t.repo);
    await ui.waitFor('Third');
    await ui.press('c');
    await ui.waitFor('error: task 1 is not running (open)');
    const lock = await acquireRunLock(t.repo, 1);
    try {
      await appendEvent(t.repo, 1, 'status', { status: 'running' });
      await ui.waitFor('1 running');
      await ui.press('c');
      await ui.waitFor('Cancel task 1?');
      await ui.press('y');
      await ui.waitFor('done: asked task 1 to cancel');
      expect(existsSync(path.join(taskDir(t.repo, 1), 'cancel'))).toBe(true);
    } finally {
      await lock.release();
    }
  });

  it("opens a shell in the task's worktree and copies the branch name", async () => {
    const t = await threeTasks();
    const ui = mount(t.repo);
    await ui.waitFor('Third');
    await ui.press('s');
    await ui.waitFor(`done: back from the shell in ${t.worktree}`);
    expect(ui.calls.shell).toEqual([t.worktree]);
    await ui.press('j', 'y');
    await ui.waitFor('done: copied the branch name: factory/2-second');
    expect(ui.calls.copy).toEqual(['factory/2-second']);
  });

  it('turns a failing effect into an error line, never a crash', async () => {
    const t = await threeTasks();
    const ui = mount(t.repo, {
      copy: () => {
        throw new Error('no clipboard here');
      },
      openShell: () => {
        throw new Error('no shell here');
      },
    });
    await ui.waitFor('Third');
    await ui.press('y');
    await ui.waitFor('error: no clipboard here');
    await ui.press('s');
    await ui.waitFor('error: no shell here');
    await ui.press('j');
    await ui.waitFor(/› +2 open/);
  });
});

describe('review: conflicts and errors', () => {
  it('shows the conflict matrix of the open tasks', async () => {
    const t = await threeTasks();
    const ui = mount(t.repo);
    await ui.waitFor('Third');
    await ui.press('C');
    const f = await ui.waitFor('with task 2: CONFLICT in a.txt');
    expect(f).toMatch(/main +#1 +#2 +#3/);
    expect(f).toMatch(/› #1 First +ok +- +!1 +ok/);
    expect(f).toMatch(/#3 Third +ok +ok +ok +-/);
    await ui.press('j', 'j');
    await ui.waitFor('with the other open tasks: no conflict');
    expect(ui.frame()).toContain('with main: merges cleanly');
    await ui.press(KEY.esc);
    await ui.waitFor('3 tasks');
  });

  it('shows a screen that fails to render as an error, not a stack trace', () => {
    const Boom = () => {
      throw new Error('the data was not what it should be');
    };
    const r = render(
      <ErrorBoundary advice="esc goes back, q quits.">
        <Boom />
        <Text>never</Text>
      </ErrorBoundary>,
    );
    expect(r.lastFrame()).toContain('error: this screen failed: the data was not what it should be');
    expect(r.lastFrame()).toContain('esc goes back');
    expect(r.lastFrame()).not.toContain('at Boom');
  });
});
