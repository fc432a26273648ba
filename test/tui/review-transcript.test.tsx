import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { appendEvent } from '../../src/tasks/record.js';
import { cleanupTemps, makeRepo } from '../helpers/git-repo.js';
import { recordedRun } from '../helpers/recorded-run.js';
import { KEY, lines, mount } from './review-harness.js';

afterEach(() => cleanup());
afterAll(cleanupTemps);

/** The transcript's rows: the frame between the screen's title line and the footer. */
const body = (frame: string) => lines(frame).slice(2, -2);

describe('review: transcript view', () => {
  it('l on the task detail opens the short transcript at 80x24: scrollable, live, esc goes back', async () => {
    const dir = await makeRepo({ 'src/pager.js': '// pager\n' });
    const { repo, id } = await recordedRun(dir, 3);
    const ui = mount(repo, {}, { columns: 80, rows: 24 });
    await ui.waitFor('Fix the pager');
    await ui.press(KEY.enter);
    let f = await ui.waitFor('1.3.1');
    // The footer of the detail names the key.
    expect(lines(f).at(-1)).toContain('l log');

    await ui.press('l');
    // 24 lines, three of them wrapped: 27 rows, 19 to show them in.
    f = await ui.waitFor('short transcript of task 1 · lines 1-19 of 27');
    expect(lines(f)[0]).toContain('task 1 · transcript');
    expect(lines(f).length).toBeLessThanOrEqual(24);
    expect(f).toContain('created from ');
    // A long line wraps, its end indented below it, instead of being cut at the edge.
    const rows = lines(f);
    const reply = rows.findIndex((l) =>
      l.startsWith('[1] coder replied (finish tool_calls, 1200+30 tokens): tool'),
    );
    expect(rows[reply]! + rows[reply + 1]!.replace(/^ {4}/, ' ')).toBe(
      '[1] coder replied (finish tool_calls, 1200+30 tokens): tool calls write_file src/pager.js',
    );
    expect(f).toContain('[1] step 1: write_file src/pager.js');
    expect(f).toContain('[1] check: exit 1 in 420 ms');
    expect(f).toContain('[1] verdict FAIL: not passed — The first page is skipped.');
    // The Coder's escape sequence is shown, never obeyed; no prompt is in the view.
    expect(f).toContain('Pages start at 1 now.␛[2J');
    expect(f).not.toContain('\x1b');
    expect(f).not.toContain('You are the Coder');
    for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(80);

    await ui.press('G');
    f = await ui.waitFor('lines 9-27 of 27');
    expect(body(f).at(-1)).toBe('run ended: passed (the Sheriff agreed)');
    await ui.press('k');
    await ui.waitFor('lines 8-26 of 27');
    await ui.press(KEY.pageUp);
    await ui.waitFor('lines 1-19 of 27');
    expect(body(ui.frame())[0]).toMatch(/^created from /);

    // It follows the log while the task runs, staying on the last line after G.
    await ui.press('G');
    await ui.waitFor('lines 9-27 of 27');
    await appendEvent(repo, id, 'feedback', { text: 'Try the last page too\nand more' });
    f = await ui.waitFor('lines 10-28 of 28');
    expect(body(f).at(-1)).toBe('feedback from you: Try the last page too');

    await ui.press(KEY.esc);
    f = await ui.waitFor('1.3.1');
    expect(f).not.toContain('short transcript');
  });

  it('the help lists the key with the task detail', async () => {
    const dir = await makeRepo();
    const { repo } = await recordedRun(dir, 1);
    const ui = mount(repo, {}, { columns: 100, rows: 40 });
    await ui.waitFor('Fix the pager');
    await ui.press(KEY.enter);
    await ui.waitFor('1.1.1');
    await ui.press('l');
    await ui.waitFor('short transcript of task 1');
    await ui.press('?');
    const f = await ui.waitFor("the task's transcript");
    expect(f).toMatch(/l +the task's transcript, one line per turn \(as factory log --short\)/);
  });
});
