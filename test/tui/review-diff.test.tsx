import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { buildDiffLines } from '../../src/tui/review/diff-lines.js';
import { cleanupTemps, makeRepo } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { KEY, lines, mount } from './review-harness.js';

afterEach(() => cleanup());
afterAll(cleanupTemps);

const numbered = (n: number, change: (i: number) => string | null = () => null) =>
  Array.from({ length: n }, (_, i) => change(i + 1) ?? `line ${i + 1}`).join('\n') + '\n';

async function twoFiles() {
  const dir = await makeRepo({ 'long.txt': numbered(100), 'short.txt': 'short\n' });
  return taskWithAttempts(dir, 'Edit two files', [
    {
      files: {
        'long.txt': numbered(100, (i) => (i === 5 ? 'changed 5' : i === 80 ? 'changed 80' : null)),
      },
      exit: 1,
    },
    { files: { 'short.txt': 'shorter\n', 'new.txt': 'brand new\n' }, exit: 0 },
  ]);
}

describe('review: diff view', () => {
  it('lists the files with their counts, then each hunk with old and new line numbers', async () => {
    const t = await twoFiles();
    const ui = mount(t.repo, {}, { columns: 100, rows: 60 });
    await ui.waitFor('Edit two files');
    await ui.press('d');
    await ui.waitFor('diff of task 1 against its base');
    const f = await ui.waitFor('3 files changed, +4 -3');
    expect(f).toMatch(/ {2}long\.txt +\+2 -2/);
    expect(f).toMatch(/ {2}new\.txt +\+1 -0/);
    expect(f).toMatch(/━━ long\.txt ━+/);
    expect(f).toMatch(/ +│@@ -2,7 \+2,7 @@/);
    expect(f).toMatch(/ +5 +│-line 5/);
    expect(f).toMatch(/ +5 │\+changed 5/);
    expect(f).toMatch(/ +4 + 4 │ line 4/);
  });

  it('jumps between files and hunks', async () => {
    const t = await twoFiles();
    const ui = mount(t.repo, {}, { columns: 100, rows: 14 });
    await ui.waitFor('Edit two files');
    await ui.press('d');
    await ui.waitFor('lines 1-9 of 43 · file 1/3');
    // The first row under the header and the diff's title line.
    const firstRow = async (row: RegExp) => {
      await ui.until((f) => row.test(lines(f)[2] ?? ''), `the first row to match ${String(row)}`);
    };
    await ui.press(']');
    await firstRow(/━━ long\.txt/);
    await ui.press('}');
    await firstRow(/@@ -2,7/);
    await ui.press('}');
    await firstRow(/@@ -77,7/);
    await ui.press(']');
    await firstRow(/━━ new\.txt/);
    expect(ui.frame()).toContain('file 2/3');
    await ui.press('{');
    await firstRow(/@@ -77,7/);
    await ui.press('[');
    await firstRow(/━━ long\.txt/);
  });

  it('changes scope between the whole task, one attempt and one step', async () => {
    const t = await twoFiles();
    const ui = mount(t.repo, {}, { columns: 100, rows: 40 });
    await ui.waitFor('Edit two files');
    await ui.press(KEY.enter);
    await ui.waitFor('1.2.2');
    await ui.press(KEY.down, KEY.down);
    await ui.waitFor(/› +1\.2\.2/);
    await ui.press(KEY.enter);
    await ui.waitFor('diff of step 1.2.2 · scope 3/3');
    let f = await ui.waitFor('1 file changed, +1 -0');
    expect(f).toContain('new.txt');
    await ui.press('s');
    await ui.waitFor('diff of task 1 against its base · scope 1/3');
    f = await ui.waitFor('3 files changed');
    await ui.press('s');
    await ui.waitFor('diff of attempt 1.2 · scope 2/3');
    f = await ui.waitFor('2 files changed, +2 -1');
    expect(f).not.toContain('long.txt');
    await ui.press(KEY.esc);
    await ui.waitFor(/› +1\.2\.2/);
  });

  it('scrolls a 20,000-line diff drawing only the visible slice, within the terminal', async () => {
    const dir = await makeRepo();
    const t = await taskWithAttempts(dir, 'Huge', [{ files: { 'big.txt': numbered(20_000) }, exit: 0 }]);
    const ui = mount(t.repo, {}, { columns: 80, rows: 24 });
    await ui.waitFor('Huge');
    await ui.press('d');
    await ui.waitFor('lines 1-19 of 20009');
    const within = () => {
      const ls = lines(ui.frame());
      expect(ls.length).toBeLessThan(24);
      for (const l of ls) expect([...l].length).toBeLessThanOrEqual(80);
    };
    within();
    expect(ui.frame()).toContain('+line 10');
    expect(ui.frame()).not.toContain('+line 100\n');
    // Twenty pages in one read: each one is a frame of its own, none is lost.
    await ui.type(KEY.pageDown.repeat(20));
    await ui.waitFor('lines 361-379 of 20009');
    within();
    expect(ui.frame()).toContain('+line 360');
    await ui.press('G');
    await ui.waitFor('+line 20000');
    within();
    expect(ui.frame()).not.toContain('+line 19000');
  });

  it('builds the lines once, numbering old and new sides', () => {
    const built = buildDiffLines(
      [{ path: 'a.txt', added: 1, removed: 1 }],
      'diff --git a/a.txt b/a.txt\nindex 1..2 100644\n--- a/a.txt\n+++ b/a.txt\n@@ -3,2 +3,2 @@\n ctx\n-old\n+new\n',
    );
    expect(built.fileStarts).toEqual([3]);
    expect(built.hunkStarts).toEqual([7]);
    expect(built.lines.slice(8)).toEqual([
      { kind: 'ctx', text: 'ctx', old: 3, new: 3 },
      { kind: 'del', text: 'old', old: 4 },
      { kind: 'add', text: 'new', new: 4 },
    ]);
  });
});
