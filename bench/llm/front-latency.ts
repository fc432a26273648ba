import { chat } from '../../src/llm/client.js';
import type { ChatRequest, EndpointConfig } from '../../src/llm/types.js';
import type { Trial } from '../timing.js';
import type { Script } from '../../src/scripted-server/index.js';
import type { Timed } from './measure.js';
import { now, phaseTable, type Phases } from './phases.js';
import type { Budget } from './plan.js';
import type { Stack } from './servers.js';

/** One short answer, sent as fast as the server can: the front's cost is all there is to see. */
export const FAST_SCRIPT: Script = {
  replies: [{ content: 'Hello! I am a scripted model, answering at once.' }],
};

const REQUEST: ChatRequest = { messages: [{ role: 'user', content: 'hello there' }], maxTokens: 64 };
const OPTS = { task: 'bench', timeoutMs: 10_000, idleTimeoutMs: 5_000 };

/** The scripted server's record of the request a run made (runs are sequential), once it has ended. */
async function recordOf(s: Stack, from: number) {
  // The server stamps the end when the response closes; let that event run first.
  await new Promise((resolve) => setImmediate(resolve));
  const rec = s.server.requests[from];
  return rec?.endedAt === undefined ? undefined : { ...rec, endedAt: rec.endedAt };
}

/** One non-streaming chat request; split, untimed, at the server's arrival and end of the answer. */
function requestTrial(s: Stack, endpoint: EndpointConfig, phases: Phases[]): Trial {
  let from = 0;
  let t0 = 0;
  let t1 = 0;
  return {
    async run() {
      from = s.server.requests.length;
      t0 = now();
      await chat(endpoint, REQUEST, { ...OPTS, stream: false });
      t1 = now();
    },
    async after() {
      const rec = await recordOf(s, from);
      if (!rec) return;
      phases.push({
        'client -> server arrival': rec.arrivedAt - t0,
        'arrival -> answer sent': rec.endedAt - rec.arrivedAt,
        'answer sent -> client has it': t1 - rec.endedAt,
        total: t1 - t0,
      });
    },
  };
}

/** One streamed chat request, timed to its first content token; the rest is read untimed. */
function firstTokenTrial(s: Stack, endpoint: EndpointConfig, phases: Phases[]): Trial {
  let rest: Promise<unknown> = Promise.resolve();
  return {
    async run() {
      const from = s.server.requests.length;
      let first = 0;
      let gotFirst!: () => void;
      const token = new Promise<void>((resolve) => (gotFirst = resolve));
      const t0 = now();
      rest = chat(endpoint, REQUEST, {
        ...OPTS,
        callbacks: {
          onContent: () => {
            if (first) return;
            first = now();
            gotFirst();
          },
        },
      });
      await Promise.race([token, rest]);
      if (!first) throw new Error('the answer had no content');
      rest = rest.then(async () => {
        const rec = await recordOf(s, from);
        if (!rec) return;
        phases.push({
          'client -> server arrival': rec.arrivedAt - t0,
          'arrival -> first token at client': first - rec.arrivedAt,
          total: first - t0,
        });
      });
    },
    after: () => rest.then(() => undefined),
  };
}

function frontBenchmark(
  name: string,
  what: string,
  s: Stack,
  budget: Budget,
  trial: (s: Stack, e: EndpointConfig, p: Phases[]) => Trial,
): Timed {
  const viaFront: Phases[] = [];
  const direct: Phases[] = [];
  return {
    name,
    productLabel: `${what} through the queue front (startFront, RequestQueue of concurrency 1)`,
    referenceLabel: `${what} straight to the scripted server (no latency model)`,
    target: { maxExtraMs: 5 },
    budget,
    product: trial(s, s.viaFront, viaFront),
    reference: trial(s, s.direct, direct),
    notes: () => {
      const q = s.frontQueue.metrics().total;
      return [
        // Warmup runs record phases too; leave them out.
        ...phaseTable(viaFront.slice(budget.warmup), direct.slice(budget.warmup), ['front', 'direct']),
        `the front's queue: ${q.completed} requests, wait ${q.waitMsAvg.toFixed(3)} ms and service ` +
          `(upstream request to answer piped) ${q.serviceMsAvg.toFixed(3)} ms on average`,
        'the client, the front and the scripted server share one process and event loop here',
      ];
    },
  };
}

export const frontRequest = (s: Stack, budget: Budget): Timed =>
  frontBenchmark('front request', 'chat(stream: false)', s, budget, requestTrial);

export const frontFirstToken = (s: Stack, budget: Budget): Timed =>
  frontBenchmark(
    'front first token',
    'chat(streamed) to the first content token',
    s,
    budget,
    firstTokenTrial,
  );
