import { afterAll, afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cleanup } from 'ink-testing-library';
import type { Key } from 'ink';
import { openRepo } from '../../src/git/repo.js';
import { appendEvent } from '../../src/tasks/record.js';
import { acquireRunLock } from '../../src/tasks/run-lock.js';
import { listTasks } from '../../src/tasks/summary.js';
import { BINDINGS, resolveKey, type KeyContext } from '../../src/tui/review/keys.js';
import { cleanupTemps, makeRepo } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { KEY, lines, mount } from './review-harness.js';

afterEach(() => cleanup());
afterAll(cleanupTemps);

async function threeTasks() {
  const dir = await makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
  await taskWithAttempts(dir, 'Fix the first thing', [
    { files: { 'a.txt': 'one\n', 'n.txt': 'n\n' }, exit: 1 },
    { files: { 'a.txt': 'two\n' }, exit: 0 },
  ]);
  await taskWithAttempts(dir, 'Second task', [{ files: { 'b.txt': 'b2\n' }, exit: 0 }]);
  const third = await taskWithAttempts(dir, 'Third task', []);
  return { dir, repo: third.repo };
}

describe('review: task list', () => {
  it('shows one row per task with id, status, attempts, +/- lines, age, branch and title', async () => {
    const { repo } = await threeTasks();
    const ui = mount(repo);
    // The server line is filled in after the list (it asks the server): wait for it, never assume.
    await ui.waitFor('server: not running');
    const f = await ui.waitFor('Third task');
    expect(f).toMatch(/› +1 open +2 +\+2 -1 +\d+s +factory\/1-fix-the-first-t\S* +Fix the first thing/);
    expect(f).toMatch(/ +2 open +1 +\+1 -1 .*factory\/2-second-task +Second task/);
    expect(f).toMatch(/ +3 open +0 +\+0 -0 /);
    expect(f).toContain('3 tasks');
    await ui.press('j');
    await ui.waitFor(/› +2 open/);
    await ui.press(KEY.down, KEY.down);
    await ui.waitFor(/› +3 open/);
    await ui.press('k', 'g');
    await ui.waitFor(/› +1 open/);
    await ui.press('G');
    await ui.waitFor(/› +3 open/);
  });

  it('draws a task list read before it started in its first frame, then goes live', async () => {
    const { repo } = await threeTasks();
    const initialTasks = await listTasks(repo);
    // What the CLI read may be stale by the time the TUI draws: the live list takes over.
    initialTasks[1] = { ...initialTasks[1]!, title: 'Read before the TUI started' };
    const ui = mount(repo, { initialTasks });
    expect(ui.frame()).not.toContain('reading the tasks');
    expect(ui.frame()).toContain('Read before the TUI started');
    expect(ui.frame()).toContain('3 tasks');
    await ui.waitFor('Second task');
    expect(ui.frame()).not.toContain('Read before the TUI started');
    // Read for the list without discarded tasks: the list with them is read afresh.
    await ui.press('a');
    await ui.waitFor('(discarded shown)');
  });

  it('says so when the repository has no tasks, and picks up the first one live', async () => {
    const dir = await makeRepo();
    const repo = await openRepo(dir);
    const ui = mount(repo);
    await ui.waitFor('No tasks in this repository');
    expect(ui.frame()).toContain('factory task');
    await ui.press(KEY.enter, 'd', 'x');
    await ui.waitFor('error: no task selected');
    await taskWithAttempts(dir, 'Arrives later', []);
    await ui.waitFor('Arrives later');
  });

  it('updates a running task live from its event log, with its phase', async () => {
    const { repo } = await threeTasks();
    const ui = mount(repo);
    await ui.waitFor('Third task');
    const lock = await acquireRunLock(repo, 3);
    try {
      await appendEvent(repo, 3, 'status', { status: 'running' });
      await appendEvent(repo, 3, 'phase', { attempt: 1, phase: 'coder' });
      await ui.waitFor(/3 running \(coder\)/);
      expect(ui.frame()).toContain('1 running');
      await appendEvent(repo, 3, 'phase', { attempt: 1, phase: 'sheriff' });
      await ui.waitFor(/3 running \(sheriff\)/);
    } finally {
      await lock.release();
    }
    await appendEvent(repo, 3, 'status', { status: 'failed', reason: 'no luck' });
    await ui.waitFor(/3 failed/);
  });

  it('shows the inference server and its queue in the header', async () => {
    const { repo } = await threeTasks();
    const front = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          model: 'scripted-model',
          queue: { total: { waiting: 2, running: 1, tokensPerSecond: 12.5 } },
        }),
      );
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    try {
      const port = (front.address() as AddressInfo).port;
      const ui = mount(repo, { baseURL: `http://127.0.0.1:${port}/v1` });
      await ui.waitFor('server: ready · queue: 2 waiting, 1 running · 12.5 tok/s · scripted-model');
    } finally {
      front.close();
    }
  });

  it('fits 80x24 and lays itself out again on resize', async () => {
    const { repo } = await threeTasks();
    const ui = mount(repo, {}, { columns: 80, rows: 24 });
    await ui.waitFor('Third task');
    const check = (columns: number, rows: number) => {
      const ls = lines(ui.frame());
      expect(ls.length).toBeLessThan(rows);
      for (const l of ls) expect([...l].length).toBeLessThanOrEqual(columns);
    };
    check(80, 24);
    ui.resize(60, 14);
    // The frame is redrawn at the new width: no line is wider than it any more.
    const fits = (columns: number) => (f: string) => lines(f).every((l) => [...l].length <= columns);
    await ui.until(fits(60), 'a frame 60 columns wide');
    check(60, 14);
    expect(ui.frame()).toMatch(/› +1 open/);
    ui.resize(120, 40);
    await ui.waitFor('factory/1-fix-the-first-thing');
    check(120, 40);
  });

  it('shows discarded tasks only when asked', async () => {
    const { repo } = await threeTasks();
    await appendEvent(repo, 2, 'discarded', {});
    const ui = mount(repo);
    await ui.waitFor('Third task');
    expect(ui.frame()).not.toContain('Second task');
    await ui.press('a');
    await ui.waitFor('Second task');
    expect(ui.frame()).toMatch(/2 discarded/);
  });
});

describe('review: keys', () => {
  it('lists every key in the help screen, straight from the key table', async () => {
    const { repo } = await threeTasks();
    const ui = mount(repo, {}, { columns: 120, rows: 100 });
    await ui.waitFor('Third task');
    await ui.press('?');
    const f = await ui.waitFor('Everywhere');
    for (const b of BINDINGS) expect(f).toContain(b.help);
    await ui.press(KEY.esc);
    await ui.waitFor('3 tasks');
  });

  it('never gives one key two meanings on the same screen', () => {
    const contexts: KeyContext[] = ['list', 'detail', 'diff', 'transcript', 'conflicts', 'merge', 'help'];
    const probes = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ?[]{} '];
    // A plain character: no arrow, no modifier.
    const key = {} as Key;
    for (const ctx of contexts)
      for (const ch of probes) {
        const own = BINDINGS.filter((b) => b.contexts.includes(ctx) && b.match(ch, key));
        const global = BINDINGS.filter((b) => b.contexts.includes('global') && b.match(ch, key));
        expect(own.length + global.length, `${ctx}: ${ch}`).toBeLessThanOrEqual(1);
      }
    expect(resolveKey('list', 'j', key)).toBe('down');
    expect(resolveKey('diff', ']', key)).toBe('nextFile');
  });
});
