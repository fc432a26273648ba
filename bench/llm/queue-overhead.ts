import { RequestQueue, type Work } from '../../src/llm/queue.js';
import type { EndpointConfig } from '../../src/llm/types.js';
import type { Timed } from './measure.js';
import type { Plan } from './plan.js';

/** Never contacted: the work below only resolves. */
const ENDPOINT: EndpointConfig = {
  baseURL: 'http://127.0.0.1:9/v1',
  apiKey: 'local',
  model: 'bench',
  concurrency: 1,
};

/** The cheapest work a request can do, so the queue's own bookkeeping is all that is timed. */
const work: Work<number> = async () => 1;

/**
 * `RequestQueue.run` of a trivial work function, one request after the other, vs awaiting the
 * work directly: the queue's cost on every request when nothing waits.
 */
export function queueOverhead(p: Plan['queue']): Timed {
  const queue = new RequestQueue([ENDPOINT]);
  const signal = new AbortController().signal;
  return {
    name: 'queue overhead',
    productLabel: `RequestQueue.run(trivial work), ${p.batch} in a row`,
    referenceLabel: 'the work awaited directly',
    target: { maxExtraMs: 1 },
    budget: p,
    perRun: p.batch,
    product: {
      async run() {
        for (let k = 0; k < p.batch; k++) await queue.run('bench', work);
      },
    },
    reference: {
      async run() {
        for (let k = 0; k < p.batch; k++) await work(ENDPOINT, signal);
      },
    },
  };
}

/**
 * The same with a backlog: the whole batch submitted at once by 4 tasks, served one at a time
 * round-robin, vs the same works started at once and awaited together. The queue's cost per
 * request when requests wait, fair ordering included.
 */
export function queueBacklog(p: Plan['queue']): Timed {
  const queue = new RequestQueue([ENDPOINT]);
  const signal = new AbortController().signal;
  const tasks = ['task-a', 'task-b', 'task-c', 'task-d'];
  return {
    name: 'queue backlog',
    productLabel: `RequestQueue.run(trivial work), ${p.batch} at once from 4 tasks`,
    referenceLabel: 'the works started at once, awaited together',
    target: { maxExtraMs: 1 },
    budget: p,
    perRun: p.batch,
    product: {
      run: () => Promise.all(Array.from({ length: p.batch }, (_, k) => queue.run(tasks[k % 4]!, work))),
    },
    reference: {
      run: () => Promise.all(Array.from({ length: p.batch }, () => work(ENDPOINT, signal))),
    },
  };
}
