import { afterEach, describe, expect, it, vi } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestQueue } from '../../src/llm/queue.js';
import { startFront } from '../../src/llm/front.js';
import type { Inference } from '../../src/llm/inference.js';
import { appendCapped, tailLines } from '../../src/tui/live/coder-text.js';
import { layout, windowStart } from '../../src/tui/live/layout.js';
import { pollMetrics, queueMetricsSource } from '../../src/tui/live/metrics.js';
import { theme, wantsColor } from '../../src/tui/live/theme.js';
import { attempt, fakeStore, metrics, phase } from './live-helpers.js';

const endpoint = { baseURL: 'http://unused.test/v1', apiKey: 'local', model: 'm', concurrency: 1 };
const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

describe('the live store', () => {
  it('keeps each task’s text apart, per attempt, and only the focused one wakes the view', () => {
    const { store } = fakeStore();
    const changes: boolean[] = [];
    store.subscribe((urgent) => changes.push(urgent));
    store.start({ id: 1, title: 'a' });
    store.start({ id: 2, title: 'b' });
    changes.length = 0;
    store.coderText({ id: 2, title: 'b' }, 'hidden');
    expect(changes).toEqual([]);
    store.coderText({ id: 1, title: 'a' }, 'shown');
    expect(changes).toEqual([false]);
    expect(store.snapshot().text).toBe('shown');
    store.event({ id: 1, title: 'a' }, phase(2, 'coder'));
    expect(store.snapshot().text).toBe('');
    store.moveFocus(1);
    expect(store.snapshot()).toMatchObject({ focusId: 2, text: 'hidden' });
    expect(changes.at(-1)).toBe(true);
  });

  it('takes rows for events of tasks it was not told had started', () => {
    const { store } = fakeStore();
    store.event({ id: 9, title: 'resumed' }, phase(4, 'check'));
    expect(store.snapshot().rows).toMatchObject([{ id: 9, attempt: 4, state: 'check' }]);
    expect(store.snapshot().focusId).toBe(9);
  });

  it('reads metrics by the queue’s task key and ignores other keys', () => {
    const { store } = fakeStore();
    store.start({ id: 1, title: 'a' });
    store.metrics(
      metrics(
        {
          'task-1': { tokensPerSecond: 9, waitMsAvg: 10, waiting: 1 },
          'task-10': { tokensPerSecond: 99 },
          x: {},
        },
        { waiting: 3, tokensPerSecond: 8 },
      ),
    );
    const s = store.snapshot();
    expect(s.rows).toMatchObject([{ id: 1, tokensPerSecond: 9, waitMsAvg: 10, queued: true }]);
    expect(s.queue).toEqual({ waiting: 3, tokensPerSecond: 8 });
  });

  it('stops a task’s clock between attempts and at the end', () => {
    const { store, advance } = fakeStore();
    const t = { id: 1, title: 'a' };
    store.start(t);
    advance(5000);
    store.event(t, attempt(1, 'failed'));
    advance(5000);
    expect(store.snapshot().rows[0]!.stoppedAt).not.toBeNull();
    store.event(t, phase(2, 'coder'));
    expect(store.snapshot().rows[0]!.stoppedAt).toBeNull();
    store.finish();
    const row = store.snapshot().rows[0]!;
    expect(row).toMatchObject({ state: 'stopped', final: true });
    expect(row.stoppedAt! - row.startedAt).toBe(10_000);
  });

  it('snapshots are copies: the view never sees a row change under it', () => {
    const { store } = fakeStore();
    store.start({ id: 1, title: 'a' });
    const before = store.snapshot();
    store.event({ id: 1, title: 'a' }, phase(1, 'coder'));
    expect(before.rows[0]!.state).toBe('starting');
  });
});

describe('coder text', () => {
  it('keeps only the newest text beyond the cap', () => {
    let buf = '';
    for (let i = 0; i < 100; i++) buf = appendCapped(buf, `${i}`.padEnd(10, '.'), 50);
    expect(buf).toHaveLength(50);
    expect(buf.endsWith('99........')).toBe(true);
  });

  it('gives the last screen lines, wrapping long ones', () => {
    expect(tailLines('', 10, 3)).toEqual([]);
    expect(tailLines('a\nb\nc\n', 10, 2)).toEqual(['b', 'c']);
    expect(tailLines('short\n' + 'x'.repeat(25), 10, 2)).toEqual(['x'.repeat(10), 'x'.repeat(5)]);
    expect(tailLines('a\n\nb', 10, 5)).toEqual(['a', '', 'b']);
    expect(tailLines('héllo wörld', 5, 3)).toEqual(['héllo', ' wörl', 'd']);
  });
});

describe('layout', () => {
  it('always leaves the last terminal line free and the header in place', () => {
    for (let height = 1; height <= 40; height++)
      for (const tasks of [0, 1, 2, 5, 30])
        for (const notes of [0, 1, 3])
          for (const done of [false, true]) {
            const l = layout(height, tasks, notes, done);
            const used = 1 + l.notes + (l.columnHeader ? 1 : 0) + l.rows + (l.text ? l.text + 1 : 0);
            expect(used, JSON.stringify({ height, tasks, notes, done })).toBeLessThanOrEqual(
              Math.max(1, height - 1),
            );
            if (height >= 4 && tasks > 0) expect(l.rows).toBeGreaterThanOrEqual(1);
          }
  });

  it('gives 80x24 room for two tasks and most of the text', () => {
    expect(layout(24, 2, 0, false)).toEqual({ notes: 0, columnHeader: true, rows: 2, text: 18 });
    expect(layout(24, 30, 0, false).rows).toBe(11);
    expect(layout(24, 30, 0, true)).toMatchObject({ rows: 21, text: 0 });
  });

  it('scrolls the rows to keep the focus near the middle', () => {
    expect(windowStart(10, 20, 7)).toBe(0);
    expect(windowStart(30, 5, 0)).toBe(0);
    expect(windowStart(30, 5, 10)).toBe(8);
    expect(windowStart(30, 5, 29)).toBe(25);
  });
});

describe('colour', () => {
  it('follows NO_COLOR and keeps only bold without colour', () => {
    expect(wantsColor({})).toBe(true);
    expect(wantsColor({ NO_COLOR: '' })).toBe(true);
    expect(wantsColor({ NO_COLOR: '1' })).toBe(false);
    const plain = theme(false);
    for (const role of ['dim', 'active', 'good', 'bad', 'warn'] as const) expect(plain(role)).toEqual({});
    expect(plain('heading')).toEqual({ bold: true });
    expect(theme(true)('good')).toEqual({ color: 'green' });
  });
});

describe('metrics', () => {
  it('reads the in-process queue', async () => {
    const queue = new RequestQueue([endpoint]);
    await queue.run('task-3', async () => ({ usage: { promptTokens: 1, completionTokens: 5 } }), {
      usageOf: (r) => r.usage,
    });
    const source = queueMetricsSource({ mode: 'in-process', queue, note: '' } as Inference, endpoint.baseURL);
    const m = await source();
    expect(m?.tasks).toMatchObject([{ task: 'task-3', completionTokens: 5 }]);
  });

  it('reads the front’s queue from /factory/status, and gives null when it is away', async () => {
    const queue = metrics({ 'task-1': { tokensPerSecond: 12 } });
    const server = http.createServer((req, res) => {
      if (req.url !== '/factory/status') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ model: 'm', queue }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const inference = { mode: 'front', queue: new RequestQueue([endpoint]), note: '' } as Inference;
    expect(await queueMetricsSource(inference, baseURL)()).toEqual(queue);
    expect(await queueMetricsSource(inference, 'http://127.0.0.1:9/v1')()).toBeNull();
  });

  it('shows a real front its token (the Inference carries it), and gets nothing without it', async () => {
    const queue = new RequestQueue([endpoint]);
    const front = await startFront({ host: '127.0.0.1', port: 0, queue, token: 'tui-token' });
    closers.push(() => void front.close());
    const baseURL = `${front.url}/v1`;
    const withToken = { mode: 'front', queue, note: '', token: 'tui-token' } as Inference;
    expect((await queueMetricsSource(withToken, baseURL)())?.total).toMatchObject({ waiting: 0 });
    const without = { mode: 'front', queue, note: '' } as Inference;
    expect(await queueMetricsSource(without, baseURL)()).toBeNull();
  });

  it('polls without overlapping a slow source, ticks meanwhile, and stops', async () => {
    vi.useFakeTimers();
    closers.push(() => vi.useRealTimers());
    let calls = 0;
    let ticks = 0;
    const got: number[] = [];
    const stop = pollMetrics(
      () => {
        const n = ++calls;
        return new Promise((r) => setTimeout(() => r(metrics({}, { waiting: n })), 60));
      },
      (m) => got.push(m.total.waiting),
      () => ticks++,
      10,
    );
    closers.push(stop);
    await vi.advanceTimersByTimeAsync(100);
    // A tick every 10 ms, but a new poll only once the last one answered (60 ms each).
    expect(ticks).toBe(11);
    expect(calls).toBe(2);
    expect(got).toEqual([1]);
    stop();
    await vi.advanceTimersByTimeAsync(200);
    expect(ticks).toBe(11);
    expect(calls).toBe(2);
    // The answer in flight when it stopped is dropped.
    expect(got).toEqual([1]);
  });
});
