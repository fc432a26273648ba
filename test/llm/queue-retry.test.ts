import { describe, expect, it } from 'vitest';
import { RequestQueue } from '../../src/llm/queue.js';
import { backoffDelay } from '../../src/llm/queue-backoff.js';
import { defaultIsRetryable } from '../../src/llm/queue-retry.js';
import { endpoint, llmError, sleep } from './queue-helpers.js';

describe('backoffDelay', () => {
  it('grows exponentially, is capped, and jitters over the whole range', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((r) => backoffDelay(r, 250, 8000, () => 1))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 8000,
    ]);
    expect(backoffDelay(2, 250, 8000, () => 0.5)).toBe(500);
    expect(backoffDelay(2, 250, 8000, () => 0)).toBe(0);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, 250, 8000);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });
});

describe('defaultIsRetryable', () => {
  it('follows the retryable flag, else the status, else a connection error', () => {
    expect(defaultIsRetryable(llmError('loading', true, 503))).toBe(true);
    expect(defaultIsRetryable(llmError('http', false, 500))).toBe(false);
    for (const status of [408, 429, 500, 502, 503]) expect(defaultIsRetryable({ status })).toBe(true);
    for (const status of [400, 401, 404, 422]) expect(defaultIsRetryable({ status })).toBe(false);
    expect(defaultIsRetryable({ kind: 'connection' })).toBe(true);
    expect(defaultIsRetryable(new Error('boom'))).toBe(false);
    expect(defaultIsRetryable(undefined)).toBe(false);
    expect(defaultIsRetryable('text')).toBe(false);
  });
});

/** Work that fails with `errors` in turn, then answers; records when each attempt started. */
function failing(errors: unknown[]) {
  const at: number[] = [];
  const t0 = performance.now();
  const work = async () => {
    at.push(performance.now() - t0);
    const e = errors[at.length - 1];
    if (e !== undefined) throw e;
    return 'ok';
  };
  return { at, work };
}

describe('RequestQueue retries', () => {
  it('retries retryable errors with growing delays up to the limit, then fails with the last error', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)], { retries: 3, baseDelayMs: 20, random: () => 1 });
    const errors = [500, 502, 503, 504].map((s) => llmError('http', true, s));
    const f = failing(errors);
    await expect(q.run('a', f.work)).rejects.toBe(errors[3]);
    expect(f.at.length).toBe(4);
    const gaps = f.at.slice(1).map((t, i) => t - f.at[i]!);
    // At least 20, 40, 80 ms: a timer may fire a hair early, and late by any amount on a busy machine.
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    expect(q.metrics().total).toMatchObject({ retries: 3, failed: 1, completed: 0, backingOff: 0 });
  });

  it('recovers when a retry succeeds (503 while loading, then an answer)', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)], { baseDelayMs: 2 });
    const f = failing([llmError('loading', true, 503), llmError('loading', true, 503)]);
    await expect(q.run('a', f.work)).resolves.toBe('ok');
    expect(f.at.length).toBe(3);
    expect(q.metrics().total).toMatchObject({ retries: 2, completed: 1, failed: 0 });
  });

  it('never retries a 4xx other than 408 and 429', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)], { baseDelayMs: 1 });
    for (const status of [400, 401, 404, 422]) {
      const err = { status, message: `HTTP ${status}` };
      const f = failing([err]);
      await expect(q.run('a', f.work)).rejects.toBe(err);
      expect(f.at.length).toBe(1);
    }
    // The client's own verdict wins too: a 404 from mlx_lm.server is a wrong model, not a blip.
    const f = failing([llmError('http', false, 404)]);
    await expect(q.run('a', f.work)).rejects.toMatchObject({ status: 404 });
    expect(f.at.length).toBe(1);
    expect(q.metrics().total.retries).toBe(0);
  });

  it('retries 408 and 429', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)], { baseDelayMs: 1 });
    for (const status of [408, 429]) {
      const f = failing([{ status }, { status }]);
      await expect(q.run('a', f.work)).resolves.toBe('ok');
      expect(f.at.length).toBe(3);
    }
  });

  it('does not hold the slot while backing off: another task runs in the meantime', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)], { baseDelayMs: 60, random: () => 1 });
    const order: string[] = [];
    let failed = false;
    const flaky = q.run('a', async () => {
      order.push(failed ? 'a:retry' : 'a:fail');
      if (!failed) {
        failed = true;
        throw llmError('connection', true);
      }
      return 'a';
    });
    const other = q.run('b', async (_ep, signal) => {
      order.push('b:start');
      await sleep(20, signal);
      order.push('b:end');
      return 'b';
    });
    expect(await Promise.all([flaky, other])).toEqual(['a', 'b']);
    expect(order).toEqual(['a:fail', 'b:start', 'b:end', 'a:retry']);
  });

  it('puts a retry at the front of its task’s FIFO', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)], { baseDelayMs: 10, random: () => 1 });
    const order: string[] = [];
    let failed = false;
    const job = (name: string, ms: number) => async (_ep: unknown, signal: AbortSignal) => {
      order.push(name);
      if (name === 'a1' && !failed) {
        failed = true;
        throw llmError('http', true, 500);
      }
      await sleep(ms, signal);
    };
    // a1 fails, b1 runs through the backoff; then a's retry comes before a2.
    await Promise.all([q.run('a', job('a1', 1)), q.run('b', job('b1', 30)), q.run('a', job('a2', 1))]);
    expect(order).toEqual(['a1', 'b1', 'a1', 'a2']);
  });
});
