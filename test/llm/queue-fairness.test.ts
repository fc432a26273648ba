import { describe, expect, it } from 'vitest';
import { RequestQueue } from '../../src/llm/queue.js';
import { endpoint, fairnessViolation, seeded, sleep } from './queue-helpers.js';

type Log = Array<{ ev: 'submit' | 'start'; task: string }>;

function submit(q: RequestQueue, log: Log, task: string, ms: number, priority?: number): Promise<string> {
  log.push({ ev: 'submit', task });
  return q.run(
    task,
    async (_ep, signal) => {
      log.push({ ev: 'start', task });
      await sleep(ms, signal);
      return task;
    },
    { priority },
  );
}

const starts = (log: Log) => log.filter((e) => e.ev === 'start').map((e) => e.task);

describe('RequestQueue fairness', () => {
  it('serves 6 tasks on one slot round-robin, whatever each submits at once', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)]);
    const rand = seeded(42);
    const counts = { t1: 5, t2: 1, t3: 4, t4: 2, t5: 3, t6: 5 };
    const log: Log = [];
    const all: Promise<string>[] = [];
    // Each task submits all of its requests in one burst, the greediest first.
    for (const [task, n] of Object.entries(counts))
      for (let i = 0; i < n; i++) all.push(submit(q, log, task, 5 + Math.floor(rand() * 36)));
    await Promise.all(all);

    expect(fairnessViolation(log)).toBeNull();
    // t1's first request started before anyone else had submitted; then the rounds go by.
    expect(starts(log).join(' ')).toBe(
      [
        't1',
        't1 t2 t3 t4 t5 t6',
        't1 t3 t4 t5 t6',
        't1 t3 t5 t6',
        't1 t3 t6',
        't6', // the rest: only t6 still waits
      ].join(' '),
    );
  });

  it('has a checker that catches a task served twice while another waits', () => {
    const s = (task: string) => ({ ev: 'start' as const, task });
    const u = (task: string) => ({ ev: 'submit' as const, task });
    expect(fairnessViolation([u('a'), u('a'), u('b'), s('a'), s('b'), s('a')])).toBeNull();
    expect(fairnessViolation([u('a'), u('a'), u('b'), s('a'), s('a'), s('b')])).toMatch(/a served twice/);
  });

  it('stays fair when tasks arrive and submit at random times', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)]);
    const rand = seeded(7);
    const log: Log = [];
    const all: Promise<unknown>[] = [];
    for (let t = 0; t < 8; t++) {
      const task = `task-${t}`;
      all.push(
        (async () => {
          await sleep(Math.floor(rand() * 60));
          // A burst, a pause, another burst: each task keeps a few requests in flight.
          const burst = () =>
            Array.from({ length: 1 + Math.floor(rand() * 3) }, () =>
              submit(q, log, task, 2 + Math.floor(rand() * 6)),
            );
          await Promise.all(burst());
          await Promise.all(burst());
        })(),
      );
    }
    await Promise.all(all);
    expect(starts(log).length).toBeGreaterThan(16);
    expect(fairnessViolation(log)).toBeNull();
  });

  it('serves higher priorities first and equal priorities round-robin', async () => {
    const q = new RequestQueue([endpoint('mlx', 1)]);
    const log: Log = [];
    const all = [
      submit(q, log, 'busy', 20), // takes the slot while the others queue up
      submit(q, log, 'low', 5, -1),
      submit(q, log, 'a', 5),
      submit(q, log, 'a', 5),
      submit(q, log, 'b', 5),
      submit(q, log, 'urgent', 5, 10),
      submit(q, log, 'b', 5),
      submit(q, log, 'urgent', 5, 10),
    ];
    await Promise.all(all);
    expect(starts(log)).toEqual(['busy', 'urgent', 'urgent', 'a', 'b', 'a', 'b', 'low']);
  });
});
