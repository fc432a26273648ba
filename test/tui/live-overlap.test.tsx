import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import type { LoopEvent } from '../../src/agent/loop.js';
import { LiveView } from '../../src/tui/live/view.js';
import { attempt, fakeStore, outcome, phase } from './live-helpers.js';

afterEach(cleanup);

const T1 = { id: 1, title: 'Fix the off-by-one in paginate' };
const T2 = { id: 2, title: 'Add a lastPage helper' };
const T3 = { id: 3, title: 'Document the pager' };

const edit = (attemptNo: number, paths: string[], commit: string | null = 'c0ffee'): LoopEvent => ({
  type: 'edit',
  attempt: attemptNo,
  step: 1,
  tool: 'write_file',
  paths,
  ok: commit !== null,
  output: '',
  commit,
});

const lines = (frame: string | undefined) => (frame ?? '').split('\n');
const drawn = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 });
const rowOf = (frame: string | undefined, id: number) =>
  lines(frame).find((l) => new RegExp(`^[> ] ${id}\\s`).test(l)) ?? '';

function mount(columns = 80) {
  const { store } = fakeStore();
  const ui = render(<LiveView store={store} intervalMs={0} color={false} size={{ columns, rows: 24 }} />);
  for (const t of [T1, T2, T3]) {
    store.start(t);
    store.event(t, phase(1, 'edits'));
  }
  return { store, ui };
}

describe('the live view: running tasks that touched the same file', () => {
  it('warns on both rows, within 80 columns; the third task with its own files has no warning', async () => {
    const { store, ui } = mount(80);
    store.event(T1, edit(1, ['src/api.ts', 'src/pager.ts']));
    store.event(T2, edit(1, ['src/api.ts']));
    store.event(T3, edit(1, ['docs/pager.md']));
    await drawn(() => {
      const f = ui.lastFrame();
      expect(rowOf(f, 1)).toContain('⚠ also 2: src/api.ts');
      expect(rowOf(f, 2)).toContain('⚠ also 1: src/api.ts');
      expect(rowOf(f, 3)).not.toContain('⚠');
      for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(80);
    });
    // A later edit of task 3 on task 1's other file: task 1 now warns about both, its path cut
    // from the left to keep the file's name.
    store.event(T3, edit(1, ['src/pager.ts']));
    await drawn(() => {
      const f = ui.lastFrame();
      expect(rowOf(f, 1)).toContain('⚠ also 2,3: …/api.ts +1');
      for (const l of lines(f)) expect([...l].length).toBeLessThanOrEqual(80);
      expect(rowOf(f, 3)).toContain('⚠ also 1: src/pager.ts');
    });
  });

  it('shows nothing when the files are disjoint, or the edit made no step commit', async () => {
    const { store, ui } = mount();
    store.event(T1, edit(1, ['a.ts']));
    store.event(T2, edit(1, ['b.ts']));
    // A failed edit changed nothing on the branch.
    store.event(T3, edit(1, ['a.ts'], null));
    store.event(T3, phase(1, 'check'));
    await drawn(() => expect(rowOf(ui.lastFrame(), 3)).toMatch(/3\s+1\s+check/));
    expect(ui.lastFrame()).not.toContain('⚠');
    expect(store.snapshot().rows.some((r) => r.overlap)).toBe(false);
  });

  it('stops counting a finished task; a failed attempt with more to come still counts', async () => {
    const { store, ui } = mount();
    store.event(T1, edit(1, ['src/api.ts']));
    store.event(T2, edit(1, ['src/api.ts']));
    store.event(T1, attempt(1, 'failed'));
    await drawn(() => {
      expect(rowOf(ui.lastFrame(), 1)).toMatch(/failed.*⚠ also 2: src\/api\.ts/);
      expect(rowOf(ui.lastFrame(), 2)).toContain('⚠ also 1: src/api.ts');
    });
    store.event(T2, attempt(1, 'passed'));
    await drawn(() => {
      expect(rowOf(ui.lastFrame(), 2)).toMatch(/passed/);
      expect(ui.lastFrame()).not.toContain('⚠');
    });
  });

  it('stops counting a task whose run ended after a failed last attempt, while the others go on', async () => {
    const { store, ui } = mount();
    store.event(T1, edit(1, ['src/api.ts']));
    store.event(T2, edit(1, ['src/api.ts']));
    store.event(T3, edit(1, ['src/api.ts']));
    store.event(T1, attempt(1, 'failed'));
    await drawn(() => expect(rowOf(ui.lastFrame(), 1)).toContain('⚠ also 2,3'));
    // The runner says task 1 is done (its last attempt failed): the events alone could not.
    store.taskFinished(outcome(1, 'failed', 1));
    await drawn(() => {
      const f = ui.lastFrame();
      expect(lines(f)[0]).toContain('3 tasks: 1 failed, 2 running');
      expect(rowOf(f, 1)).toMatch(/1\s+1\s+failed/);
      expect(rowOf(f, 1)).not.toContain('⚠');
      expect(rowOf(f, 2)).toContain('⚠ also 3: src/api.ts');
      expect(rowOf(f, 3)).toContain('⚠ also 2: src/api.ts');
    });
  });

  it('clears every warning once the run is over', async () => {
    const { store, ui } = mount();
    store.event(T1, edit(1, ['src/api.ts']));
    store.event(T2, edit(1, ['src/api.ts']));
    await drawn(() => expect(rowOf(ui.lastFrame(), 2)).toContain('⚠'));
    store.finish();
    await drawn(() => {
      expect(rowOf(ui.lastFrame(), 1)).toMatch(/stopped/);
      expect(ui.lastFrame()).not.toContain('⚠');
    });
  });
});
