import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { LiveView } from '../../src/tui/live/view.js';
import { attempt, check, fakeStore, KEYS, metrics, outcome, phase, settle } from './live-helpers.js';

afterEach(cleanup);

const T1 = { id: 1, title: 'Fix the off-by-one in paginate' };
const T2 = { id: 2, title: 'Add a lastPage helper' };

const lines = (frame: string | undefined) => (frame ?? '').split('\n');
/**
 * Ink draws on later turns of the event loop, and a loaded machine can run a short timer before
 * them: wait until the frame shows what `check` expects (it throws until then).
 */
const drawn = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 });
const rowOf = (frame: string | undefined, id: number) =>
  lines(frame).find((l) => new RegExp(`^[> ] ${id}\\s`).test(l)) ?? '';

describe('the live view', () => {
  it('follows two tasks through their phases, checks, metrics and outcomes', async () => {
    const { store, advance } = fakeStore();
    const ui = render(
      <LiveView store={store} intervalMs={0} color={false} size={{ columns: 100, rows: 30 }} />,
    );
    await drawn(() => expect(ui.lastFrame()).toBe('factory  starting'));
    store.start(T1);
    store.start(T2);
    store.event(T1, phase(1, 'coder'));
    store.event(T2, phase(1, 'coder'));
    advance(3_000);
    store.tick();
    await drawn(() => {
      const f = ui.lastFrame();
      expect(lines(f)[0]).toContain('factory  2 tasks: 2 running');
      expect(f).toMatch(/ID\s+ATT\s+PHASE\s+CHECK\s+TOK\/S\s+WAIT\s+TIME\s+TITLE/);
      expect(rowOf(f, 1)).toMatch(/^> 1\s+1\s+coder\s+-\s+-\s+-\s+3s\s+Fix the off-by-one in paginate$/);
      expect(rowOf(f, 2)).toMatch(/^ {2}2\s+1\s+coder\s+/);
    });

    store.metrics(
      metrics({ 'task-1': { tokensPerSecond: 42.25, waitMsAvg: 1250 }, 'task-2': { waiting: 1 } }),
    );
    store.event(T1, phase(1, 'edits'));
    store.event(T1, phase(1, 'check'));
    store.event(T1, check(1, 1));
    store.event(T1, phase(1, 'sheriff'));
    await drawn(() => {
      const f = ui.lastFrame();
      expect(rowOf(f, 1)).toMatch(/1\s+1\s+sheriff\s+exit 1\s+42\.3\s+1\.3s\s+3s/);
      expect(rowOf(f, 2)).toMatch(/2\s+1\s+coder\s+-\s+-\s+queued/);
    });

    store.event(T1, attempt(1, 'failed'));
    await drawn(() => {
      expect(rowOf(ui.lastFrame(), 1)).toMatch(/1\s+1\s+failed\s+exit 1/);
      expect(lines(ui.lastFrame())[0]).toContain('2 tasks: 2 running');
    });

    store.event(T1, phase(2, 'coder'));
    store.event(T2, phase(1, 'check'));
    store.event(T2, check(1, null, true));
    store.event(T2, attempt(1, 'passed'));
    advance(62_000);
    store.tick();
    await drawn(() => {
      const f = ui.lastFrame();
      expect(rowOf(f, 1)).toMatch(/1\s+2\s+coder\s+exit 1\s+.*1m05s/);
      expect(rowOf(f, 2)).toMatch(/2\s+1\s+passed\s+timeout\s+.*3s/);
      expect(lines(f)[0]).toContain('2 tasks: 1 running, 1 passed');
    });
  });

  it('shows the focused task’s streamed Coder text, and moves the focus with the keys', async () => {
    const { store } = fakeStore();
    const ui = render(
      <LiveView store={store} intervalMs={0} color={false} size={{ columns: 80, rows: 24 }} />,
    );
    store.start(T1);
    store.start(T2);
    store.event(T1, phase(1, 'coder'));
    store.event(T2, phase(1, 'coder'));
    for (const d of ['I will fix ', 'the pager.\n', 'src/pager.js\n', '<<<<<<< SEARCH'])
      store.coderText(T1, d);
    store.coderText(T2, 'Adding lastPage now.');
    await drawn(() => {
      const f = ui.lastFrame();
      expect(f).toContain('-- task 1, attempt 1: Coder -- up/down: focus  ctrl-c: cancel --');
      expect(f).toContain('I will fix the pager.\nsrc/pager.js\n<<<<<<< SEARCH');
      expect(f).not.toContain('Adding lastPage');
    });

    ui.stdin.write(KEYS.down);
    await drawn(() => {
      const f = ui.lastFrame();
      expect(rowOf(f, 2)).toMatch(/^> 2/);
      expect(rowOf(f, 1)).toMatch(/^ {2}1/);
      expect(f).toContain('-- task 2, attempt 1: Coder');
      expect(f).toContain('Adding lastPage now.');
    });

    ui.stdin.write('k');
    await drawn(() => expect(rowOf(ui.lastFrame(), 1)).toMatch(/^> 1/));
    ui.stdin.write('j');
    ui.stdin.write('j');
    // The focus stops at the last task instead of wrapping around (both keys are handled before
    // the change of attempt below is drawn).
    await drawn(() => expect(rowOf(ui.lastFrame(), 2)).toMatch(/^> 2/));

    // A new attempt starts its text afresh.
    store.event(T2, phase(2, 'coder'));
    await drawn(() => {
      expect(ui.lastFrame()).toContain('(no Coder text yet)');
      expect(ui.lastFrame()).toContain('-- task 2, attempt 2: Coder');
      expect(rowOf(ui.lastFrame(), 2)).toMatch(/^> 2/);
    });
  });

  it('moves the focus off a finished task until the user picks one', async () => {
    const { store } = fakeStore();
    const ui = render(
      <LiveView store={store} intervalMs={0} color={false} size={{ columns: 80, rows: 24 }} />,
    );
    store.start(T1);
    store.start(T2);
    store.event(T1, attempt(1, 'passed'));
    await drawn(() => expect(rowOf(ui.lastFrame(), 2)).toMatch(/^> 2/));
    ui.stdin.write(KEYS.up);
    store.event(T2, attempt(1, 'stagnated'));
    await drawn(() => {
      expect(rowOf(ui.lastFrame(), 2)).toMatch(/stagnated/);
      expect(rowOf(ui.lastFrame(), 1)).toMatch(/^> 1/);
    });
  });

  it('hands Ctrl-C to the run instead of exiting, and q only says how to stop', async () => {
    const { store } = fakeStore();
    const onInterrupt = vi.fn();
    const ui = render(
      <LiveView
        store={store}
        intervalMs={0}
        color={false}
        size={{ columns: 80, rows: 24 }}
        onInterrupt={onInterrupt}
      />,
    );
    store.start(T1);
    ui.stdin.write(KEYS.ctrlC);
    ui.stdin.write('q');
    await drawn(() => {
      expect(onInterrupt).toHaveBeenCalledTimes(1);
      expect(ui.lastFrame()).toContain('q does not stop the run; Ctrl-C cancels it');
    });
    store.note('cancelling; press Ctrl-C again to quit at once');
    store.event(T1, phase(1, 'coder'));
    // Still live: the view kept drawing after both keys.
    await drawn(() => {
      expect(rowOf(ui.lastFrame(), 1)).toMatch(/coder/);
      expect(ui.lastFrame()).toContain('cancelling; press Ctrl-C again');
    });
    expect(onInterrupt).toHaveBeenCalledTimes(1);
  });

  it('keeps the frame shorter than the terminal, with the focused row and the text’s tail', async () => {
    const { store } = fakeStore();
    const size = { columns: 80, rows: 10 };
    const ui = render(<LiveView store={store} intervalMs={0} color={false} size={size} />);
    for (let id = 1; id <= 8; id++) {
      store.start({ id, title: `task number ${id} `.repeat(10) });
      store.event({ id, title: '' }, phase(1, 'coder'));
    }
    const reply = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n');
    store.coderText({ id: 1, title: '' }, reply);
    await drawn(() => {
      const f = lines(ui.lastFrame());
      expect(f.length).toBeLessThan(size.rows);
      expect(Math.max(...f.map((l) => l.length))).toBeLessThanOrEqual(size.columns);
      expect(f[0]).toContain('(1-');
      expect(rowOf(ui.lastFrame(), 1)).toMatch(/^> 1/);
      expect(f.at(-1)).toBe('line 40');
      expect(ui.lastFrame()).not.toContain('line 30\n');
    });

    for (let i = 0; i < 6; i++) ui.stdin.write(KEYS.down);
    await drawn(() => {
      expect(lines(ui.lastFrame()).length).toBeLessThan(size.rows);
      expect(rowOf(ui.lastFrame(), 7)).toMatch(/^> 7/);
      expect(rowOf(ui.lastFrame(), 1)).toBe('');
    });

    // Long lines of prose wrap instead of vanishing past the edge.
    store.coderText({ id: 7, title: '' }, 'x'.repeat(150));
    await drawn(() => expect(lines(ui.lastFrame()).slice(-2)).toEqual(['x'.repeat(80), 'x'.repeat(70)]));

    for (const rows of [2, 3, 4, 5, 6]) {
      const tiny = render(
        <LiveView store={store} intervalMs={0} color={false} size={{ columns: 40, rows }} />,
      );
      await drawn(() => {
        expect(tiny.lastFrame()).toContain('factory');
        expect(lines(tiny.lastFrame()).length).toBeLessThan(rows);
      });
      tiny.unmount();
    }
  });

  it('fits 80x24 with text, and shows the terminal escapes a model might send, never obeys them', async () => {
    const { store } = fakeStore();
    const ui = render(
      <LiveView store={store} intervalMs={0} color={false} size={{ columns: 80, rows: 24 }} />,
    );
    store.start(T1);
    store.event(T1, phase(1, 'coder'));
    store.coderText(T1, 'plain \u001b[2J\u001b[31mred\u001b[0m\u001b]0;title\u0007 done\r\n\tindented\u0000');
    await drawn(() => {
      const f = ui.lastFrame() ?? '';
      for (const c of ['\u001b', '\u0007', '\u0000', '\r', '\t']) expect(f).not.toContain(c);
      // Shown as symbols, never obeyed; the CRLF is a line break, the tab is spaces.
      expect(f).toContain('\nplain ␛[2J␛[31mred␛[0m␛]0;title␇ done\n    indented␀');
    });
    store.coderText(T1, Array.from({ length: 60 }, (_, i) => `\nmore ${i}`).join(''));
    await drawn(() => {
      const f = ui.lastFrame() ?? '';
      expect(lines(f)).toHaveLength(23);
      expect(lines(f).at(-1)).toBe('more 59');
    });
  });

  it('ends with a compact frame of outcomes, settled by the runner’s own results', async () => {
    const { store } = fakeStore();
    const ui = render(
      <LiveView store={store} intervalMs={0} color={false} size={{ columns: 100, rows: 30 }} />,
    );
    store.start(T1);
    store.start(T2);
    store.start({ id: 3, title: 'never got going' });
    store.event(T1, attempt(3, 'failed'));
    store.event(T2, attempt(1, 'passed'));
    store.coderText(T1, 'some text');
    store.finish([outcome(1, 'budget', 3), outcome(2, 'passed', 1), outcome(3, 'error', 0)]);
    await drawn(() => {
      const f = ui.lastFrame() ?? '';
      expect(lines(f)[0]).toBe('factory  3 tasks: 1 budget, 1 passed, 1 error');
      expect(rowOf(f, 1)).toMatch(/^ {2}1\s+3\s+budget/);
      expect(rowOf(f, 2)).toMatch(/passed/);
      expect(rowOf(f, 3)).toMatch(/^ {2}3\s+-\s+error/);
      expect(f).not.toContain('Coder');
      expect(f).not.toContain('ctrl-c');
      expect(lines(f)).toHaveLength(5);
    });
  });

  it('marks tasks the run ended without an outcome for as stopped', async () => {
    const { store } = fakeStore();
    const ui = render(
      <LiveView store={store} intervalMs={0} color={false} size={{ columns: 100, rows: 30 }} />,
    );
    store.start(T1);
    store.start(T2);
    store.event(T1, phase(2, 'check'));
    store.event(T2, attempt(1, 'failed'));
    store.finish();
    await drawn(() => {
      const f = ui.lastFrame();
      expect(lines(f)[0]).toBe('factory  2 tasks: 1 stopped, 1 failed');
      expect(rowOf(f, 1)).toMatch(/1\s+2\s+stopped/);
      expect(rowOf(f, 2)).toMatch(/2\s+1\s+failed/);
    });
  });

  it('redraws at most about once per interval while tokens stream in', async () => {
    const { store } = fakeStore();
    const ui = render(
      <LiveView store={store} intervalMs={50} color={false} size={{ columns: 80, rows: 24 }} />,
    );
    store.start(T1);
    store.event(T1, phase(1, 'coder'));
    await drawn(() => expect(rowOf(ui.lastFrame(), 1)).toMatch(/coder/));
    const before = ui.frames.length;
    const started = Date.now();
    for (let i = 0; i < 40; i++) {
      for (let j = 0; j < 50; j++) store.coderText(T1, `t${i}.${j} `);
      await settle(5);
    }
    await drawn(() => expect(ui.lastFrame()).toContain('t39.49'));
    const elapsed = Date.now() - started;
    const frames = ui.frames.length - before;
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 2);
  });
});
