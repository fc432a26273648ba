import { describe, expect, it } from 'vitest';
import { QueueCancelledError, RequestQueue } from '../../src/llm/queue.js';
import { FactoryError } from '../../src/errors.js';
import { endpoint, llmError, sleep, tick } from './queue-helpers.js';

/** Work that records its start and whether its signal fired. */
function probe(ms: number) {
  const seen = { started: false, aborted: false, reason: undefined as unknown };
  const work = async (_ep: unknown, signal: AbortSignal) => {
    seen.started = true;
    signal.addEventListener('abort', () => {
      seen.aborted = true;
      seen.reason = signal.reason;
    });
    await sleep(ms, signal);
    return 'done';
  };
  return { seen, work };
}

describe('RequestQueue cancellation', () => {
  it('cancelTask rejects the waiting requests, aborts the running one, and spares other tasks', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)]);
    // Ten minutes of work unless aborted: if the other task had to wait for it, the test would time out.
    const running = probe(600_000);
    const doomed = q.run('doomed', running.work);
    const waiting = [probe(10), probe(10)];
    const doomedWaiting = waiting.map((p) => q.run('doomed', p.work));
    const other = probe(10);
    const otherResult = q.run('other', other.work);
    expect(q.metrics().total).toMatchObject({ running: 1, waiting: 3 });

    expect(q.cancelTask('doomed')).toBe(3);
    for (const p of [doomed, ...doomedWaiting]) {
      const e = await p.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(QueueCancelledError);
      expect(e).toBeInstanceOf(FactoryError);
      expect((e as QueueCancelledError).task).toBe('doomed');
      expect((e as QueueCancelledError).why).toBe('task-cancelled');
      expect((e as Error).message).toBe('request of task "doomed" cancelled: the task was cancelled');
    }
    expect(running.seen.aborted).toBe(true);
    expect(running.seen.reason).toBeInstanceOf(QueueCancelledError);
    expect(waiting.some((p) => p.seen.started)).toBe(false);
    // The other task gets the slot as soon as the aborted work lets go of it.
    await expect(otherResult).resolves.toBe('done');
    expect(q.cancelTask('doomed')).toBe(0);
    expect(q.cancelTask('never-seen')).toBe(0);
    const m = q.metrics();
    expect(m.tasks.find((t) => t.task === 'doomed')).toMatchObject({ cancelled: 3, completed: 0, failed: 0 });
    expect(m.tasks.find((t) => t.task === 'other')).toMatchObject({ cancelled: 0, completed: 1 });
  });

  it('keeps the slot of cancelled work that ignores its signal until that work ends', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)]);
    let release!: () => void;
    const stubborn = q.run('a', () => new Promise<void>((r) => (release = r)));
    const next = probe(5);
    const after = q.run('b', next.work);
    q.cancelTask('a');
    await expect(stubborn).rejects.toBeInstanceOf(QueueCancelledError);
    await tick();
    // mlx_lm.server is still busy with it: starting b now would break concurrency 1.
    expect(next.seen.started).toBe(false);
    expect(q.metrics().total).toMatchObject({ running: 1, waiting: 1 });
    release();
    await expect(after).resolves.toBe('done');
  });

  it('cancels a request that is backing off before its retry', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)], { baseDelayMs: 5000, random: () => 1 });
    let tries = 0;
    const p = q.run('a', async () => {
      tries++;
      throw llmError('http', true, 503);
    });
    await tick();
    expect(q.metrics().total).toMatchObject({ backingOff: 1, running: 0 });
    expect(q.cancelTask('a')).toBe(1);
    await expect(p).rejects.toBeInstanceOf(QueueCancelledError);
    expect(tries).toBe(1);
    expect(q.busy).toBe(false);
  });

  it('an AbortSignal given to run removes that request if waiting, aborts it if running', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)]);
    const first = probe(1000);
    const runningCtl = new AbortController();
    const runningP = q.run('a', first.work, { signal: runningCtl.signal });
    const waitingCtl = new AbortController();
    const second = probe(10);
    const waitingP = q.run('a', second.work, { signal: waitingCtl.signal });
    const sibling = probe(10);
    const siblingP = q.run('a', sibling.work);

    waitingCtl.abort(new Error('user pressed q'));
    const e = await waitingP.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QueueCancelledError);
    expect((e as QueueCancelledError).why).toBe('aborted');
    expect((e as Error).message).toContain('task "a"');
    expect(((e as Error).cause as Error).message).toBe('user pressed q');
    expect(second.seen.started).toBe(false);
    expect(q.metrics().total).toMatchObject({ running: 1, waiting: 1 });

    runningCtl.abort();
    await expect(runningP).rejects.toBeInstanceOf(QueueCancelledError);
    expect(first.seen.aborted).toBe(true);
    // The same task's other request is unaffected.
    await expect(siblingP).resolves.toBe('done');
    expect(second.seen.started).toBe(false);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)]);
    const p = probe(10);
    await expect(q.run('a', p.work, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      QueueCancelledError,
    );
    expect(p.seen.started).toBe(false);
  });

  it('close rejects everything waiting, aborts what runs, and refuses new requests', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)]);
    const running = probe(1000);
    const ps = [q.run('a', running.work), q.run('b', probe(10).work), q.run('c', probe(10).work)];
    q.close();
    for (const p of ps) await expect(p).rejects.toMatchObject({ why: 'closed' });
    expect(running.seen.aborted).toBe(true);
    await expect(q.run('d', probe(1).work)).rejects.toMatchObject({ why: 'closed' });
    await tick();
    expect(q.busy).toBe(false);
  });
});
