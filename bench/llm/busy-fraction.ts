import { chat } from '../../src/llm/client.js';
import { queuedChat, type Inference } from '../../src/llm/inference.js';
import { RequestQueue } from '../../src/llm/queue.js';
import type { ChatRequest } from '../../src/llm/types.js';
import { busyFraction, type RecordedRequest } from '../../src/scripted-server/index.js';
import { median } from '../timing.js';
import type { Measurement } from '../types.js';
import { busyRequest, LATENCY, serviceMs } from './busy-load.js';
import { SUITE } from './measure.js';
import { endpointAt, type Stack } from './servers.js';

const TASKS = 4;
const OPTS = { timeoutMs: 60_000, idleTimeoutMs: 10_000 };

/** How one side sends a task's request. */
type Send = (task: string, req: ChatRequest) => Promise<unknown>;

interface Side {
  label: string;
  /** For the notes. */
  short: string;
  /** The queues on its way, whose retries the notes report. */
  queues: RequestQueue[];
  send: Send;
  runs: RecordedRequest[][];
}

/** Each task sends its requests one after the other; returns the server's records of them. */
async function load(s: Stack, perTask: number, send: Send): Promise<RecordedRequest[]> {
  const from = s.server.requests.length;
  const tasks = Array.from({ length: TASKS }, async (_, t) => {
    for (let k = 0; k < perTask; k++) await send(`task-${t}`, busyRequest(t, k));
  });
  await Promise.all(tasks);
  const recs = s.server.requests.slice(from);
  // The server stamps the end when the response closes, which may come just after the client is done.
  for (let i = 0; i < 100 && recs.some((r) => r.endedAt === undefined); i++)
    await new Promise((resolve) => setTimeout(resolve, 1));
  if (recs.length !== TASKS * perTask || recs.some((r) => r.status !== 200 || r.endedAt === undefined))
    throw new Error(`busy fraction: expected ${TASKS * perTask} answered requests, the server saw otherwise`);
  return recs;
}

const inProcess = (queue: RequestQueue): Inference => ({ mode: 'in-process', queue, note: '' });

/** Where one run's idle time went: before the first start, and in each gap between two services. */
function idleOf(recs: RecordedRequest[]) {
  const byStart = [...recs].sort((a, b) => a.startedAt! - b.startedAt!);
  const first = Math.min(...recs.map((r) => r.arrivedAt));
  const gaps: number[] = [];
  let client = 0;
  for (let i = 1; i < byStart.length; i++) {
    const [prev, next] = [byStart[i - 1]!, byStart[i]!];
    const gap = next.startedAt! - prev.endedAt!;
    if (gap <= 0) continue;
    gaps.push(gap);
    client += Math.max(0, Math.min(next.arrivedAt, next.startedAt!) - prev.endedAt!);
  }
  const wall = Math.max(...recs.map((r) => r.endedAt!)) - first;
  const gapMs = gaps.reduce((a, b) => a + b, 0);
  return { wall, gaps, client, server: gapMs - client, start: byStart[0]!.startedAt! - first };
}

const f = (x: number) => x.toFixed(1);

function describe(side: Side): string[] {
  const idle = side.runs.map(idleOf);
  const per = (pick: (i: ReturnType<typeof idleOf>) => number) => median(idle.map(pick));
  const gaps = idle.flatMap((i) => i.gaps);
  const fractions = side.runs.map((r) => busyFraction(r).toFixed(4)).join(', ');
  const idleMs = idle.map((i) => f(i.start + i.gaps.reduce((a, b) => a + b, 0))).join(', ');
  const retries = side.queues.reduce((n, q) => n + q.metrics().total.retries, 0);
  return [
    `${side.short}: ${side.runs.length} run(s) of ${side.runs[0]?.length ?? 0} requests, ` +
      `${f(per((i) => i.wall))} ms of wall time each (median); busy ${fractions}; idle ${idleMs} ms` +
      (side.queues.length ? `; ${retries} retries in the queues` : ''),
    `  idle before the first start ${f(per((i) => i.start))} ms; ${gaps.length} gaps between services ` +
      `(median ${f(median(gaps))} ms, max ${f(Math.max(0, ...gaps))} ms)`,
    `  per run, ${f(per((i) => i.client))} ms from an answer's end to the next request's arrival ` +
      `(client, queue, HTTP) and ${f(per((i) => i.server))} ms from arrival to service (server)`,
  ];
}

async function runSides(s: Stack, sides: Side[], runs: number, perTask: number): Promise<void> {
  for (let r = 0; r < runs; r++) {
    const order = r % 2 ? [...sides].reverse() : sides;
    for (const side of order) side.runs.push(await load(s, perTask, side.send));
  }
}

function measurement(name: string, product: Side, reference: Side | undefined, notes: string[]): Measurement {
  const fractions = (side: Side) => side.runs.map(busyFraction);
  return {
    suite: SUITE,
    size: 0,
    name,
    unit: 'fraction',
    product: fractions(product),
    productLabel: product.label,
    ...(reference ? { reference: fractions(reference), referenceLabel: reference.label } : {}),
    target: { minValue: 0.97 },
    notes,
  };
}

const LOAD =
  `${TASKS} tasks sending requests one after the other, one slot at ` +
  `${LATENCY.prefillTps}/${LATENCY.decodeTps} tokens/s prefill/decode`;

/**
 * The server's busy fraction (busy time / wall time from the first arrival to the last end)
 * under 4 tasks of sequential requests of mixed length, through an in-process queue of
 * concurrency 1, vs the same tasks sent straight to the server, which queues them itself (the
 * ideal: the next request is already there when a slot frees).
 */
export async function busyInProcess(s: Stack, runs: number, perTask: number): Promise<Measurement> {
  const queue = new RequestQueue([s.direct]);
  const product: Side = {
    label: `${LOAD}, through an in-process RequestQueue (queuedChat)`,
    short: 'in-process queue',
    queues: [queue],
    send: (task, req) => queuedChat(inProcess(queue), task, req, OPTS),
    runs: [],
  };
  const reference: Side = {
    label: `the same load sent straight to the server (its own slot queue)`,
    short: 'straight to the server',
    queues: [],
    send: (task, req) => chat(s.direct, req, { ...OPTS, task }),
    runs: [],
  };
  try {
    await runSides(s, [product, reference], runs, perTask);
  } finally {
    queue.close();
  }
  const expected = `expected service time per run ${f(serviceMs(TASKS, perTask))} ms`;
  return measurement('busy fraction', product, reference, [
    expected,
    ...describe(product),
    ...describe(reference),
  ]);
}

/** The same load through the queue front, each task as a factory process would talk to it. */
export async function busyViaFront(s: Stack, runs: number, perTask: number): Promise<Measurement> {
  // What a factory process that found the front does: route through a wide queue, no retries.
  // It shows the front's token, as factory's own clients do.
  const queue = new RequestQueue([{ ...endpointAt(s.viaFront.baseURL, 64), apiKey: s.viaFront.apiKey }], {
    retries: 0,
  });
  const product: Side = {
    label: `${LOAD}, through the queue front (RequestQueue of concurrency 1)`,
    short: 'through the front',
    queues: [queue, s.frontQueue],
    send: (task, req) => queuedChat({ mode: 'front', queue, note: '' }, task, req, OPTS),
    runs: [],
  };
  try {
    await runSides(s, [product], runs, perTask);
  } finally {
    queue.close();
  }
  const shared = 'the tasks, the front and the scripted server share one process and event loop here';
  return measurement('busy fraction via front', product, undefined, [...describe(product), shared]);
}
