import { describe, expect, it } from 'vitest';
import { RequestQueue } from '../../src/llm/queue.js';
import type { EndpointConfig } from '../../src/llm/types.js';
import { endpoint, llmError, sleep } from './queue-helpers.js';

/** Work that counts how many run at once on each endpoint. */
function tracker() {
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  const served: string[] = [];
  const job =
    (ms: number) =>
    async (ep: EndpointConfig, signal: AbortSignal): Promise<string> => {
      const n = (running.get(ep.baseURL) ?? 0) + 1;
      running.set(ep.baseURL, n);
      peak.set(ep.baseURL, Math.max(n, peak.get(ep.baseURL) ?? 0));
      served.push(ep.baseURL);
      try {
        await sleep(ms, signal);
        return ep.baseURL;
      } finally {
        running.set(ep.baseURL, running.get(ep.baseURL)! - 1);
      }
    };
  return { job, peak, served };
}

describe('RequestQueue endpoints', () => {
  it('never runs more than an endpoint’s concurrency at once', async () => {
    const ep = endpoint('gpu', 2);
    const q = new RequestQueue([ep]);
    const t = tracker();
    const all = [];
    for (let task = 0; task < 6; task++)
      for (let i = 0; i < 4; i++) all.push(q.run(`t${task}`, t.job(3 + ((task * 7 + i * 3) % 10))));
    await Promise.all(all);
    expect(t.peak.get(ep.baseURL)).toBe(2);
    expect(q.metrics().endpoints[0]).toMatchObject({ served: 24, running: 0, concurrency: 2 });
  });

  it('sends each request to the least-loaded endpoint (running / concurrency)', async () => {
    const a = endpoint('a', 2);
    const b = endpoint('b', 4);
    const q = new RequestQueue([a, b]);
    const t = tracker();
    const all = Array.from({ length: 8 }, (_, i) => q.run(`t${i}`, t.job(30)));
    // a: 0/2 vs b: 0/4, a wins the tie; then b (0 < 1/2); b (1/4 < 1/2); a (2/4 = 1/2, first wins);
    // then a is full and b takes the rest up to its 4; the 7th and 8th wait.
    expect(t.served.map((u) => u.slice(7, 8))).toEqual(['a', 'b', 'b', 'a', 'b', 'b']);
    expect(q.metrics().total).toMatchObject({ running: 6, waiting: 2 });
    await Promise.all(all);
    expect(t.peak.get(a.baseURL)).toBe(2);
    expect(t.peak.get(b.baseURL)).toBe(4);
  });

  it('marks an endpoint down on a connection error, moves traffic, and tries it again later', async () => {
    const flaky = endpoint('flaky', 1);
    const steady = endpoint('steady', 1);
    const q = new RequestQueue([flaky, steady], { endpointDownMs: 300, baseDelayMs: 1, maxDelayMs: 1 });
    let flakyBroken = true;
    const served: string[] = [];
    const job = async (ep: EndpointConfig, signal: AbortSignal) => {
      served.push(ep === flaky ? 'flaky' : 'steady');
      if (ep === flaky && flakyBroken) throw llmError('connection', true);
      await sleep(10, signal);
      return ep.baseURL;
    };

    // The first request fails on flaky (picked first) and its retry lands on steady.
    expect(await q.run('t1', job)).toBe(steady.baseURL);
    expect(served).toEqual(['flaky', 'steady']);
    const down = q.metrics().endpoints[0]!;
    expect(down).toMatchObject({ up: false, connectionErrors: 1, failed: 1 });
    expect(down.downForMs).toBeGreaterThan(0);

    // While flaky is down, everything queues for steady, even with flaky's slot free.
    served.length = 0;
    await Promise.all([q.run('t1', job), q.run('t2', job), q.run('t3', job)]);
    expect(served).toEqual(['steady', 'steady', 'steady']);

    // After endpointDownMs it is tried again, and serves once it works.
    flakyBroken = false;
    while (!q.metrics().endpoints[0]!.up) await sleep(5);
    served.length = 0;
    await Promise.all([q.run('t1', job), q.run('t2', job)]);
    expect(served.sort()).toEqual(['flaky', 'steady']);
    expect(q.metrics().endpoints.map((e) => e.served)).toEqual([1, 5]);
  });

  it('wakes up to use an endpoint that comes back while requests wait for a busy one', async () => {
    const flaky = endpoint('flaky', 1);
    const steady = endpoint('steady', 1);
    const q = new RequestQueue([flaky, steady], { endpointDownMs: 40, retries: 0 });
    const served: Array<[string, number]> = [];
    const t0 = performance.now();
    let broken = true;
    const job = (ms: number) => async (ep: EndpointConfig, signal: AbortSignal) => {
      served.push([ep === flaky ? 'flaky' : 'steady', Math.round(performance.now() - t0)]);
      if (ep === flaky && broken) {
        broken = false;
        throw llmError('connection', true);
      }
      await sleep(ms, signal);
    };
    await expect(q.run('t0', job(0))).rejects.toThrow('connection');
    // steady is busy for 200 ms; the waiting request must go to flaky when it is back at ~40 ms.
    const long = q.run('t1', job(200)).then(() => performance.now() - t0);
    await q.run('t2', job(5));
    expect(served[2]![0]).toBe('flaky');
    expect(served[2]![1]).toBeGreaterThanOrEqual(35);
    expect(served[2]![1]).toBeLessThan(await long);
  });

  it('keeps trying when every endpoint is down, oldest-down first, instead of hanging', async () => {
    const a = endpoint('a', 1);
    const b = endpoint('b', 1);
    // Down for ten minutes: a queue that waited for an endpoint to come back would time the test out.
    const q = new RequestQueue([a, b], {
      endpointDownMs: 600_000,
      baseDelayMs: 1,
      maxDelayMs: 2,
      retries: 4,
    });
    const served: string[] = [];
    const err = llmError('connection', true);
    await expect(
      q.run('t', async (ep) => {
        served.push(ep === a ? 'a' : 'b');
        throw err;
      }),
    ).rejects.toBe(err);
    // a fails, b is up; b fails; both down: a went down longest ago; then b; then a.
    expect(served).toEqual(['a', 'b', 'a', 'b', 'a']);
    expect(q.metrics().endpoints.map((e) => e.up)).toEqual([false, false]);
  });
});
