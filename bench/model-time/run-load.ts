import { performance } from 'node:perf_hooks';
import { chat } from '../../src/llm/client.js';
import { RequestQueue, type Schedule } from '../../src/llm/queue.js';
import { learnSlots } from '../../src/llm/server-slots.js';
import type { ChatMessage, ChatResponse, EndpointConfig } from '../../src/llm/types.js';
import { startScriptedServer, type CostStats } from '../../src/scripted-server/index.js';
import { commonPrefix, renderPrompt } from '../../src/scripted-server/prefix-cache.js';
import {
  ATTEMPTS,
  CHECK_MODEL_MS,
  coderMessages,
  costModel,
  SCRIPT,
  sheriffMessages,
  TASKS,
  TOOL_ROUNDS,
  TOOLS,
  toolRound,
} from './load.js';

const MODEL = 'scripted-model';

/** Which request of a task it is, for the shared-prefix figures. */
export type Kind = 'coder' | 'tool round' | 'sheriff';

export interface LoadResult {
  schedule: Schedule;
  slots: number;
  stats: CostStats;
  /**
   * The longest any request waited for its turn in the queue, in model ms: the model time the
   * server spent computing between its submission and its start. Real idle gaps (HTTP, timers)
   * are left out: slept at 1/200 of real time, a millisecond of them would read as 0.2 s.
   */
  longestWaitMs: number;
  /** Per task, all its waits added up, in model ms: the largest of them. */
  longestTaskWaitMs: number;
  /** From the first request to the last answer, real time scaled to model ms (idle gaps magnified). */
  wallMs: number;
  /** Tokens each request shares with the task's previous request, by `previous -> this` kind. */
  shared: Map<string, number[]>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One run of the load: 4 tasks, each doing 3 attempts (a Coder turn with its tool rounds, the
 * check, the Sheriff), at once, through a `RequestQueue` with the given schedule, over real HTTP
 * to a fresh scripted llama-server with the cost model (empty caches). The cache-aware queue
 * learns the slots from `/props` as `factory server start` does; the others are configured with
 * as much concurrency as the server has slots, and leave the slot to the server.
 */
export async function runLoad(schedule: Schedule, slots: number, timeScale: number): Promise<LoadResult> {
  const server = await startScriptedServer({
    script: SCRIPT,
    dialect: 'llamacpp',
    model: MODEL,
    cost: costModel(slots, timeScale),
  });
  const waits: number[] = [];
  const taskWaits = new Map<string, number>();
  const kinds = new Map<string, Kind[]>();
  let queue: RequestQueue | undefined;
  try {
    const learned =
      schedule === 'cache-aware' ? await learnSlots({ baseURL: server.baseURL, apiKey: 'local' }) : undefined;
    const ep: EndpointConfig = { baseURL: server.baseURL, apiKey: 'local', model: MODEL, concurrency: slots };
    queue = new RequestQueue([{ ...ep, ...learned }], { schedule, retries: 0 });
    const q = queue;
    const send = (task: string, messages: ChatMessage[], kind: Kind, followUp: boolean) => {
      kinds.set(task, [...(kinds.get(task) ?? []), kind]);
      const busy = () => server.costStats()!.busyMs;
      const asked = busy();
      return q.run(
        task,
        (endpoint, signal) => {
          const wait = busy() - asked;
          waits.push(wait);
          taskWaits.set(task, (taskWaits.get(task) ?? 0) + wait);
          return chat(endpoint, { messages, maxTokens: 1024, tools: TOOLS }, { signal, task });
        },
        // What the agent loop knows: another tool round follows this answer.
        { followUp: () => followUp, usageOf: (r: ChatResponse) => r.usage },
      );
    };
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: TASKS }, async (_, t) => {
        const task = `task-${t}`;
        for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
          let convo = coderMessages(t, attempt);
          let answer = await send(task, convo, 'coder', TOOL_ROUNDS > 0);
          for (let round = 1; round <= TOOL_ROUNDS && answer.toolCalls.length > 0; round++) {
            convo = toolRound(convo, answer, round);
            answer = await send(task, convo, 'tool round', round < TOOL_ROUNDS);
          }
          await sleep(CHECK_MODEL_MS * timeScale);
          await send(task, sheriffMessages(t, attempt), 'sheriff', false);
        }
      }),
    );
    const wallMs = (performance.now() - t0) / timeScale;
    const stats = server.costStats()!;
    if (stats.requests !== TASKS * ATTEMPTS * (TOOL_ROUNDS + 2))
      throw new Error(`model time: the server computed ${stats.requests} requests, expected more`);
    return {
      schedule,
      slots,
      stats,
      longestWaitMs: Math.max(...waits),
      longestTaskWaitMs: Math.max(...taskWaits.values()),
      wallMs,
      shared: sharedPrefixes(server.requests, kinds),
    };
  } finally {
    queue?.close();
    await server.close();
  }
}

/** Tokens each request shares with the previous request of its task, from what the server got. */
function sharedPrefixes(
  requests: readonly { task?: string; body: unknown }[],
  kinds: Map<string, Kind[]>,
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const last = new Map<string, { prompt: string; kind: Kind }>();
  const seen = new Map<string, number>();
  const lastCoder = new Map<string, string>();
  const add = (key: string, a: string, b: string) =>
    out.set(key, [...(out.get(key) ?? []), Math.floor(commonPrefix(a, b) / 4)]);
  for (const r of requests) {
    if (!r.task) continue;
    const i = seen.get(r.task) ?? 0;
    seen.set(r.task, i + 1);
    const kind = kinds.get(r.task)?.[i] ?? 'coder';
    const prompt = renderPrompt(r.body as Record<string, unknown>);
    const prev = last.get(r.task);
    if (prev) add(`${prev.kind} -> ${kind}`, prev.prompt, prompt);
    // What a cache that kept the last attempt's Coder prompt (mlx's LRU, a spare slot) would reuse.
    const coder = lastCoder.get(r.task);
    if (kind === 'coder' && coder) add('coder -> next coder', coder, prompt);
    if (kind === 'coder') lastCoder.set(r.task, prompt);
    last.set(r.task, { prompt, kind });
  }
  return out;
}
