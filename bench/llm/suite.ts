import { performance } from 'node:perf_hooks';
import { selected } from '../harness.js';
import type { Measurement, Suite } from '../types.js';
import { busyInProcess, busyViaFront } from './busy-fraction.js';
import { BUSY_SCRIPT, LATENCY } from './busy-load.js';
import { FAST_SCRIPT, frontFirstToken, frontRequest } from './front-latency.js';
import { keepNotes, measure, SUITE } from './measure.js';
import { plan } from './plan.js';
import { queueBacklog, queueOverhead } from './queue-overhead.js';
import { startStack, type Stack } from './servers.js';

async function withStack<T>(stack: Promise<Stack>, f: (s: Stack) => Promise<T>): Promise<T> {
  const s = await stack;
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

/**
 * The inference layer against the scripted server: the request queue's own cost, what the
 * queue front adds to a request, and how busy one slot stays under 4 tasks. Nothing here
 * depends on `--sizes`: every measurement has size 0.
 */
export const inferenceSuite: Suite = {
  name: SUITE,
  benchmarks: [
    'queue overhead',
    'queue backlog',
    'front request',
    'front first token',
    'busy fraction',
    'busy fraction via front',
  ],
  async run(ctx, report) {
    const p = plan(ctx);
    const on = (name: string) => selected(ctx, name);
    const timed = async (name: string, run: () => Promise<Measurement>) => {
      if (!on(name)) return;
      const t0 = performance.now();
      report(await run());
      ctx.log(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    };
    await timed('queue overhead', () => measure(queueOverhead(p.queue), ctx.breakdown));
    await timed('queue backlog', () => measure(queueBacklog(p.queue), ctx.breakdown));
    for (const [name, bench] of [
      ['front request', frontRequest],
      ['front first token', frontFirstToken],
    ] as const) {
      await timed(name, () =>
        withStack(startStack(FAST_SCRIPT), (s) => measure(bench(s, p.front), ctx.breakdown)),
      );
    }
    const { runs, requestsPerTask } = p.busy;
    await timed('busy fraction', () =>
      withStack(startStack(BUSY_SCRIPT, LATENCY), async (s) =>
        keepNotes(await busyInProcess(s, runs, requestsPerTask), ctx.breakdown),
      ),
    );
    await timed('busy fraction via front', () =>
      withStack(startStack(BUSY_SCRIPT, LATENCY), async (s) =>
        keepNotes(await busyViaFront(s, runs, requestsPerTask), ctx.breakdown),
      ),
    );
  },
};
