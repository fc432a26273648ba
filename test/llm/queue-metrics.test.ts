import { afterEach, describe, expect, it } from 'vitest';
import { RequestQueue } from '../../src/llm/queue.js';
import { endpoint, llmError, sleep, tick, trackTimers } from './queue-helpers.js';

const answer =
  (ms: number, prompt: number, completion: number) => async (_ep: unknown, signal: AbortSignal) => {
    await sleep(ms, signal);
    return { text: 'hi', usage: { promptTokens: prompt, completionTokens: completion, cachedTokens: 0 } };
  };
const usageOf = (r: { usage: { promptTokens: number; completionTokens: number } }) => r.usage;

let timers: ReturnType<typeof trackTimers> | undefined;
afterEach(() => timers?.restore());

describe('RequestQueue metrics', () => {
  it('counts waiting and running per task and in total, and the numbers add up', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)], { baseDelayMs: 1 });
    const a = [q.run('a', answer(30, 100, 50), { usageOf }), q.run('a', answer(20, 200, 40), { usageOf })];
    const b = q.run('b', answer(20, 10, 30), { usageOf });
    let bTries = 0;
    const c = q.run('c', async () => {
      if (++bTries === 1) throw llmError('http', true, 500);
      throw llmError('http', false, 400);
    });

    const during = q.metrics();
    expect(during.busy).toBe(true);
    expect(during.total).toMatchObject({ waiting: 3, running: 1, submitted: 4, completed: 0 });
    expect(during.tasks.map((t) => [t.task, t.waiting, t.running])).toEqual([
      ['a', 1, 1],
      ['b', 1, 0],
      ['c', 1, 0],
    ]);
    expect(during.endpoints).toEqual([
      {
        baseURL: 'http://mlx.test/v1',
        model: 'test-model',
        concurrency: 1,
        running: 1,
        up: true,
        downForMs: 0,
        served: 0,
        failed: 0,
        connectionErrors: 0,
      },
    ]);

    await Promise.all([...a, b, c.catch(() => undefined)]);
    const m = q.metrics();
    // A plain object: what the front serves at /factory/status survives JSON unchanged.
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
    expect(m.busy).toBe(false);
    const [ta, tb, tc] = m.tasks;
    expect(ta).toMatchObject({ completed: 2, failed: 0, promptTokens: 300, completionTokens: 90 });
    expect(tb).toMatchObject({ completed: 1, promptTokens: 10, completionTokens: 30 });
    expect(tc).toMatchObject({ completed: 0, failed: 1, retries: 1, promptTokens: 0 });
    expect(m.total).toMatchObject({
      waiting: 0,
      running: 0,
      backingOff: 0,
      submitted: 4,
      completed: 3,
      failed: 1,
      cancelled: 0,
      retries: 1,
      promptTokens: 310,
      completionTokens: 120,
    });
    for (const key of ['waitMsTotal', 'serviceMsTotal'] as const)
      expect(m.total[key]).toBeCloseTo(
        m.tasks.reduce((s, t) => s + t[key], 0),
        2,
      );
    // a's answers took ~30 and ~20 ms: 90 tokens over ~50 ms of service.
    expect(ta!.serviceMsTotal).toBeGreaterThanOrEqual(49);
    expect(ta!.tokensPerSecond).toBeCloseTo(90 / (ta!.serviceMsTotal / 1000), -1);
    // b waited for a's first answer (~30 ms); c waited for three answers (~70 ms).
    expect(tb!.waitMsTotal).toBeGreaterThanOrEqual(29);
    expect(tc!.waitMsAvg).toBeGreaterThan(30);
    expect(m.total.waitMsAvg).toBeCloseTo(m.total.waitMsTotal / 5, 2); // 4 first starts + 1 retry
    expect(m.endpoints[0]).toMatchObject({ served: 3, failed: 2, running: 0 });
  });

  it('tells idle shutdown when it went idle, with no timer left behind', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)], { baseDelayMs: 5 });
    let idle = 0;
    const off = q.onIdle(() => idle++);
    const before = q.lastActivityAt;
    expect(q.busy).toBe(false);
    await sleep(5);
    timers = trackTimers();
    let tries = 0;
    const p = q.run('a', async () => {
      if (++tries < 3) throw llmError('connection', true);
      return 1;
    });
    expect(q.busy).toBe(true);
    expect(idle).toBe(0);
    await p;
    expect(q.busy).toBe(false);
    expect(idle).toBe(1);
    expect(timers.live()).toBe(0);
    expect(q.lastActivityAt).toBeGreaterThan(before);
    expect(q.metrics()).toMatchObject({ busy: false, lastActivityAt: q.lastActivityAt });
    await Promise.all([q.run('a', async () => 1), q.run('b', async () => 2)]);
    expect(idle).toBe(2);
    off();
    await q.run('a', async () => 1);
    expect(idle).toBe(2);
    expect(timers.live()).toBe(0);
  });

  it('drops its wake-up timer when the requests waiting for a down endpoint go away', async () => {
    timers = trackTimers();
    const a = endpoint('a', 1);
    const q = new RequestQueue([a, endpoint('b', 1)], { endpointDownMs: 60_000, retries: 0 });
    await q
      .run('t', async (ep) => {
        if (ep === a) throw llmError('connection', true);
      })
      .catch(() => undefined);
    let release!: () => void;
    const busy = q.run('t', () => new Promise<void>((r) => (release = r)));
    const waiting = q.run('u', async () => undefined);
    expect(timers.live()).toBe(1); // waiting for a to come back in a minute
    q.cancelTask('u');
    await expect(waiting).rejects.toThrow('cancelled');
    expect(timers.live()).toBe(0);
    release();
    await busy;
    expect(q.busy).toBe(false);
    expect(timers.live()).toBe(0);
  });

  it('forgets an idle task’s counters on request', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)]);
    await q.run('a', async () => 1);
    const slow = q.run('b', () => sleep(20));
    expect(q.forgetTask('b')).toBe(false);
    expect(q.forgetTask('a')).toBe(true);
    await slow;
    expect(q.metrics().tasks.map((t) => t.task)).toEqual(['b']);
    expect(q.metrics().total.completed).toBe(2);
    await tick();
  });
});
