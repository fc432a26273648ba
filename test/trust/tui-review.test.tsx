/** @jsxRuntime automatic @jsxImportSource react */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { appendEvent } from '../../src/tasks/record.js';
import { coderStreamWriter } from '../../src/tasks/coder-stream.js';
import { LiveView } from '../../src/tui/live/view.js';
import { LiveStore } from '../../src/tui/live/store.js';
import { listWidths } from '../../src/tui/review/screens/task-list.js';
import { KeyBus } from '../../src/tui/review/key-bus.js';
import { splitKeys } from '../../src/tui/split-keys.js';
import { cleanupTemps, makeRepo } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { KEY, lines, mount } from '../tui/review-harness.js';

afterEach(() => cleanup());
afterAll(cleanupTemps);

const LONG_TITLE = 'Make the pagination helper return the last page when the index is past the end';

async function threeTasks(first = 'First task') {
  const dir = await makeRepo({ 'a.txt': 'a\n' });
  await taskWithAttempts(dir, first, [{ files: { 'a.txt': 'one\n' }, exit: 1 }]);
  await taskWithAttempts(dir, 'Second task', [{ files: { 'b.txt': 'b\n' }, exit: 0 }]);
  return taskWithAttempts(dir, 'Third task', [{ files: { 'c.txt': 'c\n' }, exit: 0 }]);
}

describe('trust: the review handles every key of a batch, in order', () => {
  it('moves two rows for `jj` and for two Downs in one read, and `k Enter` opens the row above', async () => {
    const t = await threeTasks();
    const ui = mount(t.repo);
    await ui.waitFor('Third task');
    await ui.waitFor(/› +1 /);
    await ui.type('jj');
    await ui.waitFor(/› +3 /);
    await ui.type(KEY.up + KEY.up);
    await ui.waitFor(/› +1 /);
    await ui.type(KEY.down + KEY.down + 'k\r');
    await ui.waitFor('task 2 · Second task');
    // Esc read together with the next key is still Esc, then that key.
    await ui.type('\x1bG');
    await ui.waitFor(/› +3 /);
  });

  it('jumps files and hunks for `]}}` in one read', async () => {
    const dir = await makeRepo({ 'long.txt': Array.from({ length: 60 }, (_, i) => `l${i}\n`).join('') });
    const t = await taskWithAttempts(dir, 'Two hunks', [
      {
        files: {
          'long.txt': Array.from({ length: 60 }, (_, i) => (i === 3 || i === 50 ? 'X\n' : `l${i}\n`)).join(
            '',
          ),
        },
        exit: 0,
      },
    ]);
    const ui = mount(t.repo, {}, { columns: 100, rows: 14 });
    await ui.waitFor('Two hunks');
    await ui.press('d');
    await ui.waitFor('file 1/1');
    await ui.type(']}}');
    await ui.until((f) => /@@ -48,7/.test(lines(f)[2] ?? ''), 'the second hunk at the top');
  });

  it('takes a paste into the feedback field as text: a line break in it never sends or acts', async () => {
    const t = await threeTasks();
    await appendEvent(t.repo, 1, 'status', { status: 'failed', reason: 'max attempts' });
    const ui = mount(t.repo);
    await ui.waitFor('1 failed');
    // `f` and the pasted text arrive in one read; the paste's inner line break is a space.
    await ui.type('fcheck the merge\rthen x it');
    await ui.waitFor('> check the merge then x it');
    expect(ui.frame()).not.toContain('Discard task');
    await ui.type(' now\r');
    await ui.waitFor('done: task 1 resumes in the background');
    expect(ui.calls.resume).toEqual([[1, 'check the merge then x it now']]);
  });

  it('hands out the next key only after the frame of the one before, never on an older commit', () => {
    const seen: string[] = [];
    const frames: number[] = [];
    const bus = new KeyBus((e) => {
      throw e;
    });
    bus.setFrameRequest((f) => frames.push(f));
    bus.register({
      handler: (input, key) => seen.push(key.return ? 'Enter' : input),
      active: true,
      text: false,
    });
    const plain = splitKeys('x', {} as never)[0]![1];
    bus.push('G\r', plain);
    expect(seen).toEqual(['G']);
    // Effects of a commit from before the key (data arriving) run before the key's own frame.
    bus.committed(0);
    expect(seen).toEqual(['G']);
    bus.committed(frames.at(-1)!);
    expect(seen).toEqual(['G', 'Enter']);
  });

  it('moves the live view focus two tasks for `jj`', async () => {
    const store = new LiveStore();
    const ui = render(
      <LiveView store={store} intervalMs={0} color={false} size={{ columns: 80, rows: 20 }} />,
    );
    for (const id of [1, 2, 3]) store.start({ id, title: `task number ${id}` });
    const frame = () => ui.lastFrame() ?? '';
    const until = async (re: RegExp) => {
      while (!re.test(frame())) await new Promise((r) => setImmediate(r));
    };
    await until(/^> 1 /m);
    ui.stdin.write('jj');
    await until(/^> 3 /m);
    ui.stdin.write('\x1b[A\x1b[A');
    await until(/^> 1 /m);
  });
});

describe('trust: the review fits 80 columns', () => {
  it('gives the title the room, STATUS only what it needs, and always shows `? help`', async () => {
    const t = await threeTasks(LONG_TITLE);
    const ui = mount(t.repo, {}, { columns: 80, rows: 24 });
    const f = await ui.waitFor('Third task');
    expect(f).toMatch(/ID STATUS ATT \+\/- +AGE /);
    // 31 characters of the title at least, where it used to get 16.
    expect(f).toContain(LONG_TITLE.slice(0, 31));
    for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(80);
    expect(lines(f).at(-1)).toMatch(/\? help/);
    await ui.press(KEY.enter);
    expect(lines(await ui.waitFor('task 1 ·')).at(-1)).toMatch(/\? help/);
    await ui.press('d');
    expect(lines(await ui.waitFor('diff of task 1')).at(-1)).toMatch(/\? help/);
    await ui.press(KEY.esc);
    await ui.waitFor('task 1 ·');
    await ui.press('x');
    // The whole question, wrapped, and its keys under it; the frame still fits the terminal.
    const q = await ui.waitFor('Discard task 1?');
    expect(q.replace(/\n/g, ' ')).toMatch(/is deleted \(attempt refs stay until `factory prune`\)\./);
    expect(lines(q).at(-1)).toMatch(/y yes +n no/);
    expect(lines(q).length).toBeLessThan(24);
    for (const l of lines(q)) expect([...l].length).toBeLessThanOrEqual(80);
    await ui.press('n');
    await ui.waitFor('left as it was');
  });

  it('keeps STATUS as wide as its longest value', () => {
    const row = (status: string, detail?: string) =>
      ({ id: 1, status, detail, title: 't', branch: 'factory/1-t', added: 1, removed: 0 }) as never;
    expect(listWidths(80, [row('passed')]).status).toBe(6);
    expect(listWidths(80, [row('running', 'sheriff')]).status).toBe('running (sheriff)'.length);
  });

  it("wraps the Coder's text in the task detail", async () => {
    const t = await threeTasks();
    const sentence = Array.from({ length: 12 }, (_, i) => `word${i}`).join(' ');
    const stream = coderStreamWriter(t.repo, t.id);
    stream.write(`${sentence} ${sentence} ENDOFLINE\n`);
    await stream.close();
    const ui = mount(t.repo, {}, { columns: 80, rows: 24 });
    await ui.waitFor('Third task');
    await ui.press('G', KEY.enter);
    await ui.waitFor('task 3 · Third task');
    await ui.press('t');
    const f = await ui.waitFor('ENDOFLINE');
    for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(80);
  });
});

const HOSTILE = 'clear\x1b[2J title\x1b]0;pwned\x07 clip\x1b]52;c;cHduZWQ=\x07 end';
/** The raw sequences a terminal would obey, if any reached the frame. */
const obeyable = (frame: string) => ['\x1b]', '\x1b[2J', '\x07'].filter((s) => frame.includes(s));
const SHOWN = 'clear␛[2J title␛]0;pwned␇ clip␛]52;c;cHduZWQ=␇ end';

describe('trust: the review and the live view show escape sequences, never obey them', () => {
  it('shows them in a title, the check output and the Coder text', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const t = await taskWithAttempts(dir, `Title ${HOSTILE}`, [{ files: { 'a.txt': 'b\n' }, exit: 1 }]);
    await appendEvent(t.repo, t.id, 'check', {
      attempt: 1,
      command: 'npm test',
      exitCode: 1,
      timedOut: false,
      durationMs: 5,
      output: `check ${HOSTILE}\n`,
      truncatedBytes: 0,
    });
    const stream = coderStreamWriter(t.repo, t.id);
    stream.write(`coder ${HOSTILE}\n`);
    await stream.close();
    const ui = mount(t.repo, {}, { columns: 200, rows: 30 });
    let f = await ui.waitFor(`Title ${SHOWN}`);
    await ui.press(KEY.enter);
    f = await ui.waitFor(`check ${SHOWN}`);
    expect(f).toContain(`task 1 · Title ${SHOWN}`);
    await ui.press('t');
    f = await ui.waitFor(`coder ${SHOWN}`);
    expect(obeyable(f)).toEqual([]);
  });

  it('shows them in the live view title and Coder text', async () => {
    const store = new LiveStore();
    const ui = render(
      <LiveView store={store} intervalMs={0} color={false} size={{ columns: 200, rows: 20 }} />,
    );
    const task = { id: 1, title: `Title ${HOSTILE}` };
    store.start(task);
    store.event(task, { type: 'phase', attempt: 1, phase: 'coder' });
    store.coderText(task, `coder ${HOSTILE}\n`);
    const frame = () => ui.lastFrame() ?? '';
    while (!frame().includes(`coder ${SHOWN}`)) await new Promise((r) => setImmediate(r));
    expect(frame()).toContain(`Title ${SHOWN}`);
    expect(obeyable(frame())).toEqual([]);
  });
});
